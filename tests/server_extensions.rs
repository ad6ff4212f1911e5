//! The admin's round with the built-in IP filter on the real server, over a
//! real socket, against SQLite and PostgreSQL: the component is offered with
//! its settings schema; adding, editing and deleting it take effect on the very
//! next request (no restart), including the admin API itself, which the filter
//! guards too; each change is saved and written to the audit log; and an IPv6
//! client is matched by IPv6 rules only.

use exthost_tests::both_backends;
use exthost_tests::server::{self, Db, Method, Options, Server};
use serde_json::{Value, json};
use std::net::SocketAddr;

const EXTENSIONS: &str = "/api/v1/extensions";

fn ip_filter(allow: &str, proxies: &str) -> Value {
    json!({ "whitelisted_ips": allow, "trusted_proxies": proxies })
}

/// A GET of the extension list as if forwarded for `client` (believed only from a trusted proxy).
async fn list_as(s: &Server, client: Option<&str>) -> u16 {
    let mut request = s.request(Method::GET, EXTENSIONS);
    if let Some(client) = client {
        request = request.header("x-forwarded-for", client);
    }
    s.send(request).await.status
}

async fn assert_denied(s: &Server, path: &str) {
    let reply = s.get(path).await;
    let error = reply.assert_error(403, "forbidden");
    // Why it was denied is for the log, not for the client.
    assert!(!reply.body.contains("allow-list"), "{reply:?}");
    assert_eq!(error["message"], "access denied");
}

