// The server is not written yet; until it is, the store has no caller outside its tests.
#[allow(dead_code, unused_imports)]
mod store;

fn main() {}
