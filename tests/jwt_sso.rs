//! JWT single sign-on end to end: the real server with the built-in `jwt-sso`
//! extension, on SQLite and PostgreSQL, driven over HTTP like a browser that
//! does not follow redirects, with tokens signed by independent
//! implementations (the `jsonwebtoken` crate, and PyJWT in a Python process).
//! Every outcome of the issue is shown: accepted logins and `return_to`, each
//! refusal code, replay across two server processes on one PostgreSQL, the
//! default-authentication and non-SSO switches, sign-out, and that the shared
//! secret never appears in an API response, a page or the log (this process
//! captures its log at TRACE level for the exthost crates).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use exthost::store::{Role, User};
use exthost::web::return_to::encode;
use exthost_tests::browser::{self, Answer, client as browser};
use exthost_tests::logs::captured as logs;
use exthost_tests::server::{self, Options, Server};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECRET: &str = "jwt-e2e-Shared-Secret-5521-Kestrel";
const IDP_LOGIN: &str = "https://idp.example.test/login";
const IDP_LOGOUT: &str = "https://idp.example.test/logout";
const CALLBACK: &str = "/users/auth/jwt/callback";
const EXTENSIONS: &str = "/api/v1/extensions";
const PRIVATE_PEM: &str = include_str!("fixtures/jwt-test-rsa-private.pem");
const PUBLIC_PEM: &str = include_str!("fixtures/jwt-test-rsa-public.pem");

// ---- log capture -----------------------------------------------------------

fn capturing() -> Options {
    logs();
    Options::default()
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the shared secret: {text}");
}

// ---- a browser that does not follow redirects ---------------------------------

/// Every page the tests see is checked for the shared secret.
async fn send(request: reqwest::RequestBuilder) -> Answer {
    let answer = browser::send(request).await;
    assert_no_secret("a page", &answer.body);
    answer
}

async fn visit(s: &Server, path: &str, session: Option<&str>) -> Answer {
    send(browser::get(s, path, session)).await
}

async fn callback(s: &Server, jwt: &str, return_to: Option<&str>) -> Answer {
    let mut path = format!("{CALLBACK}?jwt={}", encode(jwt));
    if let Some(r) = return_to {
        path += &format!("&return_to={}", encode(r));
    }
    visit(s, &path, None).await
}

fn assert_refused(answer: &Answer, code: &str, what: &str) {
    assert_eq!(answer.status, 303, "{what}: {answer:?}");
    assert_eq!(
        answer.location,
        format!("{IDP_LOGIN}?error={code}"),
        "{what}: {answer:?}"
    );
    assert!(answer.session.is_none(), "{what}: a session was started");
}

fn assert_logged_in(answer: &Answer, location: &str, what: &str) -> String {
    answer.assert_logged_in(location, what)
}

// ---- tokens --------------------------------------------------------------------

fn now_s() -> i64 {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    i64::try_from(secs).expect("seconds fit")
}

fn claims(external_id: &str) -> Value {
    json!({ "iat": now_s(), "jti": exthost::store::new_id(), "external_id": external_id })
}

fn sign(alg: Algorithm, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).expect("sign")
}

fn hs256(claims: &Value) -> String {
    sign(Algorithm::HS256, claims, SECRET.as_bytes())
}

/// A token with this header and claims and an arbitrary signature part.
fn raw(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    )
}

