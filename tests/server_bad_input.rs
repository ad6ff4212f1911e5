//! Bad input to the admin API of the real server, against SQLite and
//! PostgreSQL: malformed or mistyped bodies, unknown extensions and fields,
//! invalid addresses, broken, foreign and oversized uploads, missing or wrong
//! tokens and missing ids. Each is refused with its status and the API's error
//! shape, leaks nothing internal, and leaves the database, the list and the
//! audit log exactly as they were (an edit refused keeps the old settings live).

use exthost_tests::both_backends;
use exthost_tests::server::{Method, Options, Reply, Server, TOKEN};
use serde_json::{Value, json};

const EXTENSIONS: &str = "/api/v1/extensions";
const COMPONENTS: &str = "/api/v1/components";

/// What is stored: rows of the tables an admin's change writes, and the list the API shows.
#[derive(Debug, PartialEq)]
struct Stored {
    extensions: i64,
    components: i64,
    events: i64,
    rows: Vec<(String, String, i64)>,
    listed: Vec<Value>,
}

async fn stored(s: &Server) -> Stored {
    let rows = sqlx::query_as("SELECT id, settings, updated_at FROM extension ORDER BY id")
        .fetch_all(s.pool())
        .await
        .expect("extension rows");
    Stored {
        extensions: s.count("extension").await,
        components: s.count("component").await,
        events: s.count("event").await,
        rows,
        listed: s.extensions().await,
    }
}

fn ip_filter_bytes() -> Vec<u8> {
    exthost_tests::read(exthost_artifacts::builtin::IP_FILTER)
}

async fn post_raw(s: &Server, content_type: Option<&str>, body: &str) -> Reply {
    let mut request = s.request(Method::POST, EXTENSIONS).body(body.to_string());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    s.send(request).await
}

fn field_errors(error: &Value) -> Vec<(String, String)> {
    error["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("field errors: {error}"))
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or_else(|| panic!("{k}: {f}")).to_string();
            (text("field"), text("message"))
        })
        .collect()
}

async fn refused_adds_store_nothing(s: Server) {
    let before = stored(&s).await;
    assert_eq!(before.extensions, 0);
    assert_eq!(before.components, exthost_artifacts::builtin::ALL.len() as i64);

    let json = Some("application/json");
    post_raw(&s, json, r#"{"extension": "ip-filter", "settings": {"#)
        .await
        .assert_error(400, "bad_request");
    post_raw(&s, json, "").await.assert_error(400, "bad_request");
    let valid = r#"{"extension": "ip-filter", "settings": {"whitelisted_ips": "127.0.0.1"}}"#;
    post_raw(&s, Some("text/plain"), valid)
        .await
        .assert_error(400, "bad_request");
    post_raw(&s, None, valid).await.assert_error(400, "bad_request");
    post_raw(&s, json, r#"{"extension": "ip-filter", "colour": "red"}"#)
        .await
        .assert_error(400, "bad_request");

    let add = |settings: Value| json!({ "extension": "ip-filter", "settings": settings });
    let unknown = s.post(EXTENSIONS, &json!({ "extension": "no-such-extension" })).await;
    unknown.assert_error(404, "not_found");

    let error = s.post(EXTENSIONS, &add(json!({ "whitelisted_ips": 5 }))).await;
    let fields = field_errors(&error.assert_error(422, "invalid_settings"));
    assert!(fields.iter().all(|(f, _)| f == "whitelisted_ips"), "{fields:?}");
    assert!(!fields.is_empty());

    let error = s
        .post(EXTENSIONS, &add(json!({ "whitelisted_ips": "10.0.0.1/33" })))
        .await;
    let fields = field_errors(&error.assert_error(422, "invalid_settings"));
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].0, "whitelisted_ips");
    assert!(fields[0].1.starts_with("line 1:"), "{fields:?}");

    let error = s
        .post(
            EXTENSIONS,
            &add(json!({ "whitelisted_ips": "10.0.0.1\n# office\nnot-an-address" })),
        )
        .await;
    let fields = field_errors(&error.assert_error(422, "invalid_settings"));
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].0, "whitelisted_ips");
    assert!(fields[0].1.starts_with("line 3:"), "{fields:?}");

    let error = s
        .post(
            EXTENSIONS,
            &add(json!({ "whitelisted_ips": "127.0.0.1", "colour": "red" })),
        )
        .await;
    let fields = field_errors(&error.assert_error(422, "invalid_settings"));
    assert!(fields.iter().any(|(f, _)| f == "colour"), "{fields:?}");

    let error = s.post(EXTENSIONS, &add(json!("127.0.0.1"))).await;
    error.assert_error(422, "invalid_settings");

    assert_eq!(stored(&s).await, before);
}

async fn refused_uploads_store_nothing(s: Server) {
    let before = stored(&s).await;

    s.upload(b"hello, this is not WebAssembly".to_vec())
        .await
        .assert_error(422, "refused");
    let whole = ip_filter_bytes();
    s.upload(whole[..whole.len() / 2].to_vec())
        .await
        .assert_error(422, "refused");
    // A core module is WebAssembly, but not a component.
    s.upload(wat::parse_str("(module (func (export \"f\")))").expect("wat"))
        .await
        .assert_error(422, "refused");
    s.upload(Vec::new()).await.assert_error(422, "refused");

    assert_eq!(stored(&s).await, before);
}

