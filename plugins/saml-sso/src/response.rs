//! The checks of a SAML Response posted to the assertion consumer service, all
//! pure (the store-backed InResponseTo and replay checks are in `login`). The
//! design against signature wrapping: DTDs are refused before parsing; the
//! whole document must hold exactly one Assertion, a direct child of the
//! Response, and no duplicate ID; a Signature may sit only directly in the
//! Response or in that Assertion and must reference its own parent; every
//! signature present must verify and at least one must; then the identity,
//! conditions and subject confirmation are read from that one Assertion, which
//! a verified signature covers whichever of the two was signed.

use crate::dsig::{self, Fingerprint};
use crate::failure::{self, Failed, fail};
use crate::time;
use crate::tree::{NS_ASSERTION, NS_DSIG, NS_PROTOCOL, children, only_child, optional_child, strict_text};
use roxmltree::{Document, Node, ParsingOptions};
use std::collections::HashSet;

/// The largest decoded response accepted (the host caps the posted form before this).
pub const MAX_XML_BYTES: usize = 256 * 1024;
/// Enough for any real response; bounds parsing work.
const MAX_NODES: u32 = 20_000;
/// Bounds the recursion of canonicalisation.
const MAX_DEPTH: usize = 64;
/// How far the IdP's clock may be from ours.
pub const CLOCK_SKEW_MS: i64 = 3 * 60 * 1000;

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// What a response must match, from the settings and the platform's URLs.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub idp_issuer: &'a str,
    pub fingerprint: &'a Fingerprint,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    /// The attribute naming the agent's external id; None: the NameID.
    pub external_id_attribute: Option<&'a str>,
}

/// A response that passed every pure check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub external_id: String,
    pub assertion_id: String,
    /// The request it answers, if it says so (None: IdP-initiated).
    pub in_response_to: Option<String>,
    /// Until when the assertion could be accepted (its earliest NotOnOrAfter, plus skew).
    pub valid_until_ms: i64,
}

/// Refuse DTDs and entity declarations before any parser sees them.
pub fn refuse_dtd(xml: &str) -> Result<(), Failed> {
    let upper = xml.to_ascii_uppercase();
    if upper.contains("<!DOCTYPE") || upper.contains("<!ENTITY") {
        return Err(fail(failure::DTD, "the response has a DTD or an entity declaration"));
    }
    Ok(())
}

/// Parse and check a decoded response.
pub fn verify(xml: &str, expected: &Expected<'_>, now_ms: i64) -> Result<Verified, Failed> {
    if xml.len() > MAX_XML_BYTES {
        return Err(fail(
            failure::TOO_LARGE,
            format!(
                "the response has {} bytes; at most {MAX_XML_BYTES} are accepted",
                xml.len()
            ),
        ));
    }
    refuse_dtd(xml)?;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    let doc = Document::parse_with_options(xml, options)
        .map_err(|e| fail(failure::MALFORMED, format!("the response is not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if !root.has_tag_name((NS_PROTOCOL, "Response")) {
        return Err(fail(
            failure::MALFORMED,
            "the document is not a SAML 2.0 <samlp:Response>",
        ));
    }
    let assertion = structure(&doc)?;
    let response_signed = check_signatures(&doc, root, assertion, expected.fingerprint)?;
    read_verified(root, assertion, response_signed, expected, now_ms)
}

/// The structural rules; returns the one Assertion.
fn structure<'a, 'i>(doc: &'a Document<'i>) -> Result<Node<'a, 'i>, Failed> {
    let root = doc.root_element();
    let mut ids = HashSet::new();
    let mut assertions = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        if node.ancestors().count() > MAX_DEPTH {
            return Err(fail(failure::MALFORMED, "the response is nested too deeply"));
        }
        if let Some(id) = node.attribute("ID")
            && !ids.insert(id)
        {
            return Err(fail(failure::WRAPPING, format!("the ID `{id}` appears more than once")));
        }
        if node.has_tag_name((NS_ASSERTION, "Assertion")) {
            assertions.push(node);
        }
        if node.has_tag_name((NS_ASSERTION, "EncryptedAssertion")) {
            return Err(fail(failure::MALFORMED, "encrypted assertions are not supported"));
        }
    }
    let assertion = match assertions.as_slice() {
        [one] => *one,
        [] => return Err(fail(failure::MALFORMED, "the response has no assertion")),
        more => {
            return Err(fail(
                failure::WRAPPING,
                format!("the response has {} assertions; exactly one is accepted", more.len()),
            ));
        }
    };
    if assertion.parent() != Some(root) {
        return Err(fail(
            failure::WRAPPING,
            "the assertion is not a direct child of the response",
        ));
    }
    Ok(assertion)
}

/// Every Signature must sit in the Response or the Assertion and verify; one
/// at least must be there. Returns whether the Response itself is signed.
fn check_signatures(
    doc: &Document<'_>,
    root: Node<'_, '_>,
    assertion: Node<'_, '_>,
    fingerprint: &Fingerprint,
) -> Result<bool, Failed> {
    let signatures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name((NS_DSIG, "Signature")))
        .collect();
    if signatures.is_empty() {
        return Err(fail(
            failure::UNSIGNED,
            "neither the response nor the assertion is signed",
        ));
    }
    for signature in signatures {
        let parent = signature.parent().filter(|p| *p == root || *p == assertion);
        let Some(parent) = parent else {
            return Err(fail(
                failure::WRAPPING,
                "a signature sits outside the response's and the assertion's own places",
            ));
        };
        if children(parent, NS_DSIG, "Signature").count() > 1 {
            return Err(fail(failure::WRAPPING, "an element has more than one signature"));
        }
        dsig::verify(signature, parent, fingerprint)?;
    }
    Ok(children(root, NS_DSIG, "Signature").next().is_some())
}

