//! Keys for unit tests, made once per test run (never copied from elsewhere).
//! 1024-bit so a debug build makes them quickly; the extension makes 2048-bit keys.

use rsa::RsaPrivateKey;
use std::sync::OnceLock;

/// A key made in this test run.
pub fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand_core::OsRng, 1024).expect("a test key"))
}

/// A second, unrelated key.
pub fn other_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand_core::OsRng, 1024).expect("a test key"))
}
