//! XML-DSig verification of one enveloped signature over one element, the only
//! shape SAML uses: the Signature is a direct child of the element it signs,
//! its single Reference names that element's ID, the transforms are the
//! enveloped-signature transform and exclusive c14n, and the key comes from the
//! embedded certificate, trusted only if its fingerprint is the configured one.
//! Everything is read from direct children of the Signature being checked; a
//! DigestValue or certificate anywhere else is never looked at.

use crate::c14n::{self, Options};
use crate::cert::{self, Hash};
use crate::failure::{self, Failed, fail};
use crate::tree::{NS_DSIG, NS_EXC_C14N, base64_text, children, only_child, optional_child};
use roxmltree::Node;

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// The configured certificate fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: Hash,
    pub value: Vec<u8>,
}

impl Fingerprint {
    /// Whether `der` is the pinned certificate.
    pub fn matches(&self, der: &[u8]) -> bool {
        let digest = self.hash.digest(der);
        // Both are public; length and bytes must agree.
        digest.len() == self.value.len() && digest.iter().zip(&self.value).all(|(a, b)| a == b)
    }
}

fn signature_hash(algorithm: &str) -> Option<Hash> {
    match algorithm {
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => Some(Hash::Sha1),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => Some(Hash::Sha256),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => Some(Hash::Sha384),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => Some(Hash::Sha512),
        _ => None,
    }
}

fn digest_hash(algorithm: &str) -> Option<Hash> {
    match algorithm {
        "http://www.w3.org/2000/09/xmldsig#sha1" => Some(Hash::Sha1),
        "http://www.w3.org/2001/04/xmlenc#sha256" => Some(Hash::Sha256),
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => Some(Hash::Sha384),
        "http://www.w3.org/2001/04/xmlenc#sha512" => Some(Hash::Sha512),
        _ => None,
    }
}

fn algorithm<'a>(node: Node<'a, '_>) -> Result<&'a str, Failed> {
    node.attribute("Algorithm").ok_or_else(|| {
        fail(
            failure::SIGNATURE,
            format!("<{}> has no Algorithm", node.tag_name().name()),
        )
    })
}

