//! SAML single sign-on end to end: the real server with the built-in
//! `saml-sso` extension, on SQLite and PostgreSQL, driven over HTTP like a
//! browser that does not follow redirects. The identity provider is an
//! independent implementation, signxml (lxml, libxml2's exclusive c14n,
//! cryptography) in a Python process, `tests/fixtures/saml/sign.py`, with RSA
//! keys and certificates it makes in this run (`saml_support.rs`). Responses
//! are signed on the Response, on the Assertion, or on both; the attacks on
//! them are in `saml_attacks.rs`. The signed AuthnRequest is checked by the
//! same Python stack against the certificate the SP metadata publishes, and
//! the SP private key is shown never to appear in a page, an API answer or
//! the log.

mod saml_support;

use exthost::web::return_to::encode;
use exthost_tests::browser::{client as browser, send};
use exthost_tests::logs::captured as logs;
use exthost_tests::saml::try_sign_py;
use exthost_tests::server::Server;
use saml_support::*;
use serde_json::{Value, json};
use std::time::Instant;

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
    let input = json!({ "url": url, "metadata": metadata, "private_key_pem": private_key_pem });
    try_sign_py(&["verify-redirect"], &input.to_string()).map(|out| serde_json::from_str(&out).expect("JSON"))
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
