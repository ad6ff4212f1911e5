//! The little URL work extensions do: read one parameter of a query string,
//! add parameters to a URL, percent-encode and decode. Values are
//! percent-encoded byte by byte, so nothing a visitor (or a token, or an
//! identity provider) sends can add parameters or break out of the URL.

/// The first value of `name` in a raw query string (`a=1&b=2`), decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k) == name).then(|| decode(v))
        })
        .next()
}

/// `url` with `name=value` appended to its query, before any `#fragment`.
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut out = format!("{base}{sep}{}={}", encode(name), encode(value));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// Percent-encode everything but RFC 3986's unreserved characters.
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

/// Decode `%XX` and `+` (a form-encoded space); invalid escapes stay as they are.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parameters() {
        assert_eq!(
            query_param("jwt=a.b.c&return_to=%2Finbox%3Fx%3D1", "return_to").as_deref(),
            Some("/inbox?x=1")
        );
        assert_eq!(query_param("a=1&a=2", "a").as_deref(), Some("1"));
        assert_eq!(query_param("flag&b=", "flag").as_deref(), Some(""));
        assert_eq!(query_param("x=a+b%2", "x").as_deref(), Some("a b%2"));
        assert_eq!(query_param("", "x"), None);
    }

    #[test]
    fn adds_parameters_safely() {
        assert_eq!(
            with_param("https://idp.test/login", "error", "token_invalid"),
            "https://idp.test/login?error=token_invalid"
        );
        assert_eq!(
            with_param("https://idp.test/l?a=1#top", "return_to", "/x?y=1&z"),
            "https://idp.test/l?a=1&return_to=%2Fx%3Fy%3D1%26z#top"
        );
        assert_eq!(
            with_param("https://idp.test/l?", "e", "a b"),
            "https://idp.test/l?e=a%20b"
        );
    }
}
