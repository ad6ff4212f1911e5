//! The admin API as a test speaks to it: requests with the known admin token
//! (or none) to a server at an address, in process or a child process, and
//! replies read whole, with the check that an error keeps its shape and gives
//! nothing internal away.

use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

pub use reqwest::Method;

/// The admin token every test server accepts.
pub const TOKEN: &str = "e2e-admin-token-3f9a1c";

/// Words that give away internals; no error body may contain them.
const INTERNALS: &[&str] = &["sqlx", "/var/", "/tmp/", "panicked", "postgres", "sqlite", "wasmtime"];

/// A client of one server's API. Cheap to clone.
#[derive(Clone)]
pub struct Api {
    pub addr: SocketAddr,
    client: reqwest::Client,
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// Assert the API's error shape, `status` and `code`, and that nothing internal leaks.
    pub fn assert_error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        assert!(self.content_type.starts_with("application/json"), "{self:?}");
        let body = self.json();
        let error = &body["error"];
        assert_eq!(error["code"], code, "{self:?}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{self:?}");
        let lower = self.body.to_lowercase();
        for word in INTERNALS {
            assert!(!lower.contains(word), "error body leaks `{word}`: {self:?}");
        }
        error.clone()
    }
}

impl Api {
    pub fn new(addr: SocketAddr) -> Api {
        Api {
            addr,
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A request carrying the admin token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.anonymous(method, path).bearer_auth(TOKEN)
    }

    /// A request without credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("HTTP request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response.text().await.expect("HTTP body");
        Reply {
            status,
            content_type,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// Upload a component's bytes as the admin API takes them.
    pub async fn upload(&self, bytes: Vec<u8>) -> Reply {
        let request = self
            .request(Method::POST, "/api/v1/components")
            .header("content-type", "application/wasm")
            // The install compiles the component: a 12 MB JavaScript one took
            // 30 s once on two shared cores with the other backend's test
            // compiling beside it, past the client's usual 30 s.
            .timeout(Duration::from_secs(180))
            .body(bytes);
        self.send(request).await
    }

    /// The enabled extensions as the API lists them.
    pub async fn extensions(&self) -> Vec<Value> {
        let reply = self.get("/api/v1/extensions").await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json()["extensions"].as_array().expect("a list").clone()
    }

    /// The names of the audit events starting with `prefix`, oldest first.
    pub async fn events(&self, prefix: &str) -> Vec<Value> {
        let reply = self.get(&format!("/api/v1/events?prefix={prefix}")).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let mut events = reply.json()["events"].as_array().expect("a list").clone();
        events.reverse();
        events
    }
}
