//! SAML single sign-on end to end: the real server with the built-in
//! `saml-sso` extension, on SQLite and PostgreSQL, driven over HTTP like a
//! browser that does not follow redirects. The identity provider is an
//! independent implementation, signxml (lxml, libxml2's exclusive c14n,
//! cryptography) in a Python process, `tests/fixtures/saml/sign.py`, with RSA
//! keys and certificates it makes in this run. Responses are signed on the
//! Response, on the Assertion, or on both, and every attack of the issue is
//! made the way an attacker makes it: by editing the signed XML text. Each case
//! asserts its own refusal code and that no session was started. The signed
//! AuthnRequest is checked by the same Python stack against the certificate
//! the SP metadata publishes, and the SP private key is shown never to appear
//! in a page, an API answer or the log.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use exthost::store::{Role, User};
use exthost::web::return_to::encode;
use exthost_tests::browser::{self, Answer, client as browser, send};
use exthost_tests::logs::captured as logs;
use exthost_tests::server::{Options, Server};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const IDP_ENTITY: &str = "https://idp.example.test/saml/entity";
const IDP_SSO: &str = "https://idp.example.test/saml/sso";
const IDP_LOGOUT: &str = "https://idp.example.test/saml/logout";
const ACS: &str = "/users/auth/saml/callback";
const METADATA: &str = "/users/auth/saml/metadata";
const SIGN_IN: &str = "/users/auth/saml";
const EXTENSIONS: &str = "/api/v1/extensions";

fn capturing() -> Options {
    logs();
    Options::default()
}

// ---- the independent identity provider (Python) ---------------------------------

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/saml/sign.py")
}