/// Just above the largest built-in: the same limit also caps the built-ins the
/// server installs at start, so a smaller one would stop it from starting.
/// Smaller than any real component: the built-ins still install at start,
/// since the limit applies to uploads only.
fn small_upload_limit() -> usize {
    64 << 10
}

fn small_uploads() -> Options {
    Options {
        max_upload_bytes: Some(small_upload_limit()),
        ..Options::default()
    }
}

async fn oversized_upload_is_refused(s: Server) {
    let before = stored(&s).await;
    let mut big = ip_filter_bytes();
    big.resize(small_upload_limit() + 1, 0);
    let upload = s.upload(big).await;
    // The limit holds for JSON bodies too, with the same answer.
    let long = "127.0.0.1\n".repeat(small_upload_limit() / 10 + 1);
    let add = json!({ "extension": "ip-filter", "settings": { "whitelisted_ips": long } });
    let add = s.post(EXTENSIONS, &add).await;
    assert_eq!(stored(&s).await, before);
    for reply in [upload, add] {
        reply.assert_error(413, "payload_too_large");
    }
}

async fn bad_credentials_are_refused(s: Server) {
    let before = stored(&s).await;
    let body = json!({ "extension": "ip-filter", "settings": { "whitelisted_ips": "127.0.0.1" } });
    let wrong = format!("{TOKEN}x");
    for (method, path) in [
        (Method::GET, EXTENSIONS),
        (Method::POST, EXTENSIONS),
        (Method::GET, COMPONENTS),
        (Method::POST, COMPONENTS),
        (Method::GET, "/api/v1/events"),
    ] {
        let request = || s.anonymous(method.clone(), path).json(&body);
        let missing = s.send(request()).await;
        missing.assert_error(401, "unauthorized");
        s.send(request().bearer_auth(&wrong))
            .await
            .assert_error(401, "unauthorized");
        s.send(request().basic_auth("admin@localhost", Some(TOKEN)))
            .await
            .assert_error(401, "unauthorized");
        s.send(request().header("authorization", "Bearer "))
            .await
            .assert_error(401, "unauthorized");
    }
    assert_eq!(stored(&s).await, before);
}

async fn missing_ids_are_not_found(s: Server) {
    let before = stored(&s).await;
    let path = format!("{EXTENSIONS}/no-such-id");
    s.get(&path).await.assert_error(404, "not_found");
    s.put(&path, &json!({ "settings": { "whitelisted_ips": "127.0.0.1" } }))
        .await
        .assert_error(404, "not_found");
    s.delete(&path).await.assert_error(404, "not_found");
    assert_eq!(stored(&s).await, before);
}

/// A refused edit keeps the saved row, the audit log and the live filter as they were.
async fn refused_edits_change_nothing(s: Server) {
    let allow = json!({ "whitelisted_ips": "127.0.0.1", "trusted_proxies": "127.0.0.1" });
    let added = s
        .post(EXTENSIONS, &json!({ "extension": "ip-filter", "settings": allow }))
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let path = format!("{EXTENSIONS}/{}", added.json()["id"].as_str().expect("an id"));
    let before = stored(&s).await;
    let forwarded = |client: &'static str| s.request(Method::GET, EXTENSIONS).header("x-forwarded-for", client);
    assert_eq!(s.send(forwarded("192.0.2.1")).await.status, 403);

    let raw = |body: &'static str, content_type: &'static str| {
        s.request(Method::PUT, &path)
            .header("content-type", content_type)
            .body(body)
    };
    s.send(raw(r#"{"settings": "#, "application/json"))
        .await
        .assert_error(400, "bad_request");
    s.send(raw(r#"{"settings": {}}"#, "text/plain"))
        .await
        .assert_error(400, "bad_request");
    s.put(&path, &json!({ "settings": "127.0.0.1" }))
        .await
        .assert_error(400, "bad_request");
    s.put(&path, &json!({ "settings": { "whitelisted_ips": 5 } }))
        .await
        .assert_error(422, "invalid_settings");
    let error = s
        .put(
            &path,
            &json!({ "settings": { "whitelisted_ips": "192.0.2.0/24\n10.0.0.1/33" } }),
        )
        .await
        .assert_error(422, "invalid_settings");
    let fields = field_errors(&error);
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].0, "whitelisted_ips");
    assert!(fields[0].1.starts_with("line 2:"), "{fields:?}");
    s.put(&path, &json!({ "settings": { "whitelisted_ips": "", "colour": 1 } }))
        .await
        .assert_error(422, "invalid_settings");

    assert_eq!(stored(&s).await, before);
    // Still the old rules: a refused edit that would have let 192.0.2.1 in did not.
    assert_eq!(s.send(forwarded("192.0.2.1")).await.status, 403);
    assert_eq!(s.send(forwarded("127.0.0.1")).await.status, 200);
}

both_backends!(
    refused_adds_store_nothing,
    refused_uploads_store_nothing,
    oversized_upload_is_refused with small_uploads,
    bad_credentials_are_refused,
    missing_ids_are_not_found,
    refused_edits_change_nothing,
);
