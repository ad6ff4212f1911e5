//! The platform's own SAML key (the SP key), which signs AuthnRequests and
//! whose certificate the SP metadata publishes. Design: the key is the
//! writeOnly setting `sp_private_key`, which the schema marks
//! `"x-exthost-generate": "rsa-2048"`, so the platform makes it when the
//! settings are first saved (and again only if the admin clears it); it is
//! then a secret like any other: encrypted at rest by the host, never shown,
//! the same for every node. It is made by the host rather than here because
//! RSA-2048 generation inside the guest takes longer than a hook's 500 ms
//! deadline (measured: BENCHMARKS.md). The certificate is self-signed and
//! derived deterministically from the key (PKCS#1 v1.5 signatures are
//! deterministic), so it needs no storage and every node publishes the same one.

use crate::cert::{self, Hash};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_BITS: usize = 2048;
/// The common name of the SP certificate.
const COMMON_NAME: &str = "exthost SAML service provider";

/// An RSA private key in PEM (PKCS#8, or PKCS#1 `RSA PRIVATE KEY`) of at least [`MIN_BITS`].
pub fn parse(pem: &str) -> Result<RsaPrivateKey, String> {
    let key = RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|_| "must be an RSA private key in PEM (PKCS#8 or PKCS#1)".to_string())?;
    if key.size() * 8 < MIN_BITS {
        return Err(format!("must be an RSA key of at least {MIN_BITS} bits"));
    }
    Ok(key)
}

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

impl SpKey {
    /// The key from its PEM, with its certificate.
    pub fn from_pem(pem: &str) -> Result<SpKey, String> {
        SpKey::new(parse(pem)?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};

    #[test]
    fn keys_below_2048_bits_and_garbage_are_refused() {
        let small = crate::testkeys::key().to_pkcs8_pem(LineEnding::LF).unwrap();
        assert!(parse(&small).unwrap_err().contains("2048"));
        assert!(parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
        assert!(parse("").is_err());
    }
}
