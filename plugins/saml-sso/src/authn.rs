//! The AuthnRequest and its HTTP-Redirect binding (SAML bindings 3.4): the
//! request XML, raw-DEFLATEd, base64'd and URL-encoded as `SAMLRequest`, with
//! `RelayState` carrying `return_to`; when requests are signed, `SigAlg` and a
//! `Signature` over the exact octets `SAMLRequest=..&RelayState=..&SigAlg=..`
//! as they appear in the URL.

use crate::settings::{Settings, SpUrls};
use crate::spkey::SpKey;
use crate::xmltext::escape;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use exthost_sdk::url::encode;

/// The SigAlg of signed requests.
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// How long an issued request may be answered.
pub const REQUEST_TTL_MS: u64 = 10 * 60 * 1000;

/// The `kv` key remembering an issued request's ID.
pub fn request_key(id: &str) -> String {
    format!("request:{id}")
}

/// A fresh request ID (an NCName: `_` then 32 hex digits) from 16 random bytes.
pub fn request_id(random: [u8; 16]) -> String {
    let mut id = String::from("_");
    for b in random {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// The AuthnRequest XML.
pub fn request_xml(settings: &Settings, urls: &SpUrls, id: &str, issue_instant: &str) -> String {
    let context = settings
        .authn_context
        .as_deref()
        .map(|c| {
            format!(
                "<samlp:RequestedAuthnContext Comparison=\"exact\"><saml:AuthnContextClassRef>{}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>",
                escape(c)
            )
        })
        .unwrap_or_default();
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" \
         Destination=\"{}\" AssertionConsumerServiceURL=\"{}\" \
         ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\">\
         <saml:Issuer>{}</saml:Issuer>\
         <samlp:NameIDPolicy Format=\"{}\" AllowCreate=\"true\"/>{context}</samlp:AuthnRequest>",
        escape(id),
        escape(issue_instant),
        escape(&settings.target_url),
        escape(&urls.acs),
        escape(&urls.entity_id),
        escape(&settings.name_id_format),
    )
}

/// The Target URL with the redirect binding's parameters; signed when `key` is given.
pub fn redirect_url(
    target_url: &str,
    request_xml: &str,
    relay_state: Option<&str>,
    key: Option<&SpKey>,
) -> Result<String, String> {
    let deflated = miniz_oxide::deflate::compress_to_vec(request_xml.as_bytes(), 8);
    let mut query = format!("SAMLRequest={}", encode(&B64.encode(deflated)));
    if let Some(relay) = relay_state.filter(|r| !r.is_empty()) {
        query += &format!("&RelayState={}", encode(relay));
    }
    if let Some(key) = key {
        query += &format!("&SigAlg={}", encode(RSA_SHA256));
        let signature = key.sign(query.as_bytes())?;
        query += &format!("&Signature={}", encode(&B64.encode(signature)));
    }
    // A fragment would swallow the parameters: it is dropped.
    let base = target_url.split_once('#').map_or(target_url, |(base, _)| base);
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    Ok(format!("{base}{sep}{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use exthost_sdk::url::query_param;

    fn settings() -> Settings {
        Settings::from_config(
            r#"{"issuer": "https://idp.test/e", "target_url": "https://idp.test/sso?tenant=a&x=<y>",
                "certificate_fingerprint": "0000000000000000000000000000000000000000000000000000000000000000"}"#,
        )
        .unwrap()
    }

    fn inflate(url: &str) -> String {
        let query = url.split_once('?').unwrap().1;
        let deflated = B64.decode(query_param(query, "SAMLRequest").unwrap()).unwrap();
        String::from_utf8(miniz_oxide::inflate::decompress_to_vec(&deflated).unwrap()).unwrap()
    }

    #[test]
    fn the_request_round_trips_through_the_binding() {
        let s = settings();
        let urls = SpUrls::new("https://acme.test");
        let xml = request_xml(&s, &urls, "_abc", "2026-11-26T11:17:27Z");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("ID"), Some("_abc"));
        assert_eq!(
            root.attribute("Destination"),
            Some("https://idp.test/sso?tenant=a&x=<y>")
        );
        assert_eq!(
            root.attribute("AssertionConsumerServiceURL"),
            Some("https://acme.test/users/auth/saml/callback")
        );
        assert!(xml.contains("PasswordProtectedTransport") && xml.contains("nameid-format:unspecified"));
        let url = redirect_url(&s.target_url, &xml, Some("/inbox?a=1&b"), None).unwrap();
        assert!(
            url.starts_with("https://idp.test/sso?tenant=a&x=<y>&SAMLRequest="),
            "{url}"
        );
        let query = url.split_once('?').unwrap().1;
        assert_eq!(query_param(query, "RelayState").as_deref(), Some("/inbox?a=1&b"));
        assert_eq!(query_param(query, "Signature"), None);
        assert_eq!(inflate(&url), xml);
    }

    #[test]
    fn a_signed_request_verifies_over_the_query_octets() {
        let key = SpKey::new(crate::testkeys::key().clone()).unwrap();
        let url = redirect_url("https://idp.test/sso", "<x/>", None, Some(&key)).unwrap();
        let query = url.split_once('?').unwrap().1;
        let (signed, signature) = query.split_once("&Signature=").unwrap();
        assert!(signed.ends_with(&format!("&SigAlg={}", encode(RSA_SHA256))));
        let signature = B64.decode(exthost_sdk::url::decode(signature)).unwrap();
        let public = crate::cert::public_key(&key.cert_der).unwrap();
        let h = crate::cert::Hash::Sha256;
        public
            .verify(h.pkcs1v15(), &h.digest(signed.as_bytes()), &signature)
            .unwrap();
        assert!(
            public
                .verify(h.pkcs1v15(), &h.digest(b"SAMLRequest=other"), &signature)
                .is_err()
        );
    }

    #[test]
    fn ids_are_ncnames() {
        assert_eq!(request_id([0xab; 16]), format!("_{}", "ab".repeat(16)));
    }
}
