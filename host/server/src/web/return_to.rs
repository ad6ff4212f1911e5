//! Where a browser may be sent after login: only a path on this platform, so
//! the login can never be used as an open redirect. Anything a browser could
//! read as another host (`//host`, `/\host`, a scheme, tabs or newlines that
//! browsers strip) sends the agent home instead.

const MAX_LEN: usize = 2048;

/// `candidate` if it is a safe local path, else `/`.
pub fn local_path(candidate: Option<&str>) -> String {
    candidate
        .filter(|p| is_local_path(p))
        .map_or_else(|| "/".to_string(), str::to_string)
}

/// True for a path-absolute reference that stays on this origin.
pub fn is_local_path(p: &str) -> bool {
    let bytes = p.as_bytes();
    p.len() <= MAX_LEN
        && bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !p.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

/// Percent-encode a value for a query string (RFC 3986 unreserved characters pass).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_pass() {
        for ok in ["/", "/inbox", "/inbox?x=1&y=%2F", "/a/b#c", "/..//x"] {
            assert_eq!(local_path(Some(ok)), ok);
        }
        for bad in [
            "",
            "inbox",
            "//evil.test",
            "/\\evil.test",
            "\\\\evil.test",
            "/a\\b",
            "https://evil.test/",
            "javascript:alert(1)",
            "/\t/evil.test",
            "/\n/evil.test",
            " /x",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(Some(&format!("/{}", "a".repeat(MAX_LEN)))), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn encodes_for_a_query() {
        assert_eq!(encode("/a?b=c&d"), "%2Fa%3Fb%3Dc%26d");
    }
}