fn instant(node: Node<'_, '_>, attribute: &str) -> Result<Option<i64>, Failed> {
    node.attribute(attribute)
        .map(|text| {
            time::parse(text).ok_or_else(|| {
                fail(
                    failure::MALFORMED,
                    format!("<{}> {attribute}=`{text}` is not a date-time", node.tag_name().name()),
                )
            })
        })
        .transpose()
}

/// NotBefore / NotOnOrAfter of `node`, within the skew; returns NotOnOrAfter.
fn window(node: Node<'_, '_>, now_ms: i64, required: bool) -> Result<Option<i64>, Failed> {
    let name = node.tag_name().name();
    if let Some(not_before) = instant(node, "NotBefore")?
        && now_ms + CLOCK_SKEW_MS < not_before
    {
        return Err(fail(
            failure::NOT_YET_VALID,
            format!(
                "<{name}> is valid from {}",
                time::format(u64::try_from(not_before).unwrap_or(0))
            ),
        ));
    }
    let not_on_or_after = instant(node, "NotOnOrAfter")?;
    match not_on_or_after {
        Some(end) if now_ms - CLOCK_SKEW_MS >= end => Err(fail(
            failure::EXPIRED,
            format!("<{name}> expired at {}", time::format(u64::try_from(end).unwrap_or(0))),
        )),
        None if required => Err(fail(failure::MALFORMED, format!("<{name}> has no NotOnOrAfter"))),
        end => Ok(end),
    }
}

fn issuer_is(node: Node<'_, '_>, expected: &str, required: bool) -> Result<(), Failed> {
    let what = node.tag_name().name();
    match optional_child(node, NS_ASSERTION, "Issuer", failure::ISSUER)? {
        Some(issuer) => {
            let text = strict_text(issuer, failure::ISSUER)?;
            if text != expected {
                return Err(fail(
                    failure::ISSUER,
                    format!("the {what}'s issuer is `{text}`, not the configured `{expected}`"),
                ));
            }
            Ok(())
        }
        None if required => Err(fail(failure::ISSUER, format!("the {what} has no issuer"))),
        None => Ok(()),
    }
}