/// A token made by PyJWT, in a Python process of its own.
fn pyjwt(external_id: &str) -> String {
    let script = "import jwt, sys, time, uuid\n\
                  print(jwt.encode({'iat': int(time.time()), 'jti': str(uuid.uuid4()), 'external_id': sys.argv[2]}, \
                  sys.argv[1], algorithm='HS512'))";
    let out = std::process::Command::new(exthost_artifacts::python_toolchain::PYTHON)
        .args(["-c", script, SECRET, external_id])
        .output()
        .expect("the build's Python virtualenv makes the PyJWT token");
    assert!(
        out.status.success(),
        "PyJWT failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("a token").trim().to_string()
}

// ---- setup ---------------------------------------------------------------------

fn settings(default_auth: bool, non_sso: bool) -> Value {
    json!({
        "used_as_default_authentication": default_auth,
        "enable_non_sso_login": non_sso,
        "debug_mode": false,
        "remote_login_url": IDP_LOGIN,
        "remote_logout_url": IDP_LOGOUT,
        "shared_secret": SECRET,
    })
}

async fn enable(s: &Server, settings: Value) -> String {
    let added = s
        .post(EXTENSIONS, &json!({ "extension": "jwt-sso", "settings": settings }))
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_no_secret("the add's answer", &added.body);
    assert_eq!(added.json()["secrets"], json!({ "shared_secret": true }));
    // The read-only Endpoint URL the admin copies into the customer's system.
    let endpoint = format!(
        "{}/users/auth/jwt/callback?jwt={{jwt_payload}}",
        s.state.config.base_url()
    );
    assert_eq!(added.json()["computed"]["endpoint_url"], json!(endpoint));
    added.json()["id"].as_str().expect("an id").to_string()
}

async fn agent(s: &Server, id: &str, jwt_external_id: Option<&str>, external_id: Option<&str>) {
    s.add_agent(id, &format!("{id}@example.com"), external_id, jwt_external_id)
        .await;
}

async fn password_login(s: &Server, email: &str, password: &str) -> Answer {
    let form = [("email", email), ("password", password), ("return_to", "/inbox")];
    send(browser().post(s.url("/login")).form(&form)).await
}

// ---- the tests -----------------------------------------------------------------

/// Every token outcome, `return_to`, the protected page and sign-out.
async fn outcomes(s: Server) {
    enable(&s, settings(true, true)).await;
    agent(&s, "a1", Some("jwt-a1"), None).await;
    agent(&s, "a2", None, Some("ext-a2")).await;
    agent(&s, "a3", Some("shared-x"), None).await;
    agent(&s, "a4", None, Some("shared-x")).await;

    // Accepted, with each HMAC algorithm, and by a token PyJWT made.
    let session = assert_logged_in(&callback(&s, &hs256(&claims("jwt-a1")), None).await, "/", "HS256");
    let home = visit(&s, "/", Some(&session)).await;
    assert_eq!(home.status, 200, "{home:?}");
    assert!(home.body.contains("a1@example.com"), "{home:?}");
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let t = sign(alg, &claims("jwt-a1"), SECRET.as_bytes());
        assert_logged_in(&callback(&s, &t, None).await, "/", &format!("{alg:?}"));
    }
    let py = assert_logged_in(&callback(&s, &pyjwt("jwt-a1"), None).await, "/", "PyJWT");
    assert!(visit(&s, "/", Some(&py)).await.body.contains("a1@example.com"));

    // The cookie: HttpOnly, SameSite=Lax, not Secure over plain http.
    let answer = callback(&s, &hs256(&claims("jwt-a1")), None).await;
    assert!(answer.set_cookie.contains("HttpOnly"), "{answer:?}");
    assert!(answer.set_cookie.contains("SameSite=Lax"), "{answer:?}");
    assert!(!answer.set_cookie.contains("Secure"), "{answer:?}");

    // The external id is matched against the JWT external id first, then the external id.
    let a2 = assert_logged_in(&callback(&s, &hs256(&claims("ext-a2")), None).await, "/", "external id");
    assert!(visit(&s, "/", Some(&a2)).await.body.contains("a2@example.com"));
    let x = assert_logged_in(&callback(&s, &hs256(&claims("shared-x")), None).await, "/", "both ids");
    assert!(visit(&s, "/", Some(&x)).await.body.contains("a3@example.com"));

    // return_to: a local path is kept, anything off-site goes home.
    let local = callback(&s, &hs256(&claims("jwt-a1")), Some("/inbox?x=1")).await;
    assert_logged_in(&local, "/inbox?x=1", "local return_to");
    for off_site in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
    ] {
        let answer = callback(&s, &hs256(&claims("jwt-a1")), Some(off_site)).await;
        assert_logged_in(&answer, "/", off_site);
    }

    // alg none in any case, RS256, and HS256 keyed with the public key.
    for alg in ["none", "None", "NONE"] {
        let t = raw(&json!({ "alg": alg, "typ": "JWT" }), &claims("jwt-a1"), "");
        assert_refused(&callback(&s, &t, None).await, "token_invalid", alg);
    }
    let rs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims("jwt-a1"),
        &EncodingKey::from_rsa_pem(PRIVATE_PEM.as_bytes()).expect("RSA key"),
    )
    .expect("RS256");
    assert_refused(&callback(&s, &rs256, None).await, "token_invalid", "RS256");
    let confused = sign(Algorithm::HS256, &claims("jwt-a1"), PUBLIC_PEM.as_bytes());
    assert_refused(
        &callback(&s, &confused, None).await,
        "token_invalid",
        "HS256 keyed with the public key",
    );
    let wrong = sign(Algorithm::HS256, &claims("jwt-a1"), b"not-the-shared-secret-at-all");
    assert_refused(&callback(&s, &wrong, None).await, "token_invalid", "wrong secret");

    // Each claim is required.
    for missing in ["iat", "jti", "external_id"] {
        let mut c = claims("jwt-a1");
        c.as_object_mut().expect("an object").remove(missing);
        assert_refused(
            &callback(&s, &hs256(&c), None).await,
            "token_missing_attribute",
            missing,
        );
    }

    // iat six minutes old, or ten minutes ahead.
    for (offset, what) in [(-6 * 60, "6 minutes old"), (10 * 60, "10 minutes ahead")] {
        let mut c = claims("jwt-a1");
        c["iat"] = json!(now_s() + offset);
        assert_refused(&callback(&s, &hs256(&c), None).await, "token_expired", what);
    }

    // A replayed jti.
    let once = hs256(&claims("jwt-a1"));
    assert_logged_in(&callback(&s, &once, None).await, "/", "first use");
    assert_refused(&callback(&s, &once, None).await, "token_replay", "replay");
    let mut same_jti = claims("jwt-a1");
    same_jti["jti"] = json!(
        serde_json::from_slice::<Value>(&B64.decode(once.split('.').nth(1).expect("payload")).expect("b64"))
            .expect("json")["jti"]
    );
    assert_refused(
        &callback(&s, &hs256(&same_jti), None).await,
        "token_replay",
        "new token, used jti",
    );

    // Malformed: not three parts, bad base64, bad JSON; oversized; absent.
    let good = hs256(&claims("jwt-a1"));
    let (head, rest) = good.split_once('.').expect("parts");
    let sig = rest.rsplit_once('.').expect("parts").1;
    for (bad, what) in [
        ("abc".to_string(), "one part"),
        ("a.b".to_string(), "two parts"),
        (format!("{good}.extra"), "four parts"),
        (format!("!!!.{rest}"), "bad base64 header"),
        (format!("{head}.%%%.{sig}"), "bad base64 payload"),
        (format!("{}.{rest}", B64.encode("not json")), "header not JSON"),
        (format!("{head}.{}.{sig}", B64.encode("not json")), "payload not JSON"),
        (
            sign(
                Algorithm::HS256,
                &json!({"iat": now_s(), "jti": exthost::store::new_id(), "external_id": "jwt-a1", "pad": "x".repeat(9000)}),
                SECRET.as_bytes(),
            ),
            "oversized",
        ),
        (String::new(), "empty"),
    ] {
        assert_refused(&callback(&s, &bad, None).await, "token_invalid", what);
    }
    assert_refused(&visit(&s, CALLBACK, None).await, "token_invalid", "no jwt parameter");

    // An unknown agent: back to the login page, which sends it to the remote login.
    let unknown = callback(&s, &hs256(&claims("nobody-here")), None).await;
    assert_eq!(
        (unknown.status, unknown.location.as_str()),
        (303, "/login?error=user_not_found"),
        "{unknown:?}"
    );
    assert!(unknown.session.is_none());
    assert_refused(
        &visit(&s, &unknown.location, None).await,
        "user_not_found",
        "user_not_found",
    );

    // The protected page: a visitor goes to the login page, then to the remote login.
    let protected = visit(&s, "/", None).await;
    assert_eq!(
        (protected.status, protected.location.as_str()),
        (303, "/login?return_to=%2F")
    );
    let login = visit(&s, &protected.location, None).await;
    assert_eq!(
        (login.status, login.location.as_str()),
        (303, "https://idp.example.test/login?return_to=%2F")
    );
    // The password form is reachable while non-SSO login is on.
    let form = visit(&s, "/login?method=password", None).await;
    assert_eq!(form.status, 200, "{form:?}");
    let pw = password_login(&s, "a1@example.com", "pw-a1").await;
    assert_logged_in(&pw, "/inbox", "password login");
    assert_eq!(password_login(&s, "a1@example.com", "wrong").await.status, 401);

    // Sign-out ends the session, then goes to the remote logout URL.
    let out = send(
        browser()
            .post(s.url("/logout"))
            .header("cookie", format!("exthost_session={session}")),
    )
    .await;
    assert_eq!((out.status, out.location.as_str()), (303, "/logout/done"), "{out:?}");
    assert!(out.set_cookie.contains("Max-Age=0"), "{out:?}");
    let done = visit(&s, "/logout/done", None).await;
    assert_eq!((done.status, done.location.as_str()), (303, IDP_LOGOUT));
    assert_eq!(visit(&s, "/", Some(&session)).await.status, 303);
    // The other session is still there.
    assert_eq!(visit(&s, "/", Some(&a2)).await.status, 200);

    // The admin API never shows the secret.
    for path in [
        EXTENSIONS.to_string(),
        "/api/v1/components".into(),
        "/api/v1/events".into(),
    ] {
        let reply = s.get(&path).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_no_secret(&path, &reply.body);
    }
}

