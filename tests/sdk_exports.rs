//! The built-in extensions are written on plugins/sdk, whose `export!` makes a
//! component export `metadata` and exactly the hooks named: each built-in
//! exports its own hooks and no other (the host would otherwise call hooks it
//! does not have), describes itself as before the SDK, and refuses bad
//! settings through the SDK's `validate-config` with the field named.

use exthost_runtime::Capability;
use exthost_tests::{read, runtime};

fn installed(path: &str) -> std::sync::Arc<exthost_runtime::InstalledComponent> {
    runtime().install(&read(path)).expect("install")
}

#[test]
fn each_builtin_exports_exactly_its_hooks() {
    let expected: [(&str, &[&str], Vec<Capability>); 5] = [
        (exthost_artifacts::builtin::IP_FILTER, &["on-request"], vec![]),
        (
            exthost_artifacts::builtin::JWT_SSO,
            &["on-login", "on-request"],
            vec![Capability::Kv],
        ),
        (
            exthost_artifacts::builtin::SAML_SSO,
            &["on-login", "on-request"],
            vec![Capability::Kv],
        ),
        (exthost_artifacts::builtin::SENTIMENT, &["on-message"], vec![]),
        (
            exthost_artifacts::builtin::PURGE,
            &["on-purge-tick"],
            vec![Capability::Data],
        ),
    ];
    for (path, hooks, capabilities) in expected {
        let component = installed(path);
        let mut exported: Vec<&str> = component.hooks().iter().map(|h| h.name()).collect();
        exported.sort();
        assert_eq!(exported, hooks, "{path}");
        assert_eq!(component.manifest().capabilities, capabilities, "{path}");
        assert_eq!(component.manifest().version, "0.1.0", "{path}");
        assert!(component.manifest().config_schema["properties"].is_object(), "{path}");
    }
}

#[test]
fn settings_are_refused_through_the_sdk_by_field() {
    let ip = installed(exthost_artifacts::builtin::IP_FILTER);
    let refused = ip
        .validate_config(r#"{"whitelisted_ips": "10.0.0.0/8\nnot-an-address"}"#)
        .expect_err("a bad line is refused");
    let text = format!("{refused:?}");
    assert!(text.contains("whitelisted_ips") && text.contains("line 2"), "{text}");
    ip.validate_config(r#"{"whitelisted_ips": "10.0.0.0/8"}"#)
        .expect("a good list passes");

    let sentiment = installed(exthost_artifacts::builtin::SENTIMENT);
    let refused = sentiment.validate_config("[]").expect_err("not an object");
    assert!(format!("{refused:?}").contains("must be a JSON object"), "{refused:?}");

    let purge = installed(exthost_artifacts::builtin::PURGE);
    let refused = purge
        .validate_config(r#"{"purge_threads": true, "retention_days": 0}"#)
        .expect_err("a retention of zero is refused");
    assert!(format!("{refused:?}").contains("retention_days"), "{refused:?}");

    let saml = installed(exthost_artifacts::builtin::SAML_SSO);
    let good = r#"{"issuer": "https://idp.test/entity", "target_url": "https://idp.test/sso",
        "certificate_fingerprint_algorithm": "SHA1", "certificate_fingerprint": "00112233445566778899aabbccddeeff00112233"}"#;
    saml.validate_config(good).expect("good settings pass");
    let refused = saml
        .validate_config(&good.replace("SHA1", "SHA256"))
        .expect_err("a SHA-1-sized fingerprint is refused for SHA-256");
    assert!(
        format!("{refused:?}").contains("certificate_fingerprint"),
        "{refused:?}"
    );
}