/// Read what the verified assertion says, checking it against `expected`.
fn read_verified(
    root: Node<'_, '_>,
    assertion: Node<'_, '_>,
    response_signed: bool,
    expected: &Expected<'_>,
    now_ms: i64,
) -> Result<Verified, Failed> {
    // The Response's own fields: its status, destination and issuer.
    let status = only_child(root, NS_PROTOCOL, "Status", failure::MALFORMED)?;
    let code = only_child(status, NS_PROTOCOL, "StatusCode", failure::MALFORMED)?;
    let value = code.attribute("Value").unwrap_or("");
    if value != SUCCESS {
        return Err(fail(failure::STATUS, format!("the identity provider answered {value}")));
    }
    match root.attribute("Destination") {
        Some(d) if d == expected.acs_url => {}
        d => {
            return Err(fail(
                failure::DESTINATION,
                format!(
                    "the response's Destination is `{}`, not `{}`",
                    d.unwrap_or(""),
                    expected.acs_url
                ),
            ));
        }
    }
    issuer_is(root, expected.idp_issuer, false)?;
    issuer_is(assertion, expected.idp_issuer, true)?;
    let assertion_id = assertion
        .attribute("ID")
        .ok_or_else(|| fail(failure::MALFORMED, "the assertion has no ID"))?
        .to_string();

    // Conditions: the time window and our audience in every restriction.
    let conditions = only_child(assertion, NS_ASSERTION, "Conditions", failure::MALFORMED)?;
    let conditions_end = window(conditions, now_ms, false)?;
    let restrictions: Vec<_> = children(conditions, NS_ASSERTION, "AudienceRestriction").collect();
    if restrictions.is_empty() {
        return Err(fail(failure::AUDIENCE, "the assertion has no audience restriction"));
    }
    for restriction in restrictions {
        let audiences = children(restriction, NS_ASSERTION, "Audience")
            .map(|a| strict_text(a, failure::AUDIENCE))
            .collect::<Result<Vec<_>, _>>()?;
        if !audiences.iter().any(|a| a == expected.sp_entity_id) {
            return Err(fail(
                failure::AUDIENCE,
                format!("the assertion is for {audiences:?}, not `{}`", expected.sp_entity_id),
            ));
        }
    }

    // The subject: its NameID and a bearer confirmation for our ACS.
    let subject = only_child(assertion, NS_ASSERTION, "Subject", failure::MALFORMED)?;
    let name_id = only_child(subject, NS_ASSERTION, "NameID", failure::NAME_ID)?;
    let name_id = strict_text(name_id, failure::NAME_ID)?;
    let confirmation = children(subject, NS_ASSERTION, "SubjectConfirmation")
        .filter(|c| c.attribute("Method") == Some(BEARER))
        .filter_map(|c| optional_child(c, NS_ASSERTION, "SubjectConfirmationData", failure::MALFORMED).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let data = confirmation
        .into_iter()
        .find(|d| d.attribute("Recipient") == Some(expected.acs_url))
        .ok_or_else(|| {
            fail(
                failure::RECIPIENT,
                format!(
                    "no bearer subject confirmation has the Recipient `{}`",
                    expected.acs_url
                ),
            )
        })?;
    let confirmation_end = window(data, now_ms, true)?;

    // InResponseTo: the Response's and the confirmation's must agree, and an
    // unsigned Response's alone is not believed.
    let in_response_to = match (root.attribute("InResponseTo"), data.attribute("InResponseTo")) {
        (Some(a), Some(b)) if a != b => {
            return Err(fail(
                failure::IN_RESPONSE_TO,
                format!("the response answers `{a}` but its assertion `{b}`"),
            ));
        }
        (Some(a), None) if !response_signed => {
            return Err(fail(
                failure::IN_RESPONSE_TO,
                format!("only the unsigned response says it answers `{a}`"),
            ));
        }
        (a, b) => a.or(b).map(str::to_string),
    };

    let external_id = match expected.external_id_attribute {
        None => name_id,
        Some(name) => attribute_value(assertion, name)?,
    };
    let valid_until_ms = [conditions_end, confirmation_end]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now_ms)
        + CLOCK_SKEW_MS;
    Ok(Verified {
        external_id,
        assertion_id,
        in_response_to,
        valid_until_ms,
    })
}