/// The switches: non-SSO login, DEBUG mode, one default SSO at most.
async fn switches(s: Server) {
    agent(&s, "a1", Some("jwt-a1"), None).await;
    // Non-SSO login can be switched off only with a remote login URL.
    let mut no_url = settings(false, false);
    no_url["remote_login_url"] = json!("");
    let refused = s
        .post(EXTENSIONS, &json!({ "extension": "jwt-sso", "settings": no_url }))
        .await;
    let error = refused.assert_error(422, "invalid_settings");
    assert_eq!(error["fields"][0]["field"], "enable_non_sso_login", "{refused:?}");
    assert_no_secret("a refusal", &refused.body);

    let first = enable(&s, settings(true, true)).await;
    // A second default SSO is refused, naming the holder; a second non-default one is fine.
    let second = s
        .post(
            EXTENSIONS,
            &json!({ "extension": "jwt-sso", "settings": settings(true, true) }),
        )
        .await;
    let error = second.assert_error(422, "invalid_settings");
    assert_eq!(error["fields"][0]["field"], "used_as_default_authentication");
    let message = error["fields"][0]["message"].as_str().expect("a message");
    assert!(message.contains(&first) && message.contains("jwt-sso"), "{message}");
    let other = enable(&s, settings(false, true)).await;
    let promote = s
        .put(
            &format!("{EXTENSIONS}/{other}"),
            &json!({ "settings": settings(true, true) }),
        )
        .await;
    promote.assert_error(422, "invalid_settings");
    let deleted = s.delete(&format!("{EXTENSIONS}/{other}")).await;
    assert!(deleted.status < 300, "{deleted:?}");

    // Non-SSO login off (the secret omitted: kept): password logins are refused.
    let mut edit = settings(true, false);
    edit.as_object_mut().expect("an object").remove("shared_secret");
    let saved = s
        .put(&format!("{EXTENSIONS}/{first}"), &json!({ "settings": edit }))
        .await;
    assert_eq!(saved.status, 200, "{saved:?}");
    assert_refused(
        &password_login(&s, "a1@example.com", "pw-a1").await,
        "non_sso_login_disabled",
        "password",
    );
    let login = visit(&s, "/login?method=password", None).await;
    assert_eq!((login.status, login.location.as_str()), (303, IDP_LOGIN), "{login:?}");
    // SSO still works with the kept secret.
    assert_logged_in(&callback(&s, &hs256(&claims("jwt-a1")), None).await, "/", "kept secret");

    // DEBUG mode: a page that says what was wrong, never the secret.
    let mut debug = settings(true, false);
    debug["debug_mode"] = json!(true);
    let saved = s
        .put(&format!("{EXTENSIONS}/{first}"), &json!({ "settings": debug }))
        .await;
    assert_eq!(saved.status, 200, "{saved:?}");
    let wrong = sign(Algorithm::HS256, &claims("jwt-a1"), b"not-the-shared-secret-at-all");
    let page = callback(&s, &wrong, None).await;
    assert_eq!(page.status, 401, "{page:?}");
    assert!(
        page.body.contains("token_invalid") && page.body.contains("signature"),
        "{page:?}"
    );
    let mut old = claims("jwt-a1");
    old["iat"] = json!(now_s() - 600);
    let page = callback(&s, &hs256(&old), None).await;
    assert!(
        // The detail names the age limit (the age itself may read 600 or 601 s).
        page.body.contains("token_expired") && page.body.contains("at most 300 s"),
        "{page:?}"
    );
    // The host decides `user_not_found`; in DEBUG mode it says which id matched
    // nothing and where it looked, and starts no session.
    let page = callback(&s, &hs256(&claims("nobody-here")), None).await;
    assert_eq!(page.status, 401, "{page:?}");
    assert!(page.session.is_none(), "{page:?}");
    assert!(
        page.body.contains("user_not_found")
            && page.body.contains("nobody-here")
            && page.body.contains("JWT external id or external id"),
        "{page:?}"
    );

    let view = s.get(&format!("{EXTENSIONS}/{first}")).await;
    assert_no_secret("the extension's view", &view.body);
    let log = logs().text();
    // The log did see the logins, so the check below looks at something.
    assert!(
        log.contains("login refused") && log.contains("token_invalid"),
        "no login lines logged"
    );
    assert_no_secret("the log", &log);
}

