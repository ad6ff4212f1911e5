//! X.509 certificates, just as far as SAML needs them: the fingerprint of the
//! IdP's certificate (the whole DER, under the configured digest), its RSA
//! public key (a minimal DER walk to the SubjectPublicKeyInfo; nothing else in
//! the certificate is trusted or needed, the fingerprint pins it), and the SP's
//! own self-signed certificate, built deterministically from its key so every
//! node that holds the key publishes the same certificate.

use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha1::Digest;

/// The digests SAML settings and signatures name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// The settings' spelling (`SHA256`...).
    pub fn from_setting(name: &str) -> Option<Hash> {
        match name {
            "SHA1" => Some(Hash::Sha1),
            "SHA256" => Some(Hash::Sha256),
            "SHA384" => Some(Hash::Sha384),
            "SHA512" => Some(Hash::Sha512),
            _ => None,
        }
    }

    /// The digest's length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The PKCS#1 v1.5 padding scheme for signatures over this digest.
    pub fn pkcs1v15(self) -> Pkcs1v15Sign {
        match self {
            Hash::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
            Hash::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        }
    }
}

/// Why a certificate cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertError(pub &'static str);

/// One DER element: (tag, content, rest of the input).
fn read_tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), CertError> {
    let bad = CertError("the certificate is not valid DER");
    let (&tag, rest) = input.split_first().ok_or(bad.clone())?;
    if tag & 0x1f == 0x1f {
        return Err(bad);
    }
    let (&first, rest) = rest.split_first().ok_or(bad.clone())?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad);
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(bad);
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// The RSA public key of a DER certificate.
pub fn public_key(der: &[u8]) -> Result<RsaPublicKey, CertError> {
    let (tag, cert, _) = read_tlv(der)?;
    let (tbs_tag, tbs, _) = read_tlv(cert)?;
    if tag != 0x30 || tbs_tag != 0x30 {
        return Err(CertError("the certificate is not an X.509 certificate"));
    }
    let mut rest = tbs;
    // [0] version is optional; serial, signature, issuer, validity, subject follow.
    let (first, _, after) = read_tlv(rest)?;
    if first == 0xa0 {
        rest = after;
    }
    for _ in 0..5 {
        rest = read_tlv(rest)?.2;
    }
    let (spki_tag, spki, after) = read_tlv(rest)?;
    if spki_tag != 0x30 {
        return Err(CertError("the certificate has no subject public key"));
    }
    let whole = &rest[..rest.len() - after.len()];
    debug_assert!(whole.ends_with(spki));
    RsaPublicKey::from_public_key_der(whole).map_err(|_| CertError("the certificate's key is not an RSA key"))
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// sha256WithRSAEncryption, with its NULL parameters.
const SHA256_WITH_RSA: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
];
const COMMON_NAME_OID: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];

/// A self-signed certificate for `key`: the same key gives the same bytes.
pub fn self_signed(key: &RsaPrivateKey, common_name: &str) -> Result<Vec<u8>, CertError> {
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|_| CertError("the key cannot be encoded"))?;
    let spki = spki.as_bytes();
    let mut serial = sha2::Sha256::digest(spki)[..8].to_vec();
    // Positive and without a leading zero byte, as DER wants.
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let name = tlv(
        0x30,
        &tlv(
            0x31,
            &tlv(0x30, &[COMMON_NAME_OID, &tlv(0x0c, common_name.as_bytes())].concat()),
        ),
    );
    // No well-defined expiry (RFC 5280 4.1.2.5): the fingerprint, not the date, is what SAML peers pin.
    let validity = tlv(
        0x30,
        &[tlv(0x17, b"250101000000Z"), tlv(0x18, b"99991231235959Z")].concat(),
    );
    let tbs = tlv(
        0x30,
        &[
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, &serial),
            SHA256_WITH_RSA.to_vec(),
            name.clone(),
            validity,
            name,
            spki.to_vec(),
        ]
        .concat(),
    );
    let signature = key
        .sign(Hash::Sha256.pkcs1v15(), &Hash::Sha256.digest(&tbs))
        .map_err(|_| CertError("the certificate cannot be signed"))?;
    let bits = [&[0u8][..], &signature].concat();
    Ok(tlv(0x30, &[tbs, SHA256_WITH_RSA.to_vec(), tlv(0x03, &bits)].concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_carries_its_key_and_verifies() {
        let key = crate::testkeys::key();
        let der = self_signed(key, "exthost SAML SP").unwrap();
        assert_eq!(self_signed(key, "exthost SAML SP").unwrap(), der, "not deterministic");
        let public = public_key(&der).unwrap();
        assert_eq!(public, key.to_public_key());
        // The signature over the TBS part verifies with the key inside.
        let (_, cert, _) = read_tlv(&der).unwrap();
        let (_, _, after_tbs) = read_tlv(cert).unwrap();
        let tbs = &cert[..cert.len() - after_tbs.len()];
        let (_, _, after_alg) = read_tlv(after_tbs).unwrap();
        let (tag, bits, _) = read_tlv(after_alg).unwrap();
        assert_eq!(tag, 0x03);
        public
            .verify(Hash::Sha256.pkcs1v15(), &Hash::Sha256.digest(tbs), &bits[1..])
            .unwrap();
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            &b""[..],
            b"\x30",
            b"\x30\x85\x01\x01\x01\x01\x01",
            b"\x30\x03\x02\x01\x01",
            b"\x1f\x00",
        ] {
            assert!(public_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn digests_have_their_lengths() {
        for (name, len) in [("SHA1", 20), ("SHA256", 32), ("SHA384", 48), ("SHA512", 64)] {
            let h = Hash::from_setting(name).unwrap();
            assert_eq!((h.output_len(), h.digest(b"x").len()), (len, len));
        }
        assert_eq!(Hash::from_setting("sha256"), None);
        assert_eq!(Hash::from_setting("MD5"), None);
    }
}
