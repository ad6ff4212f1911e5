//! A browser that does not follow redirects, for the login tests: each answer
//! keeps the status, the `Location`, the session cookie the server set (if any)
//! and the page, so a test can walk a sign-on one hop at a time.

use crate::server::Server;
use std::time::Duration;

/// One HTTP answer, as a login test looks at it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: String,
    /// The session cookie's value, if the answer set one.
    pub session: Option<String>,
    /// Every `Set-Cookie` header, one per line.
    pub set_cookie: String,
    pub body: String,
}

impl Answer {
    /// Assert a login succeeded: a redirect to `location` with a session
    /// cookie, which is returned.
    pub fn assert_logged_in(&self, location: &str, what: &str) -> String {
        assert_eq!(
            (self.status, self.location.as_str()),
            (303, location),
            "{what}: {self:?}"
        );
        self.session
            .clone()
            .unwrap_or_else(|| panic!("{what}: no session cookie: {self:?}"))
    }
}

/// An HTTP client that does not follow redirects and keeps no cookies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// A GET of `path` on `s`, with the session cookie if given.
pub fn get(s: &Server, path: &str, session: Option<&str>) -> reqwest::RequestBuilder {
    let request = client().get(s.url(path));
    match session {
        Some(token) => request.header("cookie", format!("exthost_session={token}")),
        None => request,
    }
}

/// Send a request and read its answer.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("HTTP request");
    let header = |name: &str| {
        response
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (status, location, set_cookie) = (response.status().as_u16(), header("location"), header("set-cookie"));
    let session = set_cookie
        .split(';')
        .next()
        .and_then(|c| c.strip_prefix("exthost_session="))
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    let body = response.text().await.expect("HTTP body");
    Answer {
        status,
        location,
        session,
        set_cookie,
        body,
    }
}