/// Exclusive c14n options of a CanonicalizationMethod or Transform element, if it is one.
fn exc_c14n(method: Node<'_, '_>) -> Result<Option<Options>, Failed> {
    let with_comments = match algorithm(method)? {
        EXC_C14N => false,
        EXC_C14N_COMMENTS => true,
        _ => return Ok(None),
    };
    let inclusive_prefixes = match optional_child(method, NS_EXC_C14N, "InclusiveNamespaces", failure::SIGNATURE)? {
        Some(list) => list
            .attribute("PrefixList")
            .unwrap_or("")
            .split_ascii_whitespace()
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    Ok(Some(Options {
        with_comments,
        inclusive_prefixes,
        exclude: None,
    }))
}

/// Verify `signature`, a direct child of `signed`, against the pinned certificate.
pub fn verify(signature: Node<'_, '_>, signed: Node<'_, '_>, pinned: &Fingerprint) -> Result<(), Failed> {
    let what = signed.tag_name().name();
    if signature.parent() != Some(signed) {
        return Err(fail(
            failure::WRAPPING,
            format!("the signature is not a child of the {what}"),
        ));
    }
    for child in signature.children().filter(|c| c.is_element()) {
        let name = child.tag_name();
        if name.namespace() != Some(NS_DSIG) || !["SignedInfo", "SignatureValue", "KeyInfo"].contains(&name.name()) {
            return Err(fail(
                failure::WRAPPING,
                format!("the {what}'s Signature holds an unexpected <{}>", name.name()),
            ));
        }
    }
    let signed_info = only_child(signature, NS_DSIG, "SignedInfo", failure::SIGNATURE)?;
    let method = only_child(signed_info, NS_DSIG, "CanonicalizationMethod", failure::SIGNATURE)?;
    let info_c14n = exc_c14n(method)?.ok_or_else(|| {
        fail(
            failure::SIGNATURE,
            format!(
                "unsupported canonicalization method {}",
                method.attribute("Algorithm").unwrap_or("")
            ),
        )
    })?;
    let sig_method = algorithm(only_child(signed_info, NS_DSIG, "SignatureMethod", failure::SIGNATURE)?)?;
    let sig_hash = signature_hash(sig_method)
        .ok_or_else(|| fail(failure::SIGNATURE, format!("unsupported signature method {sig_method}")))?;

    // Exactly one Reference, to the element the signature sits in.
    let reference = only_child(signed_info, NS_DSIG, "Reference", failure::SIGNATURE)?;
    let id = signed
        .attribute("ID")
        .ok_or_else(|| fail(failure::WRAPPING, format!("the signed {what} has no ID")))?;
    let uri = reference.attribute("URI").unwrap_or("");
    if uri.strip_prefix('#') != Some(id) {
        return Err(fail(
            failure::WRAPPING,
            format!("the {what}'s signature references `{uri}`, not its own ID `{id}`"),
        ));
    }
    let mut enveloped = false;
    let mut digest_c14n = None;
    if let Some(transforms) = optional_child(reference, NS_DSIG, "Transforms", failure::SIGNATURE)? {
        for (i, transform) in children(transforms, NS_DSIG, "Transform").enumerate() {
            if algorithm(transform)? == ENVELOPED && i == 0 {
                enveloped = true;
            } else if let Some(options) = exc_c14n(transform)?.filter(|_| digest_c14n.is_none()) {
                digest_c14n = Some(options);
            } else {
                return Err(fail(
                    failure::SIGNATURE,
                    format!("unsupported or repeated transform {}", algorithm(transform)?),
                ));
            }
        }
    }
    let (true, Some(mut digest_c14n)) = (enveloped, digest_c14n) else {
        return Err(fail(
            failure::SIGNATURE,
            "the reference must use the enveloped-signature transform, then exclusive c14n",
        ));
    };
    let digest_method = algorithm(only_child(reference, NS_DSIG, "DigestMethod", failure::SIGNATURE)?)?;
    let digest_hash = digest_hash(digest_method)
        .ok_or_else(|| fail(failure::SIGNATURE, format!("unsupported digest method {digest_method}")))?;
    let digest_value = base64_text(
        only_child(reference, NS_DSIG, "DigestValue", failure::SIGNATURE)?,
        failure::SIGNATURE,
    )?;

    // The certificate: exactly one, pinned by its fingerprint before its key is used.
    let key_info = only_child(signature, NS_DSIG, "KeyInfo", failure::SIGNATURE)?;
    let x509 = only_child(key_info, NS_DSIG, "X509Data", failure::SIGNATURE)?;
    let cert_der = base64_text(
        only_child(x509, NS_DSIG, "X509Certificate", failure::SIGNATURE)?,
        failure::SIGNATURE,
    )?;
    if !pinned.matches(&cert_der) {
        return Err(fail(
            failure::FINGERPRINT,
            format!("the {what} is signed with a certificate whose fingerprint is not the configured one"),
        ));
    }
    let key = cert::public_key(&cert_der).map_err(|e| fail(failure::SIGNATURE, e.0))?;

    // The digest of the element as it is now, without its own signature.
    // A bare-name reference (`#id`) drops comments whatever the c14n variant says.
    digest_c14n.exclude = Some(signature.id());
    digest_c14n.with_comments = false;
    let canonical = c14n::canonicalize(signed, &digest_c14n);
    if digest_hash.digest(canonical.as_bytes()) != digest_value {
        return Err(fail(
            failure::DIGEST,
            format!("the {what} was changed after it was signed (digest mismatch)"),
        ));
    }

    let signature_value = base64_text(
        only_child(signature, NS_DSIG, "SignatureValue", failure::SIGNATURE)?,
        failure::SIGNATURE,
    )?;
    let canonical_info = c14n::canonicalize(signed_info, &info_c14n);
    key.verify(
        sig_hash.pkcs1v15(),
        &sig_hash.digest(canonical_info.as_bytes()),
        &signature_value,
    )
    .map_err(|_| fail(failure::SIGNATURE, format!("the {what}'s signature does not verify")))
}