async fn stored_settings(s: &Server, id: &str) -> Value {
    let text: String = sqlx::query_scalar("SELECT settings FROM extension WHERE id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .expect("the extension's row");
    serde_json::from_str(&text).expect("settings are JSON")
}

async fn components_offer_ip_filter_with_its_schema(s: Server) {
    let reply = s.get("/api/v1/components").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let body = reply.json();
    let ip = body["components"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|c| c["name"] == "ip-filter")
        .unwrap_or_else(|| panic!("ip-filter is offered: {body}"))
        .clone();
    assert_eq!(ip["builtin"], true);
    assert_eq!(ip["title"], "IP filtering");
    let schema = &ip["settings_schema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["whitelisted_ips"]["type"], "string");
    assert_eq!(schema["properties"]["whitelisted_ips"]["title"], "Whitelisted IPs");
    assert_eq!(schema["properties"]["trusted_proxies"]["type"], "string");
    // The component list is for admins only.
    let anonymous = s.send(s.anonymous(Method::GET, "/api/v1/components")).await;
    anonymous.assert_error(401, "unauthorized");
}

async fn add_edit_lock_out_restore_delete(s: Server) {
    assert!(s.extensions().await.is_empty());

    // (a) Add, with the test client's own address on the list.
    let added = s
        .post(
            EXTENSIONS,
            &json!({ "extension": "ip-filter", "settings": { "whitelisted_ips": "127.0.0.1" } }),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let view = added.json();
    let id = view["id"].as_str().expect("an id").to_string();
    assert_eq!(view["name"], "ip-filter");
    assert_eq!(view["enabled"], true);
    assert_eq!(view["hooks"], json!(["on-request"]));
    assert_eq!(view["settings"]["whitelisted_ips"], "127.0.0.1");
    assert_eq!(view["secrets"], json!({}));
    assert_eq!(s.extensions().await.len(), 1);
    assert_eq!(s.count("extension").await, 1);
    assert_eq!(stored_settings(&s, &id).await["whitelisted_ips"], "127.0.0.1");

    // (b) Edit: a range more, and the test client trusted as a proxy, so
    // X-Forwarded-For stands for clients the socket cannot fake.
    let edited = s
        .put(
            &format!("{EXTENSIONS}/{id}"),
            &json!({ "settings": ip_filter("127.0.0.1\n10.0.0.0/8", "127.0.0.1") }),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert_eq!(edited.json()["settings"]["whitelisted_ips"], "127.0.0.1\n10.0.0.0/8");
    assert_eq!(list_as(&s, None).await, 200);
    assert_eq!(list_as(&s, Some("10.1.2.3")).await, 200);
    assert_eq!(list_as(&s, Some("192.0.2.1")).await, 403);
    let shown = s.get(&format!("{EXTENSIONS}/{id}")).await;
    assert_eq!(
        shown.json()["settings"],
        ip_filter("127.0.0.1\n10.0.0.0/8", "127.0.0.1")
    );

    // (c) Edit the test client off the list: the PUT itself passed the filter
    // before the change, and the very next request is refused, the admin API
    // included (no restart), while /healthz stays open for load balancers.
    let locked = s
        .put(
            &format!("{EXTENSIONS}/{id}"),
            &json!({ "settings": ip_filter("10.0.0.0/8", "") }),
        )
        .await;
    assert_eq!(locked.status, 200, "{locked:?}");
    assert_denied(&s, EXTENSIONS).await;
    assert_denied(&s, "/no/such/route").await;
    // No longer a trusted proxy, so a forwarded address from the list is not believed.
    assert_eq!(list_as(&s, Some("10.1.2.3")).await, 403);
    let health = s.send(s.anonymous(Method::GET, "/healthz")).await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    assert_eq!(stored_settings(&s, &id).await, ip_filter("10.0.0.0/8", ""));

    // (d) Locked out of the API, the way back is beside it: here the registry,
    // as an operator's console would. It is filtered by the same rules at once.
    s.state
        .registry
        .update(&id, ip_filter("127.0.0.1", "127.0.0.1"), None, None)
        .await
        .expect("restore through the registry");
    assert_eq!(list_as(&s, None).await, 200);
    assert_eq!(list_as(&s, Some("192.0.2.1")).await, 403);
    assert_eq!(stored_settings(&s, &id).await, ip_filter("127.0.0.1", "127.0.0.1"));

    // (e) Delete: gone from the list, the database and the request path.
    let deleted = s.delete(&format!("{EXTENSIONS}/{id}")).await;
    assert_eq!((deleted.status, deleted.body.as_str()), (204, ""), "{deleted:?}");
    assert_eq!(list_as(&s, Some("192.0.2.1")).await, 200);
    assert!(s.extensions().await.is_empty());
    assert_eq!(s.count("extension").await, 0);
    s.get(&format!("{EXTENSIONS}/{id}"))
        .await
        .assert_error(404, "not_found");

    // The audit log tells the story, with the admin as actor for the API's steps.
    let events: Vec<Value> = s
        .events("extension.")
        .await
        .into_iter()
        .filter(|e| e["payload"]["id"] == id.as_str())
        .collect();
    let names: Vec<&str> = events.iter().map(|e| e["name"].as_str().unwrap_or("")).collect();
    assert_eq!(
        names,
        [
            "extension.created",
            "extension.updated",
            "extension.updated",
            "extension.updated",
            "extension.destroyed"
        ]
    );
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["payload"]["extension"], "ip-filter", "{event}");
        // Step (d) went around the API, so it has no actor.
        assert_eq!(event["actor"].is_string(), i != 3, "{event}");
    }
}

/// An edit that switches the extension off stops filtering at once; one that
/// switches it back on resumes with the saved settings.
async fn switching_off_and_on(s: Server) {
    let added = s
        .post(
            EXTENSIONS,
            &json!({ "extension": "ip-filter", "settings": ip_filter("127.0.0.1", "127.0.0.1") }),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let id = added.json()["id"].as_str().expect("an id").to_string();
    assert_eq!(list_as(&s, Some("192.0.2.1")).await, 403);

    let settings = json!({ "settings": ip_filter("127.0.0.1", "127.0.0.1"), "enabled": false });
    let off = s.put(&format!("{EXTENSIONS}/{id}"), &settings).await;
    assert_eq!(off.json()["enabled"], false, "{off:?}");
    assert_eq!(list_as(&s, Some("192.0.2.1")).await, 200);
    assert_eq!(
        s.extensions().await.len(),
        1,
        "a switched-off extension is still listed"
    );

    let on = s
        .put(
            &format!("{EXTENSIONS}/{id}"),
            &json!({ "settings": ip_filter("127.0.0.1", "127.0.0.1"), "enabled": true }),
        )
        .await;
    assert_eq!(on.json()["enabled"], true, "{on:?}");
    assert_eq!(list_as(&s, Some("192.0.2.1")).await, 403);
    assert_eq!(list_as(&s, None).await, 200);
}

both_backends!(
    components_offer_ip_filter_with_its_schema,
    add_edit_lock_out_restore_delete,
    switching_off_and_on,
);

/// The server listening on the IPv6 loopback: a `::1/128` rule lets the client
/// in, an IPv4 rule for 127.0.0.1 does not.
async fn ipv6_client(s: Server) {
    assert!(s.addr.is_ipv6());
    let added = s
        .post(
            EXTENSIONS,
            &json!({ "extension": "ip-filter", "settings": { "whitelisted_ips": "::1/128" } }),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let id = added.json()["id"].as_str().expect("an id").to_string();
    assert_eq!(list_as(&s, None).await, 200);

    let edited = s
        .put(
            &format!("{EXTENSIONS}/{id}"),
            &json!({ "settings": { "whitelisted_ips": "127.0.0.1" } }),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert_denied(&s, EXTENSIONS).await;

    s.state
        .registry
        .update(&id, json!({ "whitelisted_ips": "::1" }), None, None)
        .await
        .expect("restore through the registry");
    let deleted = s.delete(&format!("{EXTENSIONS}/{id}")).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
}

mod ipv6_loopback {
    use super::*;

    fn options() -> Option<Options> {
        let listen: SocketAddr = "[::1]:0".parse().expect("an address");
        match std::net::TcpListener::bind(listen) {
            Ok(_) => Some(Options {
                listen,
                ..Options::default()
            }),
            Err(e) => {
                eprintln!("skipped: this machine cannot listen on [::1] ({e})");
                None
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        if let Some(options) = options() {
            server::run(Db::Sqlite, options, ipv6_client).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(options) = options() {
            server::run(Db::Postgres, options, ipv6_client).await;
        }
    }
}
