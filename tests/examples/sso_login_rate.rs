//! Successful JWT SSO logins per second through the HTTP endpoint: the real
//! server (SQLite in a temporary data dir) with the built-in `jwt-sso`
//! extension, and `CONCURRENCY` clients each sending fresh HS256 tokens to
//! `/users/auth/jwt/callback` and checking that every answer starts a session.
//! Each login is the whole path: the on-request chain, the on-login hook (token
//! checks inside the sandbox, the `jti` claimed in the database through `kv`),
//! the agent's lookup and the session's insert.
//!
//! `cargo run -p exthost-tests --example sso_login_rate -- [logins] [concurrency]`

use exthost::store::{Role, User};
use exthost::web::return_to::encode;
use exthost_tests::server::{self, Db, Options, Server};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SECRET: &str = "bench-shared-secret-0123456789";

fn token() -> String {
    let iat = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let claims = json!({ "iat": iat, "jti": exthost::store::new_id(), "external_id": "bench-agent" });
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

async fn login(client: &reqwest::Client, s: &Server) -> Duration {
    let url = s.url(&format!("/users/auth/jwt/callback?jwt={}", encode(&token())));
    let started = Instant::now();
    let answer = client.get(url).send().await.expect("request");
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
    let settings = json!({ "used_as_default_authentication": true, "remote_login_url": "https://idp.example.test/login", "shared_secret": SECRET });
    let added = s
        .post(
            "/api/v1/extensions",
            &json!({ "extension": "jwt-sso", "settings": settings }),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let agent = User {
        id: "bench".into(),
        email: "bench@example.com".into(),
        name: "Bench".into(),
        password_hash: None,
        external_id: None,
        jwt_external_id: Some("bench-agent".into()),
        role: Role::Agent,
        created_at: 0,
    };
    s.state
        .store
        .insert_user(s.state.registry.tenant(), &agent)
        .await
        .expect("agent");
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // Warm up: instances made, connections open.
    for _ in 0..20 {
        login(&client, &s).await;
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| {
            let (client, s) = (client.clone(), s.clone());
            let n = total / concurrency + usize::from(i < total % concurrency);
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(n);
                for _ in 0..n {
                    times.push(login(&client, &s).await);
                }
                times
            })
        })
        .collect();
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
    let total = args.next().unwrap_or(2000);
    let concurrency = args.next().unwrap_or(4).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    runtime.block_on(server::run(Db::Sqlite, Options::default(), move |s| {
        bench(s, total, concurrency)
    }));
}
