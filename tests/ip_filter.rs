//! The real ip-filter component through the real runtime: allow and deny for
//! IPv4, IPv6, mapped addresses and ranges, the empty list, trusted proxies and
//! spoofed X-Forwarded-For, refused settings, and live reconfiguration.

use exthost_runtime::types::RequestDecision;
use exthost_runtime::{ConfigError, Extension, ExtensionConfig, Hook};
use exthost_tests::{ctx, ip_filter, request, runtime};

fn settings(allow: &str, proxies: &str) -> String {
    serde_json::json!({ "whitelisted_ips": allow, "trusted_proxies": proxies }).to_string()
}

fn enable(settings: String) -> Extension {
    runtime()
        .enable(ip_filter(), ExtensionConfig::new("ip-filter-1", settings))
        .expect("enable")
}

fn allowed(ext: &Extension, peer: &str, headers: &[(&str, &str)]) -> bool {
    match ext.on_request(&ctx(), &request("/", peer, headers)).expect("hook call") {
        RequestDecision::Continue => true,
        RequestDecision::Deny(_) => false,
        other => panic!("unexpected decision {other:?}"),
    }
}

#[test]
fn exports_only_on_request_and_describes_itself() {
    let c = ip_filter();
    assert_eq!(c.hooks().iter().collect::<Vec<_>>(), vec![Hook::OnRequest]);
    let m = c.manifest();
    assert_eq!(m.name, "ip-filter");
    assert_eq!(m.title, "IP filtering");
    assert_eq!(
        m.config_schema["properties"]["whitelisted_ips"]["title"],
        "Whitelisted IPs"
    );
    assert!(m.capabilities.is_empty());
}

#[test]
fn ipv4_addresses_and_ranges() {
    let ext = enable(settings("192.0.2.7\n10.0.0.0/8", ""));
    assert!(allowed(&ext, "192.0.2.7", &[]));
    assert!(allowed(&ext, "10.200.3.4", &[]));
    assert!(!allowed(&ext, "192.0.2.8", &[]));
    assert!(!allowed(&ext, "11.0.0.1", &[]));
}

#[test]
fn ipv6_addresses_and_ranges() {
    let ext = enable(settings("2001:db8::/32\n::1", ""));
    assert!(allowed(&ext, "2001:db8:1::9", &[]));
    assert!(allowed(&ext, "::1", &[]));
    assert!(!allowed(&ext, "2001:db9::1", &[]));
    assert!(!allowed(&ext, "192.0.2.1", &[]));
}

#[test]
fn mapped_ipv6_matches_ipv4_rules() {
    let ext = enable(settings("198.51.100.0/24", ""));
    assert!(allowed(&ext, "::ffff:198.51.100.20", &[]));
    assert!(!allowed(&ext, "::ffff:198.51.101.20", &[]));
}

#[test]
fn empty_list_allows_all() {
    let ext = enable(settings("", ""));
    assert!(allowed(&ext, "203.0.113.99", &[]));
    assert!(allowed(&ext, "2001:db8::1", &[]));
}

#[test]
fn forwarded_for_is_read_only_from_trusted_proxies() {
    let ext = enable(settings("198.51.100.7", "192.0.2.1"));
    // Through the trusted proxy: the proxy appended the real client.
    assert!(allowed(&ext, "192.0.2.1", &[("x-forwarded-for", "198.51.100.7")]));
    // Spoofed: the client claims an allowed address, the proxy appended its real one.
    assert!(!allowed(
        &ext,
        "192.0.2.1",
        &[("x-forwarded-for", "198.51.100.7, 203.0.113.66")]
    ));
    // Spoofed directly, not through a proxy: the header is ignored.
    assert!(!allowed(&ext, "203.0.113.66", &[("x-forwarded-for", "198.51.100.7")]));
    // A trusted proxy forwarding garbage is refused, not guessed at.
    assert!(!allowed(&ext, "192.0.2.1", &[("x-forwarded-for", "banana")]));
}

#[test]
fn bad_settings_are_refused_with_the_field_and_line() {
    for (list, line) in [("10.0.0.1/33", 1), ("192.0.2.1\n010.0.0.1", 2), ("\n\nbanana", 3)] {
        let err = runtime()
            .enable(ip_filter(), ExtensionConfig::new("bad", settings(list, "")))
            .err();
        let Some(ConfigError::Invalid(errors)) = err else {
            panic!("{list:?} was not refused: {err:?}")
        };
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "whitelisted_ips");
        assert!(
            errors[0].message.starts_with(&format!("line {line}:")),
            "{}",
            errors[0].message
        );
    }
    let err = ip_filter()
        .validate_config(r#"{"whitelisted_ips": 7, "color": "red"}"#)
        .unwrap_err();
    let ConfigError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"whitelisted_ips") && fields.contains(&"color"),
        "{fields:?}"
    );
}

#[test]
fn settings_change_takes_effect_on_the_next_call() {
    let ext = enable(settings("192.0.2.1", ""));
    assert!(!allowed(&ext, "203.0.113.5", &[]));
    ext.reconfigure(&settings("203.0.113.0/24", "")).expect("reconfigure");
    assert!(allowed(&ext, "203.0.113.5", &[]));
    assert!(!allowed(&ext, "192.0.2.1", &[]));
    // A refused change keeps the settings in force.
    assert!(ext.reconfigure(&settings("banana", "")).is_err());
    assert!(allowed(&ext, "203.0.113.5", &[]));
}

#[test]
fn instances_are_reused_between_calls() {
    let ext = enable(settings("192.0.2.1", ""));
    for _ in 0..10 {
        allowed(&ext, "192.0.2.1", &[]);
    }
    assert_eq!(ext.idle_instances(), 1);
}
