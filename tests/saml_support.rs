//! What the SAML single sign-on tests share (`saml_sso.rs`, `saml_attacks.rs`):
//! the identity provider, signxml in a Python process with keys it makes in
//! this run; the platform's SAML routes; and the admin's and the browser's
//! steps. Each test binary that includes it uses a different part.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use exthost::web::return_to::encode;
use exthost_tests::browser::{self, Answer, client as browser, send};
use exthost_tests::logs::captured as logs;
use exthost_tests::saml::sign_py;
use exthost_tests::server::{Options, Server};
use serde_json::{Value, json};

pub const IDP_ENTITY: &str = "https://idp.example.test/saml/entity";
pub const IDP_SSO: &str = "https://idp.example.test/saml/sso";
pub const IDP_LOGOUT: &str = "https://idp.example.test/saml/logout";
pub const ACS: &str = "/users/auth/saml/callback";
pub const METADATA: &str = "/users/auth/saml/metadata";
pub const SIGN_IN: &str = "/users/auth/saml";
pub const EXTENSIONS: &str = "/api/v1/extensions";

pub fn capturing() -> Options {
    logs();
    Options::default()
}

// ---- the independent identity provider (Python) ---------------------------------

/// Keys and certificates made in this run: `idp` (the configured one) and `other`.
pub struct Idp {
    dir: tempfile::TempDir,
    /// Fingerprints of `idp`'s certificate by algorithm (`SHA256` -> `AB:CD:...`).
    fingerprints: Value,
}

impl Idp {
    pub fn new() -> Idp {
        let dir = tempfile::tempdir().expect("key dir");
        let path = dir.path().to_str().expect("a path").to_string();
        let fingerprints: Value = serde_json::from_str(&sign_py(&["keys", &path, "idp", "other"], "")).expect("JSON");
        Idp { dir, fingerprints }
    }