/// The first value of the one attribute called `name`.
fn attribute_value(assertion: Node<'_, '_>, name: &str) -> Result<String, Failed> {
    let mut found = children(assertion, NS_ASSERTION, "AttributeStatement")
        .flat_map(|s| children(s, NS_ASSERTION, "Attribute"))
        .filter(|a| a.attribute("Name") == Some(name));
    let attribute = found.next().ok_or_else(|| {
        fail(
            failure::MISSING_ATTRIBUTE,
            format!("the assertion has no attribute `{name}`"),
        )
    })?;
    if found.next().is_some() {
        return Err(fail(
            failure::NAME_ID,
            format!("the attribute `{name}` appears more than once"),
        ));
    }
    let value = children(attribute, NS_ASSERTION, "AttributeValue")
        .next()
        .ok_or_else(|| {
            fail(
                failure::MISSING_ATTRIBUTE,
                format!("the attribute `{name}` has no value"),
            )
        })?;
    strict_text(value, failure::NAME_ID)
}

#[cfg(test)]
mod tests {
    //! The structural rules against responses signed here, with this crate's own
    //! c14n and a key made in the run; tests/saml_sso.rs does the same against
    //! signxml, an independent signer.
    use super::*;
    use crate::c14n::{Options, canonicalize};
    use crate::cert::{self, Hash};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as B64;
    use rsa::RsaPrivateKey;

    const NOW: i64 = 1_800_000_000_000;
    const ACS: &str = "https://sp.test/users/auth/saml/callback";
    const SP: &str = "https://sp.test/users/auth/saml/metadata";
    const IDP: &str = "https://idp.test/entity";
    const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

    fn response(name_id: &str) -> String {
        let (from, to) = (time::format(1_799_999_940_000), time::format(1_800_000_300_000));
        format!(
            "<samlp:Response xmlns:samlp=\"{NS_PROTOCOL}\" xmlns:saml=\"{NS_ASSERTION}\" ID=\"_r\" Destination=\"{ACS}\" InResponseTo=\"_q\">\
             <saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"{SUCCESS}\"/></samlp:Status>\
             <saml:Assertion ID=\"_a\"><saml:Issuer>{IDP}</saml:Issuer><saml:Subject><saml:NameID>{name_id}</saml:NameID>\
             <saml:SubjectConfirmation Method=\"{BEARER}\"><saml:SubjectConfirmationData Recipient=\"{ACS}\" NotOnOrAfter=\"{to}\" InResponseTo=\"_q\"/>\
             </saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore=\"{from}\" NotOnOrAfter=\"{to}\">\
             <saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction></saml:Conditions>\
             </saml:Assertion></samlp:Response>"
        )
    }

    /// `xml` with an enveloped RSA-SHA256 signature over the element with ID `id`,
    /// placed right after that element's Issuer.
    fn sign(xml: &str, id: &str, key: &RsaPrivateKey) -> String {
        let doc = Document::parse(xml).unwrap();
        let target = doc.descendants().find(|n| n.attribute("ID") == Some(id)).unwrap();
        let digest = B64.encode(Hash::Sha256.digest(canonicalize(target, &Options::default()).as_bytes()));
        let inner = format!(
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:CanonicalizationMethod>\
             <ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"></ds:SignatureMethod>\
             <ds:Reference URI=\"#{id}\"><ds:Transforms>\
             <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></ds:Transform>\
             <ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:Transform></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></ds:DigestMethod>\
             <ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>"
        );
        // Written canonically, so this is also SignedInfo's canonical form in place.
        let canonical = format!("<ds:SignedInfo xmlns:ds=\"{DS}\">{inner}</ds:SignedInfo>");
        let value = key
            .sign(Hash::Sha256.pkcs1v15(), &Hash::Sha256.digest(canonical.as_bytes()))
            .unwrap();
        let cert = B64.encode(cert::self_signed(key, "test IdP").unwrap());
        let signature = format!(
            "<ds:Signature xmlns:ds=\"{DS}\"><ds:SignedInfo>{inner}</ds:SignedInfo><ds:SignatureValue>{}</ds:SignatureValue>\
             <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
            B64.encode(value)
        );
        let issuer_end = target
            .children()
            .find(|c| c.has_tag_name((NS_ASSERTION, "Issuer")))
            .unwrap()
            .range()
            .end;
        format!("{}{signature}{}", &xml[..issuer_end], &xml[issuer_end..])
    }

