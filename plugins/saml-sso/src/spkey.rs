//! The platform's own SAML key (the SP key), which signs AuthnRequests and
//! whose certificate the SP metadata publishes. Design: the extension makes it
//! on first need (an RSA-2048 key from the host's WASI randomness) and stores
//! it in its private `kv` namespace with set-if-absent, so of several nodes
//! racing to make one, exactly one key wins and every node then reads that
//! one; it is generated once per enabled extension and never leaves the store
//! except as its public certificate. The certificate is self-signed and
//! derived deterministically from the key (PKCS#1 v1.5 signatures are
//! deterministic), so it needs no storage and every node publishes the same
//! one. Known limit: `kv` values are stored in the platform's database
//! unencrypted (the host encrypts settings secrets, not `kv`); the key never
//! appears in settings, pages, API answers or logs.

use crate::cert::{self, Hash};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};

/// The `kv` key the SP key is stored under.
pub const KV_KEY: &str = "sp-key";
/// RSA modulus size of a generated key.
pub const BITS: usize = 2048;
/// The common name of the SP certificate.
const COMMON_NAME: &str = "exthost SAML service provider";

/// The SP key and its certificate.
pub struct SpKey {
    key: RsaPrivateKey,
    /// The self-signed certificate, DER.
    pub cert_der: Vec<u8>,
}

impl std::fmt::Debug for SpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key, even in a debug print.
        f.debug_struct("SpKey")
            .field("cert_der_len", &self.cert_der.len())
            .finish()
    }
}

/// Make a new key; its PKCS#1 DER encoding is what `kv` stores.
pub fn generate() -> Result<Vec<u8>, String> {
    let key = RsaPrivateKey::new(&mut rand_core::OsRng, BITS).map_err(|e| format!("key generation: {e}"))?;
    let der = key.to_pkcs1_der().map_err(|e| format!("key encoding: {e}"))?;
    Ok(der.as_bytes().to_vec())
}

impl SpKey {
    /// The key stored as PKCS#1 DER, with its certificate.
    pub fn from_der(der: &[u8]) -> Result<SpKey, String> {
        let key =
            RsaPrivateKey::from_pkcs1_der(der).map_err(|_| "the stored SP key is not a PKCS#1 RSA key".to_string())?;
        SpKey::new(key)
    }

    pub fn new(key: RsaPrivateKey) -> Result<SpKey, String> {
        let cert_der = cert::self_signed(&key, COMMON_NAME).map_err(|e| e.0.to_string())?;
        Ok(SpKey { key, cert_der })
    }

    /// An RSA-SHA256 (PKCS#1 v1.5) signature of `data`.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        self.key
            .sign(Hash::Sha256.pkcs1v15(), &Hash::Sha256.digest(data))
            .map_err(|e| format!("signing: {e}"))
    }
}
