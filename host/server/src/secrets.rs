//! Encryption of extension secrets at rest: ChaCha20-Poly1305 with a random
//! nonce per write and the tenant and extension id as associated data, so a
//! ciphertext copied onto another extension's row does not decrypt.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};
use std::path::Path;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("a stored secret could not be decrypted (wrong secret key, or tampered data)")]
    Decrypt,
    #[error("the secret key file {0} could not be read or created: {1}")]
    KeyFile(String, std::io::Error),
    #[error("no randomness available: {0}")]
    Random(String),
}

/// Encrypts and decrypts secret settings.
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(buf)
}

impl SecretBox {
    /// A box keyed by the SHA-256 of `key` (any string of enough entropy).
    pub fn new(key: &str) -> SecretBox {
        let digest = Sha256::digest(key.as_bytes());
        SecretBox {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&digest)),
        }
    }

    /// The configured key, or the one in `<data_dir>/secret.key`, generated on first start.
    pub fn from_config(configured: Option<&str>, data_dir: &Path) -> Result<SecretBox, SecretError> {
        if let Some(key) = configured {
            return Ok(SecretBox::new(key));
        }
        let path = data_dir.join("secret.key");
        let err = |e| SecretError::KeyFile(path.display().to_string(), e);
        if !path.exists() {
            std::fs::create_dir_all(data_dir).map_err(err)?;
            let key = hex::encode(random_bytes::<32>()?);
            write_private(&path, &key).map_err(err)?;
        }
        let key = std::fs::read_to_string(&path).map_err(err)?;
        Ok(SecretBox::new(key.trim()))
    }

    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>, SecretError> {
        let nonce = random_bytes::<NONCE_LEN>()?;
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Decrypt)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Decrypt);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Decrypt)
    }
}

/// Write a file only its owner can read.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let b = SecretBox::new("k");
        let sealed = b.seal(b"hunter2", "t/ext-1").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(b.open(&sealed, "t/ext-1").unwrap(), b"hunter2");
        assert!(b.open(&sealed, "t/ext-2").is_err());
        assert!(SecretBox::new("other").open(&sealed, "t/ext-1").is_err());
    }

    #[test]
    fn key_file_is_generated_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = SecretBox::from_config(None, dir.path()).unwrap();
        let sealed = a.seal(b"x", "c").unwrap();
        let b = SecretBox::from_config(None, dir.path()).unwrap();
        assert_eq!(b.open(&sealed, "c").unwrap(), b"x");
    }
}