    pub fn key(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    pub fn fingerprint(&self, algorithm: &str) -> String {
        self.fingerprints[algorithm]
            .as_str()
            .expect("a fingerprint")
            .to_string()
    }

    /// Sign every spec (one Python process); the XML texts, in order.
    pub fn sign(&self, specs: &[Value]) -> Vec<String> {
        let out = sign_py(&["responses"], &Value::Array(specs.to_vec()).to_string());
        serde_json::from_str(&out).expect("a JSON list")
    }
}

/// A response spec for `name_id` answering `request` (None: unsolicited), signed on the Response.
pub fn spec(s: &Server, idp: &Idp, name_id: &str, request: Option<&str>) -> Value {
    let base = s.state.config.base_url();
    json!({
        "key": idp.key("idp"),
        "sign": "response",
        "response_id": format!("_r{}", exthost::store::new_id()),
        "assertion_id": format!("_a{}", exthost::store::new_id()),
        "issuer": IDP_ENTITY,
        "destination": format!("{base}{ACS}"),
        "recipient": format!("{base}{ACS}"),
        "audience": format!("{base}{METADATA}"),
        "name_id": name_id,
        "in_response_to": request,
    })
}

pub fn with(mut spec: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("an object") {
        spec[k] = v.clone();
    }
    spec
}

// ---- a browser that does not follow redirects ------------------------------------

pub async fn visit(s: &Server, path: &str, session: Option<&str>) -> Answer {
    send(browser::get(s, path, session)).await
}

/// POST the XML to the assertion consumer service as an IdP's auto-submitting form does.
pub async fn post_xml(s: &Server, xml: &str, relay_state: Option<&str>) -> Answer {
    let encoded = B64.encode(xml);
    let mut form = vec![("SAMLResponse", encoded.as_str())];
    if let Some(r) = relay_state {
        form.push(("RelayState", r));
    }
    send(browser().post(s.url(ACS)).form(&form)).await
}

pub fn assert_refused(answer: &Answer, code: &str, what: &str) {
    assert_eq!(
        (answer.status, answer.location.as_str()),
        (303, format!("/login?error={code}").as_str()),
        "{what}: {answer:?}"
    );
    assert!(answer.session.is_none(), "{what}: a session was started");
}

pub fn assert_logged_in(answer: &Answer, location: &str, what: &str) -> String {
    answer.assert_logged_in(location, what)
}

pub async fn assert_agent(s: &Server, session: &str, email: &str, what: &str) {
    let home = visit(s, "/", Some(session)).await;
    assert!(
        home.status == 200 && home.body.contains(email),
        "{what}: not {email}: {home:?}"
    );
}

/// The query parameter `name` of a redirect URL, decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII");
            out.push(u8::from_str_radix(hex, 16).expect("a %XX escape"));
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The AuthnRequest XML a redirect to the IdP carries.
pub fn authn_request(location: &str) -> String {
    let deflated = B64
        .decode(query_param(location, "SAMLRequest").expect("a SAMLRequest"))
        .expect("base64");
    let xml = miniz_oxide::inflate::decompress_to_vec(&deflated).expect("raw DEFLATE");
    String::from_utf8(xml).expect("UTF-8")
}

pub fn attribute(xml: &str, name: &str) -> String {
    let start = xml
        .find(&format!(" {name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {xml}"))
        + name.len()
        + 3;
    xml[start..start + xml[start..].find('"').expect("a closing quote")].to_string()
}

/// Start a login at the IdP through the "log in with SAML" link; the request's ID.
pub async fn issue_request(s: &Server, return_to: &str) -> String {
    let answer = visit(s, &format!("{SIGN_IN}?return_to={}", encode(return_to)), None).await;
    assert_eq!(answer.status, 303, "{answer:?}");
    assert!(
        answer.location.starts_with(&format!("{IDP_SSO}?SAMLRequest=")),
        "{answer:?}"
    );
    assert_eq!(query_param(&answer.location, "RelayState").as_deref(), Some(return_to));
    attribute(&authn_request(&answer.location), "ID")
}

// ---- setup ---------------------------------------------------------------------------

pub fn settings(idp: &Idp, algorithm: &str) -> Value {
    json!({
        "used_as_default_authentication": true,
        "enable_non_sso_login": true,
        "debug_mode": false,
        "sign_saml_requests": false,
        "issuer": IDP_ENTITY,
        "target_url": IDP_SSO,
        "certificate_fingerprint_algorithm": algorithm,
        "certificate_fingerprint": idp.fingerprint(algorithm),
        "name_identifier_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "logout_url": IDP_LOGOUT,
    })
}

pub async fn enable(s: &Server, settings: Value) -> String {
    let added = s
        .post(EXTENSIONS, &json!({ "extension": "saml-sso", "settings": settings }))
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let base = s.state.config.base_url();
    assert_eq!(
        added.json()["computed"]["assertion_consumer_service_url"],
        json!(format!("{base}{ACS}"))
    );
    assert_eq!(
        added.json()["computed"]["service_provider_metadata"],
        json!(format!("{base}{METADATA}"))
    );
    added.json()["id"].as_str().expect("an id").to_string()
}

pub async fn edit(s: &Server, id: &str, settings: Value) {
    let saved = s
        .put(&format!("{EXTENSIONS}/{id}"), &json!({ "settings": settings }))
        .await;
    assert_eq!(saved.status, 200, "{saved:?}");
}

pub async fn agent(s: &Server, id: &str, external_id: &str) {
    s.add_agent(id, &format!("{id}@agents.example.com"), Some(external_id), None)
        .await;
}

pub fn spec_for(s: &Server, idp: &Idp, request: &str) -> Value {
    spec(s, idp, "alice@example.com", Some(request))
}

/// The signed Assertion element of a response text.
pub fn assertion_of(xml: &str) -> &str {
    let start = xml.find("<saml:Assertion").expect("an assertion");
    let end = xml.rfind("</saml:Assertion>").expect("an assertion's end") + "</saml:Assertion>".len();
    &xml[start..end]
}

/// An unsigned copy of the assertion for `name_id`, under a new ID.
pub fn evil_assertion(signed_assertion: &str, original: &str, name_id: &str) -> String {
    let unsigned = match (
        signed_assertion.find("<ds:Signature"),
        signed_assertion.find("</ds:Signature>"),
    ) {
        (Some(start), Some(end)) => format!(
            "{}{}",
            &signed_assertion[..start],
            &signed_assertion[end + "</ds:Signature>".len()..]
        ),
        _ => signed_assertion.to_string(),
    };
    let id = attribute(signed_assertion, "ID");
    unsigned.replace(original, name_id).replace(&id, "_evil")
}

/// A second, unsigned assertion for bob next to (or inside) alice's signed one.
pub fn wrapped(xml: &str, place: &str) -> String {
    let signed = assertion_of(xml);
    let evil = evil_assertion(signed, "alice@example.com", "bob@example.com");
    let wrapped = match place {
        "before" => format!("{evil}{signed}"),
        "after" => format!("{signed}{evil}"),
        _ => signed.replace("<saml:Subject>", &format!("{evil}<saml:Subject>")),
    };
    xml.replace(signed, &wrapped)
}