    fn pinned(key: &RsaPrivateKey, hash: Hash) -> Fingerprint {
        Fingerprint {
            hash,
            value: hash.digest(&cert::self_signed(key, "test IdP").unwrap()),
        }
    }

    fn check(xml: &str) -> Result<Verified, Failed> {
        check_with(xml, &pinned(crate::testkeys::key(), Hash::Sha256), NOW)
    }

    fn check_with(xml: &str, fingerprint: &Fingerprint, now: i64) -> Result<Verified, Failed> {
        let expected = Expected {
            idp_issuer: IDP,
            fingerprint,
            sp_entity_id: SP,
            acs_url: ACS,
            external_id_attribute: None,
        };
        verify(xml, &expected, now)
    }

    fn code(result: Result<Verified, Failed>) -> &'static str {
        match result {
            Ok(v) => panic!("accepted: {v:?}"),
            Err(f) => f.code,
        }
    }

    fn key() -> &'static RsaPrivateKey {
        crate::testkeys::key()
    }

    #[test]
    fn accepts_a_signed_response_or_assertion_under_every_fingerprint_algorithm() {
        for id in ["_r", "_a"] {
            let xml = sign(&response("alice@x.com"), id, key());
            let v = check(&xml).unwrap();
            assert_eq!(v.external_id, "alice@x.com");
            assert_eq!(v.assertion_id, "_a");
            assert_eq!(v.in_response_to.as_deref(), Some("_q"));
            assert_eq!(v.valid_until_ms, 1_800_000_300_000 + CLOCK_SKEW_MS);
            for hash in [Hash::Sha1, Hash::Sha256, Hash::Sha384, Hash::Sha512] {
                assert!(check_with(&xml, &pinned(key(), hash), NOW).is_ok(), "{hash:?}");
            }
        }
        let both = sign(&sign(&response("alice@x.com"), "_a", key()), "_r", key());
        assert!(check(&both).is_ok());
    }

    #[test]
    fn refuses_unsigned_other_keys_and_other_algorithms() {
        assert_eq!(code(check(&response("alice@x.com"))), failure::UNSIGNED);
        let other = sign(&response("alice@x.com"), "_r", crate::testkeys::other_key());
        assert_eq!(code(check(&other)), failure::FINGERPRINT);
        // The right certificate's SHA-256 fingerprint, read as another algorithm's.
        let xml = sign(&response("alice@x.com"), "_r", key());
        let mut wrong = pinned(key(), Hash::Sha256);
        wrong.hash = Hash::Sha512;
        assert_eq!(code(check_with(&xml, &wrong, NOW)), failure::FINGERPRINT);
    }

    #[test]
    fn refuses_changes_after_signing() {
        for id in ["_r", "_a"] {
            let xml = sign(&response("alice@x.com"), id, key());
            assert_eq!(
                code(check(&xml.replace(">alice@x.com<", ">bob@x.com<"))),
                failure::DIGEST,
                "{id}"
            );
            let forged = xml.replace("<ds:SignatureValue>", "<ds:SignatureValue>AAAA");
            assert_eq!(code(check(&forged)), failure::SIGNATURE, "{id}");
        }
    }

    #[test]
    fn refuses_signature_wrapping() {
        let xml = sign(&response("alice@x.com"), "_a", key());
        let start = xml.find("<saml:Assertion").unwrap();
        let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
        let signed = &xml[start..end];
        let sig = (
            signed.find("<ds:Signature").unwrap(),
            signed.find("</ds:Signature>").unwrap() + 15,
        );
        let evil = format!("{}{}", &signed[..sig.0], &signed[sig.1..])
            .replace("alice@x.com", "bob@x.com")
            .replace("ID=\"_a\"", "ID=\"_evil\"");
        let cases = [
            ("before", xml.replace(signed, &format!("{evil}{signed}"))),
            ("after", xml.replace(signed, &format!("{signed}{evil}"))),
            (
                "inside",
                xml.replace(
                    signed,
                    &signed.replace("<saml:Subject>", &format!("{evil}<saml:Subject>")),
                ),
            ),
            (
                "under Extensions",
                xml.replace(
                    signed,
                    &format!(
                        "<samlp:Extensions>{signed}</samlp:Extensions>{}",
                        evil.replace("_evil", "_a")
                    ),
                ),
            ),
            (
                "under Object",
                xml.replace(
                    signed,
                    &signed.replace(">alice@x.com<", ">bob@x.com<").replace(
                        "</ds:Signature>",
                        &format!("<ds:Object>{signed}</ds:Object></ds:Signature>"),
                    ),
                ),
            ),
            (
                "duplicate ID",
                xml.replace(
                    "<samlp:Status>",
                    "<samlp:Extensions><x ID=\"_a\"/></samlp:Extensions><samlp:Status>",
                ),
            ),
            (
                "only assertion under Extensions",
                xml.replace(signed, &format!("<samlp:Extensions>{signed}</samlp:Extensions>")),
            ),
            (
                "signature referencing another element",
                xml.replace("<ds:Reference URI=\"#_a\">", "<ds:Reference URI=\"#_r\">"),
            ),
        ];
        for (what, attack) in cases {
            assert_ne!(attack, xml, "{what}: no change");
            assert_eq!(code(check(&attack)), failure::WRAPPING, "{what}");
        }
    }

    #[test]
    fn a_comment_in_the_name_id_is_refused_never_truncated() {
        let xml = sign(&response("admin@x.com.evil.com"), "_a", key());
        let injected = xml.replace(">admin@x.com.evil.com<", ">admin@x.com<!---->.evil.com<");
        let failed = check(&injected).unwrap_err();
        assert_eq!(failed.code, failure::NAME_ID, "{failed:?}");
        // The signature alone does not see the comment: it is the NameID read that refuses.
        assert!(failed.detail.contains("comment"));
    }

    #[test]
    fn refuses_dtds_before_parsing() {
        let xml = sign(&response("alice@x.com"), "_r", key());
        let dtd = format!("<!DOCTYPE r [<!ENTITY e \"x\">]>{xml}");
        assert_eq!(code(check(&dtd)), failure::DTD);
        assert_eq!(code(check(&format!("<!doctype r>{xml}"))), failure::DTD);
        assert_eq!(code(check(&" ".repeat(MAX_XML_BYTES + 1))), failure::TOO_LARGE);
    }

    #[test]
    fn refuses_what_is_not_for_us_or_not_now() {
        let signed = |from: &str, to: &str| sign(&response("alice@x.com").replace(from, to), "_r", key());
        assert_eq!(code(check(&signed(IDP, "https://evil.test/"))), failure::ISSUER);
        assert_eq!(code(check(&signed(SP, "https://other.test/"))), failure::AUDIENCE);
        assert_eq!(
            code(check(&signed(
                &format!("Destination=\"{ACS}\""),
                "Destination=\"https://x.test/\""
            ))),
            failure::DESTINATION
        );
        assert_eq!(
            code(check(&signed(
                &format!("Recipient=\"{ACS}\""),
                "Recipient=\"https://x.test/\""
            ))),
            failure::RECIPIENT
        );
        let xml = sign(&response("alice@x.com"), "_r", key());
        let pin = pinned(key(), Hash::Sha256);
        assert_eq!(
            code(check_with(&xml, &pin, 1_800_000_300_000 + CLOCK_SKEW_MS)),
            failure::EXPIRED
        );
        assert!(check_with(&xml, &pin, 1_800_000_300_000 + CLOCK_SKEW_MS - 1).is_ok());
        assert_eq!(
            code(check_with(&xml, &pin, 1_799_999_940_000 - CLOCK_SKEW_MS - 1)),
            failure::NOT_YET_VALID
        );
        assert_eq!(
            code(check(&signed("InResponseTo=\"_q\"/>", "InResponseTo=\"_other\"/>"))),
            failure::IN_RESPONSE_TO
        );
        // Only the assertion signed: an InResponseTo on the unsigned Response alone is not believed.
        let assertion_only = sign(
            &response("alice@x.com").replace(" InResponseTo=\"_q\"/>", "/>"),
            "_a",
            key(),
        );
        assert_eq!(code(check(&assertion_only)), failure::IN_RESPONSE_TO);
    }
}