exthost_tests::both_backends!(outcomes with capturing, switches with capturing);

/// Two server processes (two `start`s) on one PostgreSQL schema: a jti
/// accepted by one is refused by the other, and of two racing uses exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_across_two_nodes() {
    logs();
    sqlx::any::install_default_drivers();
    let base =
        std::env::var("EXTHOST_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("t_{}", exthost::store::new_id());
    let admin = sqlx::PgPool::connect(&base).await.expect("PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");

    let outcome = tokio::spawn(two_nodes(url)).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .expect("drop schema");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn two_nodes(url: String) {
    let dirs = [tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir")];
    let mut nodes = Vec::new();
    let mut stops = Vec::new();
    for dir in &dirs {
        let config = exthost::config::Config {
            listen: ([127, 0, 0, 1], 0).into(),
            database_url: Some(url.clone()),
            data_dir: dir.path().join("data"),
            secret_key: Some("two-nodes-share-this-key".into()),
            admin_token: Some(server::TOKEN.into()),
            ..exthost::config::Config::default()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = exthost::server::start(config, async move {
            let _ = stopped.await;
        })
        .await
        .expect("a node starts");
        stops.push(stop);
        nodes.push(running);
        if nodes.len() == 1 {
            // The second node starts after the extension is saved and loads it.
            let first = &nodes[0];
            let api = |path: &str| format!("http://{}{path}", first.addr);
            let added = browser()
                .post(api(EXTENSIONS))
                .bearer_auth(server::TOKEN)
                .json(&json!({ "extension": "jwt-sso", "settings": settings(true, true) }))
                .send()
                .await
                .expect("add");
            assert_eq!(added.status().as_u16(), 201);
            let user = User {
                id: "a1".into(),
                email: "a1@example.com".into(),
                name: "Agent a1".into(),
                password_hash: None,
                external_id: None,
                jwt_external_id: Some("jwt-a1".into()),
                role: Role::Agent,
                created_at: 0,
            };
            first
                .state
                .store
                .insert_user(first.state.registry.tenant(), &user)
                .await
                .expect("agent");
        }
    }
    let at = |i: usize, jwt: &str| {
        let url = format!("http://{}{CALLBACK}?jwt={}", nodes[i].addr, encode(jwt));
        send(browser().get(url))
    };
    // Sequential: accepted on node 1, replayed on node 2 (and the other way round).
    for (first, second) in [(0, 1), (1, 0)] {
        let token = hs256(&claims("jwt-a1"));
        assert_logged_in(&at(first, &token).await, "/", "first node");
        assert_refused(&at(second, &token).await, "token_replay", "other node");
    }
    // Racing: the same fresh token on both nodes at once, many times; one wins each.
    for round in 0..10 {
        let token = hs256(&claims("jwt-a1"));
        let (a, b) = tokio::join!(at(0, &token), at(1, &token));
        let wins = [&a, &b].iter().filter(|r| r.session.is_some()).count();
        assert_eq!(wins, 1, "round {round}: {a:?} {b:?}");
        let loser = if a.session.is_some() { &b } else { &a };
        assert_refused(loser, "token_replay", "the race's loser");
    }
    one_default_authentication_across_nodes(&nodes).await;
    for stop in stops {
        let _ = stop.send(());
    }
    for node in nodes {
        let store = node.state.store.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), node.wait()).await;
        store.close().await;
    }
}

/// Node 2 does not hear of node 1's changes (no LISTEN/NOTIFY yet), so only
/// the database can stop it making a second default authentication.
async fn one_default_authentication_across_nodes(nodes: &[exthost::server::Running]) {
    let api = |i: usize, path: &str| format!("http://{}{path}", nodes[i].addr);
    let call = |req: reqwest::RequestBuilder| async move {
        let r = req.bearer_auth(server::TOKEN).send().await.expect("API call");
        (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
    };
    let (_, list) = call(browser().get(api(0, EXTENSIONS))).await;
    let first = list["extensions"][0]["id"]
        .as_str()
        .expect("the first extension")
        .to_string();
    // On node 1: the first stops being the default and a second one takes the role.
    let off = call(
        browser()
            .put(api(0, &format!("{EXTENSIONS}/{first}")))
            .json(&json!({ "settings": settings(false, true) })),
    );
    assert_eq!(off.await.0, 200);
    let second = call(
        browser()
            .post(api(0, EXTENSIONS))
            .json(&json!({ "extension": "jwt-sso", "settings": settings(true, true) })),
    );
    assert_eq!(second.await.0, 201);
    // Node 2 still believes the first is the only SSO: its in-memory rule lets
    // the edit through, and the database refuses it.
    let (status, body) = call(
        browser()
            .put(api(1, &format!("{EXTENSIONS}/{first}")))
            .json(&json!({ "settings": settings(true, true) })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["field"], "used_as_default_authentication",
        "{body}"
    );
}
