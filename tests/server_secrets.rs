//! Secret settings on the real server, against SQLite and PostgreSQL, with the
//! `secret-keeper` test guest uploaded through the admin API: the secret
//! reaches the extension (its `/secret-check` route answers `match`) but is
//! stored only encrypted, never shown back (only "is set"), kept by an edit
//! that omits it, replaced or cleared when asked, still there after a restart,
//! and never written to the server's log, which this process captures at
//! TRACE level for the exthost crates.

use exthost_tests::both_backends;
use exthost_tests::logs::captured as logs;
use exthost_tests::server::{Db, Method, Options, Server};
use serde_json::{Value, json};
use std::time::Duration;

const SECRET: &str = "sk-Zebra-Quartz-7741-first";
const NEW_SECRET: &str = "sk-Walrus-Ember-0932-second";
const EXTENSIONS: &str = "/api/v1/extensions";

fn capturing() -> Options {
    logs();
    Options::default()
}

fn assert_hidden(what: &str, text: &str) {
    for secret in [SECRET, NEW_SECRET] {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Upload the guest and enable it with `settings`; returns the extension's id.
async fn enable(s: &Server, settings: Value) -> String {
    let bytes = exthost_tests::read(exthost_artifacts::test_plugins::SECRET_KEEPER);
    let uploaded = s.upload(bytes).await;
    assert_eq!(uploaded.status, 201, "{uploaded:?}");
    assert_eq!(uploaded.json()["name"], "secret-keeper");
    let added = s
        .post(
            EXTENSIONS,
            &json!({ "extension": "secret-keeper", "settings": settings }),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_hidden("the add's answer", &added.body);
    let view = added.json();
    assert_eq!(view["secrets"], json!({ "api_secret": true }));
    assert_eq!(view["settings"], json!({ "api_url": "https://api.example.test" }));
    view["id"].as_str().expect("an id").to_string()
}

/// What the extension answers on `/secret-check` for this `x-secret` (no admin token needed).
async fn check(s: &Server, presented: Option<&str>) -> String {
    let mut request = s.anonymous(Method::GET, "/secret-check");
    if let Some(presented) = presented {
        request = request.header("x-secret", presented);
    }
    let reply = s.send(request).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body
}

/// The extension's row: public settings (text) and sealed secrets.
async fn row(s: &Server, id: &str) -> (String, Option<Vec<u8>>) {
    sqlx::query_as("SELECT settings, secrets FROM extension WHERE id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .expect("the extension's row")
}

/// Every file of the data dir (the SQLite database and its WAL among them).
fn data_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the data dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(data_files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            files.push((path, bytes));
        }
    }
    files
}

async fn assert_not_stored_in_clear(s: &Server, id: &str) {
    let (settings, sealed) = row(s, id).await;
    assert_hidden("the settings column", &settings);
    assert!(settings.contains("api.example.test") || settings.contains("other.example.test"));
    let sealed = sealed.expect("the secret is stored");
    for secret in [SECRET, NEW_SECRET] {
        assert!(!contains(&sealed, secret), "the secrets column holds a secret in clear");
    }
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM event")
        .fetch_all(s.pool())
        .await
        .expect("events");
    assert_hidden("the audit log", &payloads.join("\n"));
    let files = data_files(&s.data_dir);
    if s.db == Db::Sqlite {
        // The scan does see what is stored: the public setting is there in clear.
        let seen = files.iter().any(|(_, bytes)| contains(bytes, "example.test"));
        assert!(seen, "the settings are not in any file of the data dir");
    }
    for (path, bytes) in files {
        for secret in [SECRET, NEW_SECRET] {
            assert!(!contains(&bytes, secret), "{} holds a secret in clear", path.display());
        }
    }
}

async fn secrets_are_used_but_never_shown(s: Server) {
    let settings = json!({ "api_url": "https://api.example.test", "api_secret": SECRET });
    let id = enable(&s, settings).await;
    let path = format!("{EXTENSIONS}/{id}");

    // The extension has the secret.
    assert_eq!(check(&s, Some(SECRET)).await, "match");
    assert_eq!(check(&s, Some(NEW_SECRET)).await, "mismatch");
    assert_eq!(check(&s, None).await, "mismatch");

    // The API shows only that it is set.
    let schema = s.get("/api/v1/components").await;
    let keeper = schema.json()["components"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|c| c["name"] == "secret-keeper")
        .cloned()
        .expect("the upload is offered");
    assert_eq!(keeper["builtin"], false);
    assert_eq!(keeper["settings_schema"]["properties"]["api_secret"]["writeOnly"], true);
    let shown = s.get(&path).await;
    assert_hidden("GET of the extension", &shown.body);
    assert_eq!(shown.json()["secrets"], json!({ "api_secret": true }));
    assert_eq!(
        shown.json()["settings"],
        json!({ "api_url": "https://api.example.test" })
    );
    assert_hidden("the extension list", &s.get(EXTENSIONS).await.body);
    assert_not_stored_in_clear(&s, &id).await;
    let (_, first_seal) = row(&s, &id).await;

    // An edit that omits the secret (or sends null) keeps it.
    let kept = s
        .put(
            &path,
            &json!({ "settings": { "api_url": "https://other.example.test" } }),
        )
        .await;
    assert_eq!(kept.status, 200, "{kept:?}");
    assert_eq!(kept.json()["secrets"], json!({ "api_secret": true }));
    assert_eq!(
        kept.json()["settings"],
        json!({ "api_url": "https://other.example.test" })
    );
    assert_eq!(check(&s, Some(SECRET)).await, "match");
    let (_, second_seal) = row(&s, &id).await;
    assert_ne!(first_seal, second_seal, "each write seals with a fresh nonce");
    let kept = s
        .put(
            &path,
            &json!({ "settings": { "api_url": "https://other.example.test", "api_secret": null } }),
        )
        .await;
    assert_eq!(kept.status, 200, "{kept:?}");
    assert_eq!(check(&s, Some(SECRET)).await, "match");

    // A refused edit neither shows nor applies the secret it carried.
    let refused = s
        .put(
            &path,
            &json!({ "settings": { "api_url": 5, "api_secret": NEW_SECRET } }),
        )
        .await;
    refused.assert_error(422, "invalid_settings");
    assert_hidden("a refusal", &refused.body);
    assert_eq!(check(&s, Some(SECRET)).await, "match");

    // A new value replaces it.
    let replaced = s
        .put(
            &path,
            &json!({ "settings": { "api_url": "https://other.example.test", "api_secret": NEW_SECRET } }),
        )
        .await;
    assert_eq!(replaced.status, 200, "{replaced:?}");
    assert_hidden("the edit's answer", &replaced.body);
    assert_eq!(check(&s, Some(NEW_SECRET)).await, "match");
    assert_eq!(check(&s, Some(SECRET)).await, "mismatch");
    assert_not_stored_in_clear(&s, &id).await;

    // An empty string clears it.
    let cleared = s
        .put(
            &path,
            &json!({ "settings": { "api_url": "https://other.example.test", "api_secret": "" } }),
        )
        .await;
    assert_eq!(cleared.status, 200, "{cleared:?}");
    assert_eq!(cleared.json()["secrets"], json!({ "api_secret": false }));
    assert_eq!(check(&s, Some(NEW_SECRET)).await, "mismatch");
    assert_eq!(row(&s, &id).await.1, None);

    assert_hidden("the audit log over the API", &s.get("/api/v1/events").await.body);
    assert_logged_but_hidden();
}

/// A second start on the same database and data dir (a restart, or another
/// node) decrypts the stored secret and hands it to the extension.
async fn secrets_survive_a_restart(s: Server) {
    let settings = json!({ "api_url": "https://api.example.test", "api_secret": SECRET });
    enable(&s, settings).await;
    let mut config = s.state.config.clone();
    config.listen = "127.0.0.1:0".parse().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let again = exthost::server::start(config, async move {
        let _ = stopped.await;
    })
    .await
    .expect("a second start");
    let client = reqwest::Client::builder().no_proxy().build().expect("HTTP client");
    let url = format!("http://{}/secret-check", again.addr);
    let answer = |secret: &'static str| {
        let request = client.get(&url).header("x-secret", secret);
        async move { request.send().await.expect("HTTP").text().await.expect("body") }
    };
    let (right, wrong) = (answer(SECRET).await, answer(NEW_SECRET).await);
    let _ = stop.send(());
    let state = again.state.clone();
    let _ = tokio::time::timeout(Duration::from_secs(10), again.wait()).await;
    state.store.close().await;
    assert_eq!((right.as_str(), wrong.as_str()), ("match", "mismatch"));
    assert_logged_but_hidden();
}

/// The log was captured (the guest's own line is there) and shows no secret.
fn assert_logged_but_hidden() {
    let text = logs().text();
    assert!(
        text.contains("secret-keeper ready for https://api.example.test"),
        "the guest's log is captured"
    );
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "verbose levels are captured"
    );
    assert_hidden("the log", &text);
}

both_backends!(
    secrets_are_used_but_never_shown with capturing,
    secrets_survive_a_restart with capturing,
);