fn python(args: &[&str], input: &str) -> String {
    let mut child = Command::new(exthost_artifacts::python_toolchain::PYTHON)
        .arg(script())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the build's Python virtualenv runs the SAML identity provider");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to python");
    let out = child.wait_with_output().expect("python output");
    assert!(
        out.status.success(),
        "sign.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Keys and certificates made in this run: `idp` (the configured one) and `other`.
struct Idp {
    dir: tempfile::TempDir,
    /// Fingerprints of `idp`'s certificate by algorithm (`SHA256` -> `AB:CD:...`).
    fingerprints: Value,
}

impl Idp {
    fn new() -> Idp {
        let dir = tempfile::tempdir().expect("key dir");
        let path = dir.path().to_str().expect("a path").to_string();
        let fingerprints: Value = serde_json::from_str(&python(&["keys", &path, "idp", "other"], "")).expect("JSON");
        Idp { dir, fingerprints }
    }

    fn key(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn fingerprint(&self, algorithm: &str) -> String {
        self.fingerprints[algorithm]
            .as_str()
            .expect("a fingerprint")
            .to_string()
    }

    /// Sign every spec (one Python process); the XML texts, in order.
    fn sign(&self, specs: &[Value]) -> Vec<String> {
        let out = python(&["responses"], &Value::Array(specs.to_vec()).to_string());
        serde_json::from_str(&out).expect("a JSON list")
    }
}

/// A response spec for `name_id` answering `request` (None: unsolicited), signed on the Response.
fn spec(s: &Server, idp: &Idp, name_id: &str, request: Option<&str>) -> Value {
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

fn with(mut spec: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("an object") {
        spec[k] = v.clone();
    }
    spec
}

// ---- a browser that does not follow redirects ------------------------------------

async fn visit(s: &Server, path: &str, session: Option<&str>) -> Answer {
    send(browser::get(s, path, session)).await
}

/// POST the XML to the assertion consumer service as an IdP's auto-submitting form does.
async fn post_xml(s: &Server, xml: &str, relay_state: Option<&str>) -> Answer {
    let encoded = B64.encode(xml);
    let mut form = vec![("SAMLResponse", encoded.as_str())];
    if let Some(r) = relay_state {
        form.push(("RelayState", r));
    }
    send(browser().post(s.url(ACS)).form(&form)).await
}

fn assert_refused(answer: &Answer, code: &str, what: &str) {
    assert_eq!(
        (answer.status, answer.location.as_str()),
        (303, format!("/login?error={code}").as_str()),
        "{what}: {answer:?}"
    );
    assert!(answer.session.is_none(), "{what}: a session was started");
}

fn assert_logged_in(answer: &Answer, location: &str, what: &str) -> String {
    answer.assert_logged_in(location, what)
}

async fn assert_agent(s: &Server, session: &str, email: &str, what: &str) {
    let home = visit(s, "/", Some(session)).await;
    assert!(
        home.status == 200 && home.body.contains(email),
        "{what}: not {email}: {home:?}"
    );
}

/// The query parameter `name` of a redirect URL, decoded.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
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
fn authn_request(location: &str) -> String {
    let deflated = B64
        .decode(query_param(location, "SAMLRequest").expect("a SAMLRequest"))
        .expect("base64");
    let xml = miniz_oxide::inflate::decompress_to_vec(&deflated).expect("raw DEFLATE");
    String::from_utf8(xml).expect("UTF-8")
}

fn attribute(xml: &str, name: &str) -> String {
    let start = xml
        .find(&format!(" {name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {xml}"))
        + name.len()
        + 3;
    xml[start..start + xml[start..].find('"').expect("a closing quote")].to_string()
}

/// Start a login at the IdP through the "log in with SAML" link; the request's ID.
async fn issue_request(s: &Server, return_to: &str) -> String {
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

fn settings(idp: &Idp, algorithm: &str) -> Value {
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

async fn enable(s: &Server, settings: Value) -> String {
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

async fn edit(s: &Server, id: &str, settings: Value) {
    let saved = s
        .put(&format!("{EXTENSIONS}/{id}"), &json!({ "settings": settings }))
        .await;
    assert_eq!(saved.status, 200, "{saved:?}");
}

async fn agent(s: &Server, id: &str, external_id: &str) {
    let user = User {
        id: id.into(),
        email: format!("{id}@agents.example.com"),
        name: format!("Agent {id}"),
        password_hash: Some(exthost::bootstrap::hash_password(&format!("pw-{id}")).expect("hash")),
        external_id: Some(external_id.into()),
        jwt_external_id: None,
        role: Role::Agent,
        created_at: 0,
    };
    s.state
        .store
        .insert_user(s.state.registry.tenant(), &user)
        .await
        .expect("insert agent");
}

// ---- accepted ---------------------------------------------------------------------------

/// Signed on the Response, on the Assertion, on both; every signature and
/// fingerprint algorithm; the attribute; the default redirect; sign-out; metadata.
async fn accepted(s: Server) {
    let idp = Idp::new();
    let id = enable(&s, settings(&idp, "SHA256")).await;
    agent(&s, "alice", "alice@example.com").await;
    agent(&s, "emp", "E-1234").await;

    let mut specs = Vec::new();
    for (sign, sig_alg, digest_alg) in [
        ("response", "rsa-sha256", "sha256"),
        ("assertion", "rsa-sha256", "sha256"),
        ("both", "rsa-sha256", "sha256"),
        ("response", "rsa-sha384", "sha384"),
        ("assertion", "rsa-sha512", "sha512"),
    ] {
        let request = issue_request(&s, "/inbox?x=1").await;
        specs.push(with(
            spec(&s, &idp, "alice@example.com", Some(&request)),
            json!({ "sign": sign, "sig_alg": sig_alg, "digest_alg": digest_alg }),
        ));
    }
    let signed = idp.sign(&specs);
    for (xml, spec) in signed.iter().zip(&specs) {
        let what = format!("signed on {} with {}", spec["sign"], spec["sig_alg"]);
        let session = assert_logged_in(&post_xml(&s, xml, Some("/inbox?x=1")).await, "/inbox?x=1", &what);
        assert_agent(&s, &session, "alice@agents.example.com", &what).await;
    }

    // Each fingerprint algorithm of the IdP's certificate.
    for algorithm in ["SHA1", "SHA256", "SHA384", "SHA512"] {
        edit(&s, &id, settings(&idp, algorithm)).await;
        let request = issue_request(&s, "/").await;
        let xml = &idp.sign(&[spec(&s, &idp, "alice@example.com", Some(&request))])[0];
        assert_logged_in(&post_xml(&s, xml, None).await, "/", algorithm);
    }

    // The agent found by the configured attribute rather than the NameID.
    let mut by_attribute = settings(&idp, "SHA256");
    by_attribute["external_id_attribute"] = json!("employeeNumber");
    edit(&s, &id, by_attribute).await;
    let request = issue_request(&s, "/").await;
    let specs = [
        with(
            spec(&s, &idp, "alice@example.com", Some(&request)),
            json!({ "attributes": { "employeeNumber": "E-1234" } }),
        ),
        spec(&s, &idp, "alice@example.com", None),
    ];
    let xml = idp.sign(&specs);
    let session = assert_logged_in(&post_xml(&s, &xml[0], None).await, "/", "attribute");
    assert_agent(&s, &session, "emp@agents.example.com", "attribute").await;
    edit(&s, &id, settings(&idp, "SHA256")).await;

    // IdP-initiated: refused unless allowed.
    assert_refused(&post_xml(&s, &xml[1], None).await, "saml_in_response_to", "unsolicited");
    let mut unsolicited = settings(&idp, "SHA256");
    unsolicited["allow_idp_initiated_login"] = json!(true);
    edit(&s, &id, unsolicited).await;
    let xml = &idp.sign(&[spec(&s, &idp, "alice@example.com", None)])[0];
    assert_logged_in(&post_xml(&s, xml, None).await, "/", "unsolicited, allowed");
    edit(&s, &id, settings(&idp, "SHA256")).await;

    // Default authentication: a visitor goes to the IdP with a request and RelayState.
    let protected = visit(&s, "/", None).await;
    assert_eq!(
        (protected.status, protected.location.as_str()),
        (303, "/login?return_to=%2F")
    );
    let login = visit(&s, &protected.location, None).await;
    assert!(
        login.location.starts_with(&format!("{IDP_SSO}?SAMLRequest=")),
        "{login:?}"
    );
    assert_eq!(query_param(&login.location, "RelayState").as_deref(), Some("/"));
    let request = authn_request(&login.location);
    let base = s.state.config.base_url();
    assert_eq!(
        attribute(&request, "AssertionConsumerServiceURL"),
        format!("{base}{ACS}")
    );
    assert_eq!(attribute(&request, "Destination"), IDP_SSO);
    assert!(
        request.contains(&format!("<saml:Issuer>{base}{METADATA}</saml:Issuer>")),
        "{request}"
    );
    assert!(request.contains("Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\""));
    assert!(request.contains("ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"));
    assert_eq!(
        query_param(&login.location, "Signature"),
        None,
        "signed although signing is off"
    );
    // The password form stays reachable while non-SSO login is on.
    assert_eq!(visit(&s, "/login?method=password", None).await.status, 200);

    // Unsigned metadata: the ACS and entity ID, no certificate.
    let metadata = visit(&s, METADATA, None).await;
    assert_eq!(metadata.status, 200, "{metadata:?}");
    assert!(
        metadata.body.contains(&format!("entityID=\"{base}{METADATA}\"")),
        "{metadata:?}"
    );
    assert!(
        metadata.body.contains(&format!("Location=\"{base}{ACS}\"")),
        "{metadata:?}"
    );
    assert!(!metadata.body.contains("X509Certificate"), "{metadata:?}");

    // Sign-out ends the session and goes on to the Logout URL.
    let out = send(
        browser()
            .post(s.url("/logout"))
            .header("cookie", format!("exthost_session={session}")),
    )
    .await;
    assert_eq!((out.status, out.location.as_str()), (303, "/logout/done"));
    let done = visit(&s, "/logout/done", None).await;
    assert_eq!((done.status, done.location.as_str()), (303, IDP_LOGOUT));
    assert_eq!(visit(&s, "/", Some(&session)).await.status, 303);
}

// ---- refused: one test per attack -------------------------------------------------------------------------

/// The signed Assertion element of a response text.
fn assertion_of(xml: &str) -> &str {
    let start = xml.find("<saml:Assertion").expect("an assertion");
    let end = xml.rfind("</saml:Assertion>").expect("an assertion's end") + "</saml:Assertion>".len();
    &xml[start..end]
}

/// An unsigned copy of the assertion for `name_id`, under a new ID.
fn evil_assertion(signed_assertion: &str, original: &str, name_id: &str) -> String {
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

/// An attack: how the IdP's spec differs, how the signed text is then edited
/// (the attacker's part), and the refusal code expected.
struct Attack {
    changes: Value,
    edit: fn(&str, &Value) -> String,
    code: &'static str,
}

fn unchanged(xml: &str, _: &Value) -> String {
    xml.to_string()
}

/// A second, unsigned assertion for bob next to (or inside) alice's signed one.
fn wrapped(xml: &str, place: &str) -> String {
    let signed = assertion_of(xml);
    let evil = evil_assertion(signed, "alice@example.com", "bob@example.com");
    let wrapped = match place {
        "before" => format!("{evil}{signed}"),
        "after" => format!("{signed}{evil}"),
        _ => signed.replace("<saml:Subject>", &format!("{evil}<saml:Subject>")),
    };
    xml.replace(signed, &wrapped)
}

fn attack_case(name: &str) -> Attack {
    let assertion_signed = json!({ "sign": "assertion" });
    let (changes, edit, code): (Value, fn(&str, &Value) -> String, &str) = match name {
        "unsigned" => (json!({ "sign": "none" }), unchanged, "saml_unsigned"),
        "signed_by_another_key" => (json!({ "key": "other" }), unchanged, "saml_fingerprint"),
        "name_id_tampered_after_signing" => (
            json!({}),
            |xml, _| xml.replace(">alice@example.com<", ">bob@example.com<"),
            "saml_digest",
        ),
        "both_signed_assertion_tampered" => (
            json!({ "sign": "both" }),
            |xml, _| xml.replace(">alice@example.com<", ">bob@example.com<"),
            "saml_digest",
        ),
        "wrapping_unsigned_assertion_before" => (assertion_signed, |xml, _| wrapped(xml, "before"), "saml_wrapping"),
        "wrapping_unsigned_assertion_after" => (assertion_signed, |xml, _| wrapped(xml, "after"), "saml_wrapping"),
        "wrapping_unsigned_assertion_inside" => (assertion_signed, |xml, _| wrapped(xml, "inside"), "saml_wrapping"),
        // The signed assertion moved under Extensions, bob's with the same ID in its place.
        "wrapping_signed_assertion_under_extensions" => (
            assertion_signed,
            |xml, _| {
                let signed = assertion_of(xml);
                let evil = evil_assertion(signed, "alice@example.com", "bob@example.com")
                    .replace("_evil", &attribute(signed, "ID"));
                xml.replace(signed, &format!("<samlp:Extensions>{signed}</samlp:Extensions>{evil}"))
            },
            "saml_wrapping",
        ),
        // The whole signed Response under a new Response's Extensions, next to bob's assertion.
        "wrapping_signed_response_under_extensions" => (
            json!({}),
            |xml, spec| {
                let evil = evil_assertion(assertion_of(xml), "alice@example.com", "bob@example.com");
                format!(
                    "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
                     xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_outer\" Version=\"2.0\" \
                     IssueInstant=\"2026-01-01T00:00:00Z\" Destination=\"{}\" InResponseTo=\"{}\">\
                     <saml:Issuer>{IDP_ENTITY}</saml:Issuer><samlp:Extensions>{xml}</samlp:Extensions>\
                     <samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>\
                     </samlp:Status>{evil}</samlp:Response>",
                    spec["destination"].as_str().expect("a destination"),
                    spec["in_response_to"].as_str().expect("a request"),
                )
            },
            "saml_wrapping",
        ),
        // Bob's assertion carries alice's signature; the signed original hides in a ds:Object.
        "wrapping_signed_assertion_under_object" => (
            assertion_signed,
            |xml, _| {
                let signed = assertion_of(xml);
                let evil = signed.replace(">alice@example.com<", ">bob@example.com<").replace(
                    "</ds:Signature>",
                    &format!("<ds:Object>{signed}</ds:Object></ds:Signature>"),
                );
                xml.replace(signed, &evil)
            },
            "saml_wrapping",
        ),
        "duplicate_ids" => (
            json!({}),
            |xml, spec| {
                let id = spec["response_id"].as_str().expect("an id");
                xml.replace(
                    "<samlp:Status>",
                    &format!(
                        "<samlp:Extensions><x:Note xmlns:x=\"urn:x\" ID=\"{id}\"/></samlp:Extensions><samlp:Status>"
                    ),
                )
            },
            "saml_wrapping",
        ),
        // The digest still matches (comments are not signed); the NameID must
        // never be read as its first text node, `admin@x.com`.
        "comment_injected_in_name_id" => (
            json!({ "name_id": "admin@x.com.evil.com" }),
            |xml, _| xml.replace(">admin@x.com.evil.com<", ">admin@x.com<!---->.evil.com<"),
            "saml_name_id",
        ),
        "wrong_issuer" => (
            json!({ "issuer": "https://evil.example.test/entity" }),
            unchanged,
            "saml_issuer",
        ),
        "wrong_audience" => (
            json!({ "audience": "https://other-sp.example.test/" }),
            unchanged,
            "saml_audience",
        ),
        "wrong_destination" => (
            json!({ "destination": "https://other-sp.example.test/acs" }),
            unchanged,
            "saml_destination",
        ),
        "wrong_recipient" => (
            json!({ "recipient": "https://other-sp.example.test/acs" }),
            unchanged,
            "saml_recipient",
        ),
        "expired" => (
            json!({ "not_before_s": -900, "not_on_or_after_s": -600 }),
            unchanged,
            "saml_expired",
        ),
        "not_yet_valid" => (
            json!({ "not_before_s": 600, "not_on_or_after_s": 900 }),
            unchanged,
            "saml_not_yet_valid",
        ),
        "unknown_in_response_to" => (
            json!({ "in_response_to": "_never-issued-by-us" }),
            unchanged,
            "saml_in_response_to",
        ),
        "idp_failure_status" => (
            json!({ "status": "urn:oasis:names:tc:SAML:2.0:status:Requester" }),
            unchanged,
            "saml_status",
        ),
        "dtd_with_entity" => (
            json!({}),
            |xml, _| {
                format!(
                    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"alice@example.com\">]>{}",
                    xml.replace(">alice@example.com<", ">&e;<")
                )
            },
            "saml_dtd",
        ),
        "entity_expansion" => (
            json!({}),
            |_, _| {
                "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\
                 <samlp:Response>&lol2;</samlp:Response>"
                    .to_string()
            },
            "saml_dtd",
        ),
        "not_xml" => (json!({}), |_, _| "<samlp:Response".to_string(), "saml_malformed"),
        // Over the extension's cap (256 KiB of XML), under the host's body cap.
        "over_the_xml_cap" => (
            json!({}),
            |xml, _| {
                xml.replacen(
                    "<saml:Issuer>",
                    &format!("<!--{}--><saml:Issuer>", "p".repeat(300 * 1024)),
                    1,
                )
            },
            "saml_too_large",
        ),
        other => panic!("no attack {other}"),
    };
    Attack { changes, edit, code }
}

/// Make the attack `name` against a fresh server and assert its own refusal.
async fn attack(s: Server, name: &str) {
    let idp = Idp::new();
    enable(&s, settings(&idp, "SHA256")).await;
    agent(&s, "alice", "alice@example.com").await;
    agent(&s, "bob", "bob@example.com").await;
    agent(&s, "admin", "admin@x.com").await;
    let Attack { changes, edit, code } = attack_case(name);
    let request = issue_request(&s, "/").await;
    let mut spec = with(spec(&s, &idp, "alice@example.com", Some(&request)), changes);
    if spec["key"] == json!("other") {
        spec["key"] = json!(idp.key("other"));
    }
    let signed = &idp.sign(std::slice::from_ref(&spec))[0];
    let posted = edit(signed, &spec);
    if name != "unsigned"
        && !name.starts_with("wrong_")
        && !std::ptr::fn_addr_eq(edit, unchanged as fn(&str, &Value) -> String)
    {
        assert_ne!(&posted, signed, "{name}: the attack changed nothing");
    }
    assert_refused(&post_xml(&s, &posted, None).await, code, name);
    // Nobody was logged in, and the request is still pending: the refusal used nothing up.
    let valid = &idp.sign(&[spec_for(&s, &idp, &request)])[0];
    assert_logged_in(
        &post_xml(&s, valid, None).await,
        "/",
        "the genuine response after the attack",
    );
}

fn spec_for(s: &Server, idp: &Idp, request: &str) -> Value {
    spec(s, idp, "alice@example.com", Some(request))
}

macro_rules! attacks {
    ($($name:ident),+ $(,)?) => {
        $(
            async fn $name(s: Server) {
                attack(s, stringify!($name)).await
            }
        )+
        exthost_tests::both_backends!($($name with capturing),+);
    };
}

attacks!(
    unsigned,
    signed_by_another_key,
    name_id_tampered_after_signing,
    both_signed_assertion_tampered,
    wrapping_unsigned_assertion_before,
    wrapping_unsigned_assertion_after,
    wrapping_unsigned_assertion_inside,
    wrapping_signed_assertion_under_extensions,
    wrapping_signed_response_under_extensions,
    wrapping_signed_assertion_under_object,
    duplicate_ids,
    comment_injected_in_name_id,
    wrong_issuer,
    wrong_audience,
    wrong_destination,
    wrong_recipient,
    expired,
    not_yet_valid,
    unknown_in_response_to,
    idp_failure_status,
    dtd_with_entity,
    entity_expansion,
    not_xml,
    over_the_xml_cap,
);

/// A replayed assertion: accepted once, refused after.
async fn replayed_assertion(s: Server) {
    let idp = Idp::new();
    enable(&s, settings(&idp, "SHA256")).await;
    agent(&s, "alice", "alice@example.com").await;
    let request = issue_request(&s, "/").await;
    let xml = &idp.sign(&[spec_for(&s, &idp, &request)])[0];
    assert_logged_in(&post_xml(&s, xml, None).await, "/", "first use");
    assert_refused(&post_xml(&s, xml, None).await, "saml_replay", "replayed assertion");
}

/// A body over the host's cap is refused (413) before it is read or parsed; no SAMLResponse at all is refused too.
async fn oversized_body(s: Server) {
    let idp = Idp::new();
    enable(&s, settings(&idp, "SHA256")).await;
    let huge = "A".repeat(600 * 1024);
    let over = send(browser().post(s.url(ACS)).form(&[("SAMLResponse", huge.as_str())])).await;
    assert_eq!(over.status, 413, "oversized body: {over:?}");
    assert!(over.session.is_none());
    let missing = send(browser().post(s.url(ACS)).form(&[("RelayState", "/")])).await;
    assert_refused(&missing, "saml_missing", "no SAMLResponse");
}

/// DEBUG mode: a page that says which check failed, instead of the login page.
async fn debug_page(s: Server) {
    let idp = Idp::new();
    let mut debug = settings(&idp, "SHA256");
    debug["debug_mode"] = json!(true);
    enable(&s, debug).await;
    let request = issue_request(&s, "/").await;
    let specs = [
        spec_for(&s, &idp, &request),
        with(spec_for(&s, &idp, &request), json!({ "sign": "assertion" })),
    ];
    let xml = idp.sign(&specs);
    let tampered = xml[0].replace(">alice@example.com<", ">bob@example.com<");
    let page = post_xml(&s, &tampered, None).await;
    assert_eq!(page.status, 401, "{page:?}");
    assert!(
        page.body.contains("saml_digest") && page.body.contains("changed after it was signed"),
        "{page:?}"
    );
    let page = post_xml(&s, &wrapped(&xml[1], "before"), None).await;
    assert!(
        page.body.contains("saml_wrapping") && page.body.contains("2 assertions"),
        "{page:?}"
    );
}

// ---- settings and switches ----------------------------------------------------------------

/// Settings validation by field, the one-default-SSO rule and the non-SSO switch.
async fn switches(s: Server) {
    let idp = Idp::new();
    agent(&s, "alice", "alice@example.com").await;
    // A fingerprint of another algorithm is refused when saved, naming the field.
    for (algorithm, other) in [("SHA256", "SHA1"), ("SHA384", "SHA256"), ("SHA1", "SHA512")] {
        let mut wrong = settings(&idp, algorithm);
        wrong["certificate_fingerprint"] = json!(idp.fingerprint(other));
        let refused = s
            .post(EXTENSIONS, &json!({ "extension": "saml-sso", "settings": wrong }))
            .await;
        let error = refused.assert_error(422, "invalid_settings");
        assert_eq!(error["fields"][0]["field"], "certificate_fingerprint", "{refused:?}");
    }
    let mut bad = settings(&idp, "SHA256");
    bad["target_url"] = json!("not a url");
    bad.as_object_mut().expect("an object").remove("issuer");
    let refused = s
        .post(EXTENSIONS, &json!({ "extension": "saml-sso", "settings": bad }))
        .await;
    let error = refused.assert_error(422, "invalid_settings");
    let fields: Vec<&str> = error["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"issuer") && fields.contains(&"target_url"),
        "{refused:?}"
    );

    // One default SSO: a JWT SSO default first, then SAML as default is refused.
    let jwt = s
        .post(
            EXTENSIONS,
            &json!({ "extension": "jwt-sso", "settings": {
                "used_as_default_authentication": true,
                "remote_login_url": "https://jwt.example.test/login",
                "shared_secret": "0123456789abcdef-secret-jwt",
            }}),
        )
        .await;
    assert_eq!(jwt.status, 201, "{jwt:?}");
    let jwt_id = jwt.json()["id"].as_str().expect("an id").to_string();
    let second = s
        .post(
            EXTENSIONS,
            &json!({ "extension": "saml-sso", "settings": settings(&idp, "SHA256") }),
        )
        .await;
    let error = second.assert_error(422, "invalid_settings");
    assert_eq!(error["fields"][0]["field"], "used_as_default_authentication");
    assert!(
        error["fields"][0]["message"]
            .as_str()
            .expect("a message")
            .contains(&jwt_id)
    );
    assert!(s.delete(&format!("{EXTENSIONS}/{jwt_id}")).await.status < 300);

    // Non-SSO login off: password attempts are refused, the form sends visitors to the IdP.
    let mut no_password = settings(&idp, "SHA256");
    no_password["enable_non_sso_login"] = json!(false);
    enable(&s, no_password).await;
    let form = [("email", "alice@agents.example.com"), ("password", "pw-alice")];
    let pw = send(browser().post(s.url("/login")).form(&form)).await;
    assert_refused(&pw, "non_sso_login_disabled", "password login");
    let login = visit(&s, "/login?method=password", None).await;
    assert!(
        login.location.starts_with(&format!("{IDP_SSO}?SAMLRequest=")),
        "{login:?}"
    );
    // A refusal's login page is shown, not bounced back to the IdP.
    let page = visit(&s, "/login?error=saml_digest", None).await;
    assert_eq!(page.status, 401, "{page:?}");
    // An unknown agent: back to the login page.
    let request = issue_request(&s, "/").await;
    let xml = &idp.sign(&[spec(&s, &idp, "nobody@example.com", Some(&request))])[0];
    let unknown = post_xml(&s, xml, None).await;
    assert_eq!(
        (unknown.status, unknown.location.as_str()),
        (303, "/login?error=user_not_found")
    );
}

// ---- signed requests and the SP key ------------------------------------------------------

/// The SP private key as the platform stores it: sealed in the extension's secrets.
async fn stored_sp_key(s: &Server, id: &str) -> String {
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT secrets FROM extension WHERE id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .expect("the extension's secrets");
    assert!(!contains(&sealed, "PRIVATE KEY"), "the SP key is stored in clear");
    let secrets = exthost::secrets::SecretBox::from_config(None, &s.data_dir).expect("the data dir's secret key");
    let plain = secrets
        .open(&sealed, &format!("{}/{id}", s.state.registry.tenant()))
        .expect("sealed for this extension");
    let secrets: Value = serde_json::from_slice(&plain).expect("JSON");
    secrets["sp_private_key"]
        .as_str()
        .expect("a generated SP key")
        .to_string()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn verify_redirect(url: &str, metadata: &str, private_key_pem: &str) -> Result<Value, String> {
    let mut child = Command::new(exthost_artifacts::python_toolchain::PYTHON)
        .arg(script())
        .arg("verify-redirect")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the build's Python virtualenv");
    use std::io::Write;
    let input = json!({ "url": url, "metadata": metadata, "private_key_pem": private_key_pem });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Signing on: the platform makes the SP key once; the metadata publishes its
/// certificate; the AuthnRequest's signature verifies with it in Python; the
/// private key is stored sealed and shown nowhere.
async fn signed_requests(s: Server) {
    let idp = Idp::new();
    let mut signing = settings(&idp, "SHA256");
    signing["sign_saml_requests"] = json!(true);
    let started = Instant::now();
    let id = enable(&s, signing.clone()).await;
    eprintln!("add with SP key generation (host, native): {:?}", started.elapsed());
    let view = s.get(&format!("{EXTENSIONS}/{id}")).await;
    assert_eq!(view.json()["secrets"], json!({ "sp_private_key": true }), "{view:?}");
    let key = stored_sp_key(&s, &id).await;
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "a PKCS#8 PEM key");

    let metadata = visit(&s, METADATA, None).await;
    assert_eq!(metadata.status, 200, "{metadata:?}");
    assert!(metadata.body.contains("AuthnRequestsSigned=\"true\""), "{metadata:?}");
    assert!(metadata.body.contains("<ds:X509Certificate>"), "{metadata:?}");

    let login = visit(&s, &format!("{SIGN_IN}?return_to={}", encode("/inbox")), None).await;
    assert_eq!(login.status, 303, "{login:?}");
    let checked = verify_redirect(&login.location, &metadata.body, &key).expect("the signed request verifies");
    let base = s.state.config.base_url();
    assert_eq!(checked["verified"], json!(true));
    assert_eq!(checked["destination"], json!(IDP_SSO));
    assert_eq!(checked["acs"], json!(format!("{base}{ACS}")));
    assert_eq!(checked["issuer"], json!(format!("{base}{METADATA}")));
    assert_eq!(checked["relay_state"], json!("/inbox"));
    assert_eq!(
        checked["name_id_format"],
        json!("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    );
    // A changed request no longer verifies: the check looks at the signature.
    let forged = login.location.replace("RelayState=%2Finbox", "RelayState=%2Fevil");
    assert_ne!(forged, login.location);
    assert!(
        verify_redirect(&forged, &metadata.body, &key).is_err(),
        "a forged request verified"
    );

    // The request it issued is answered and accepted.
    agent(&s, "alice", "alice@example.com").await;
    let request = checked["id"].as_str().expect("an id");
    let xml = &idp.sign(&[spec(&s, &idp, "alice@example.com", Some(request))])[0];
    assert_logged_in(
        &post_xml(&s, xml, Some("/inbox")).await,
        "/inbox",
        "answer to a signed request",
    );

    // An edit that omits the key keeps it: the same certificate is published.
    edit(&s, &id, signing.clone()).await;
    assert_eq!(stored_sp_key(&s, &id).await, key);
    assert_eq!(
        visit(&s, METADATA, None).await.body,
        metadata.body,
        "a new key after an edit"
    );
    // Clearing it makes a new one.
    let mut rotate = signing;
    rotate["sp_private_key"] = json!("");
    edit(&s, &id, rotate).await;
    assert_ne!(stored_sp_key(&s, &id).await, key);
    assert_ne!(
        visit(&s, METADATA, None).await.body,
        metadata.body,
        "the key was not replaced"
    );

    // The private key is shown nowhere: not its PEM, not a line of its body past
    // the first eight (which hold the public modulus, also in the certificate).
    let mut texts = vec![("metadata".to_string(), metadata.body.clone())];
    for path in [
        EXTENSIONS.to_string(),
        format!("{EXTENSIONS}/{id}"),
        "/api/v1/events".into(),
    ] {
        texts.push((path.clone(), s.get(&path).await.body));
    }
    texts.push(("the log".into(), logs().text()));
    for (what, text) in texts {
        assert!(!text.contains("PRIVATE KEY"), "{what} shows a private key");
        for line in key.lines().filter(|l| !l.starts_with("-----")).skip(8) {
            assert!(!text.contains(line), "{what} shows the SP private key");
        }
    }
}

/// Not the default authentication: the platform's login page shows, with a
/// single sign-on link that starts a SAML login keeping `return_to`; without
/// an SSO extension the page has no such link.
async fn sso_link(s: Server) {
    let plain = visit(&s, "/login?return_to=%2Finbox", None).await;
    assert_eq!(plain.status, 200, "{plain:?}");
    assert!(!plain.body.contains("method=sso"), "{plain:?}");

    let idp = Idp::new();
    let mut not_default = settings(&idp, "SHA256");
    not_default["used_as_default_authentication"] = json!(false);
    enable(&s, not_default).await;
    let page = visit(&s, "/login?return_to=%2Finbox", None).await;
    assert_eq!(page.status, 200, "the password form shows: {page:?}");
    let href = "/login?method=sso&amp;return_to=%2Finbox";
    assert!(page.body.contains(href), "{page:?}");
    let login = visit(&s, &href.replace("&amp;", "&"), None).await;
    assert_eq!(login.status, 303, "{login:?}");
    assert!(
        login.location.starts_with(&format!("{IDP_SSO}?SAMLRequest=")),
        "{login:?}"
    );
    assert_eq!(query_param(&login.location, "RelayState").as_deref(), Some("/inbox"));
}

exthost_tests::both_backends!(
    sso_link with capturing,
    accepted with capturing,
    switches with capturing,
    signed_requests with capturing,
    replayed_assertion with capturing,
    oversized_body with capturing,
    debug_page with capturing,
);
