//! Successful SAML logins per second through the assertion consumer service:
//! the real server (SQLite in a temporary data dir) with the built-in
//! `saml-sso` extension, and `CONCURRENCY` clients posting responses signed
//! beforehand by signxml (`exthost_tests::saml`, one Python process,
//! RSA-SHA256 on the Response), checking that every answer starts a session.
//! Each login is the whole path: the form read, the on-login hook (base64,
//! parsing, the structural checks, exclusive c14n, the digest and the RSA
//! verification inside the sandbox, the assertion ID claimed in the database
//! through `kv`), the agent's lookup and the session's insert. IdP-initiated
//! login is switched on so that no AuthnRequest round trip is measured.
//!
//! `cargo run -p exthost-tests --example saml_login_rate -- [logins] [concurrency]`

use base64::Engine;
use exthost::store::{Role, User};
use exthost_tests::saml::sign_py;
use exthost_tests::server::{self, Db, Options, Server};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const IDP: &str = "https://idp.example.test/saml/entity";

async fn login(client: &reqwest::Client, s: &Server, encoded: String) -> Duration {
    let started = Instant::now();
    let answer = client
        .post(s.url("/users/auth/saml/callback"))
        .form(&[("SAMLResponse", encoded)])
        .send()
        .await
        .expect("request");
    let took = started.elapsed();
    let cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        answer.status().as_u16() == 303 && cookie.starts_with("exthost_session="),
        "not logged in: {answer:?}"
    );
    took
}

async fn bench(s: Server, total: usize, concurrency: usize) {
    let dir = tempfile::tempdir().expect("key dir");
    let path = dir.path().display().to_string();
    let fingerprints: Value = serde_json::from_str(&sign_py(&["keys", &path, "idp"], "")).expect("JSON");
    let settings = json!({
        "used_as_default_authentication": true,
        "issuer": IDP,
        "target_url": "https://idp.example.test/saml/sso",
        "certificate_fingerprint_algorithm": "SHA256",
        "certificate_fingerprint": fingerprints["SHA256"],
        "allow_idp_initiated_login": true,
    });
    let added = s
        .post(
            "/api/v1/extensions",
            &json!({ "extension": "saml-sso", "settings": settings }),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let agent = User {
        id: "bench".into(),
        email: "bench@example.com".into(),
        name: "Bench".into(),
        password_hash: None,
        external_id: Some("bench@example.com".into()),
        jwt_external_id: None,
        role: Role::Agent,
        created_at: 0,
    };
    s.state
        .store
        .insert_user(s.state.registry.tenant(), &agent)
        .await
        .expect("agent");
    let base = s.state.config.base_url();
    let specs: Vec<Value> = (0..total + 20)
        .map(|i| {
            json!({
                "key": format!("{path}/idp"),
                "response_id": format!("_r{i}"),
                "assertion_id": format!("_a{i}"),
                "issuer": IDP,
                "destination": format!("{base}/users/auth/saml/callback"),
                "recipient": format!("{base}/users/auth/saml/callback"),
                "audience": format!("{base}/users/auth/saml/metadata"),
                "name_id": "bench@example.com",
                "not_on_or_after_s": 3600,
            })
        })
        .collect();
    let signed: Vec<String> =
        serde_json::from_str(&sign_py(&["responses"], &Value::Array(specs).to_string())).expect("JSON");
    let mut encoded: Vec<String> = signed
        .iter()
        .map(|x| base64::engine::general_purpose::STANDARD.encode(x))
        .collect();
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // Warm up: instances made, connections open.
    for response in encoded.split_off(total) {
        login(&client, &s, response).await;
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let mine: Vec<String> = encoded.iter().skip(i).step_by(concurrency).cloned().collect();
        let (client, s) = (client.clone(), s.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(mine.len());
            for response in mine {
                times.push(login(&client, &s, response).await);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("client task"));
    }
    let elapsed = started.elapsed();
    times.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "{} logins, {concurrency} concurrent: {:.0} logins/s; latency p50 {:.2} ms, p99 {:.2} ms",
        times.len(),
        times.len() as f64 / elapsed.as_secs_f64(),
        pct(50).as_secs_f64() * 1e3,
        pct(99).as_secs_f64() * 1e3
    );
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a number"));
    let total = args.next().unwrap_or(500);
    let concurrency = args.next().unwrap_or(4).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    runtime.block_on(server::run(Db::Sqlite, Options::default(), move |s| {
        bench(s, total, concurrency)
    }));
}
