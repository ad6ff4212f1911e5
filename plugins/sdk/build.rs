//! Turns the contract (`../../wit/*.wit`) into two macros the SDK and every
//! extension expand: `__exthost_wit!` (the WIT as one inline source, plus one
//! world per set of hooks an extension may export) and `__exthost_world!` (a
//! hook list, in any order, to the world that exports exactly those hooks). An
//! extension's component then exports only its own hooks, and its bindings come
//! from the same text the host was built against.

use std::env;
use std::fs;
use std::path::PathBuf;

/// The hook interfaces, as written in `export!(T with [...])` and in WIT.
const HOOKS: [(&str, &str); 4] = [
    ("on_message", "on-message"),
    ("on_login", "on-login"),
    ("on_purge_tick", "on-purge-tick"),
    ("on_request", "on-request"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let wit_dir = manifest_dir.join("../../wit");
    println!("cargo:rerun-if-changed={}", wit_dir.display());

    let mut files: Vec<PathBuf> = fs::read_dir(&wit_dir)
        .unwrap_or_else(|e| panic!("read the WIT contract in {}: {e}", wit_dir.display()))
        .map(|entry| entry.expect("list wit/").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    files.sort();

    // One package in one source: keep the first `package` line, drop the others.
    let mut package = None;
    let mut body = String::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        for line in text.lines() {
            if line.starts_with("package ") {
                package.get_or_insert_with(|| line.to_string());
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    let package = package.expect("the WIT files declare a package");

    let subsets = hook_subsets();
    let mut wit =
        format!("{package}\n{body}\n/// The SDK's own: each world exports `metadata` and one set of hooks.\n");
    wit += "world sdk-imports {\n    import log;\n    import kv;\n    import messages;\n    import data;\n}\n";
    for subset in &subsets {
        wit += &format!("world {} {{\n    export metadata;\n", world_name(subset));
        for &i in subset {
            wit += &format!("    export {};\n", HOOKS[i].1);
        }
        wit += "}\n";
    }

    let mut code = String::new();
    code += "/// Expands `wit_bindgen::generate!` over the contract for one world.\n";
    code += "#[doc(hidden)]\n#[macro_export]\nmacro_rules! __exthost_wit {\n";
    // Inside the SDK: the imports, generated once, with their types.
    code += &format!(
        "    (sdk) => {{ ::wit_bindgen::generate!({{ inline: {wit:?}, path: [], world: \"sdk-imports\", generate_all }}); }};\n"
    );
    // In an extension: the exports of one world; `types` is the SDK's, so the
    // SDK's traits and the generated ones speak of the same types.
    code += &format!(
        "    ($world:tt) => {{ $crate::__private::wit_bindgen::generate!({{ inline: {wit:?}, path: [], world: $world, \
         runtime_path: \"exthost_sdk::__private::wit_bindgen::rt\", \
         with: {{ \"exthost:plugin/types@0.1.0\": exthost_sdk::wit::exthost::plugin::types }} }}); }};\n"
    );
    code += "}\n\n";

    code += "/// Maps a hook list, in any order, to the world exporting exactly those hooks.\n";
    code += "#[doc(hidden)]\n#[macro_export]\nmacro_rules! __exthost_world {\n";
    for subset in &subsets {
        for order in permutations(subset) {
            let list: Vec<&str> = order.iter().map(|&i| HOOKS[i].0).collect();
            let list = list.join(", ");
            code += &format!(
                "    ($ty:ident; {list}) => {{ $crate::__exthost_export!($ty; {:?}; {list}); }};\n",
                world_name(subset)
            );
        }
    }
    code += "    ($ty:ident; $($other:tt)*) => { ::core::compile_error!(\"exthost_sdk::export!: name the hooks \
             the extension implements, each once, among on_message, on_login, on_purge_tick, on_request\"); };\n";
    code += "}\n";

    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("wit_macros.rs"), code).expect("write wit_macros.rs");
}

/// Every non-empty set of hooks, as sorted indexes into `HOOKS`.
fn hook_subsets() -> Vec<Vec<usize>> {
    (1u32..(1 << HOOKS.len()))
        .map(|mask| (0..HOOKS.len()).filter(|i| mask & (1 << i) != 0).collect())
        .collect()
}

fn world_name(subset: &[usize]) -> String {
    let mut name = String::from("sdk");
    for &i in subset {
        name.push('-');
        name.push_str(HOOKS[i].1);
    }
    name
}

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for (i, &first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            all.push(tail);
        }
    }
    all
}
