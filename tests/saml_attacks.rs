//! SAML single sign-on refuses every attack of the issue, on SQLite and
//! PostgreSQL: each is made the way an attacker makes it, by editing the XML
//! text the independent IdP (signxml, see `saml_support.rs`) signed, and each
//! asserts its own refusal code, that no session was started, and that the
//! genuine response still logs in afterwards.

mod saml_support;

use exthost_tests::server::Server;
use saml_support::*;
use serde_json::{Value, json};

/// An attack: how the IdP's spec differs, how the signed text is then edited
/// (the attacker's part), and the refusal code expected.
struct Attack {
    changes: Value,
    edit: fn(&str, &Value) -> String,
    code: &'static str,
}

fn unchanged(xml: &str, _: &Value) -> String {
    xml.to_string()
}

fn attack_case(name: &str) -> Attack {
    let assertion_signed = json!({ "sign": "assertion" });
    let (changes, edit, code): (Value, fn(&str, &Value) -> String, &str) = match name {
        "unsigned" => (json!({ "sign": "none" }), unchanged, "saml_unsigned"),
        "signed_by_another_key" => (json!({ "key": "other" }), unchanged, "saml_fingerprint"),
        "name_id_tampered_after_signing" => (
            json!({}),
            |xml, _| xml.replace(">alice@example.com<", ">bob@example.com<"),
            "saml_digest",
        ),
        "both_signed_assertion_tampered" => (
            json!({ "sign": "both" }),
            |xml, _| xml.replace(">alice@example.com<", ">bob@example.com<"),
            "saml_digest",
        ),
        "wrapping_unsigned_assertion_before" => (assertion_signed, |xml, _| wrapped(xml, "before"), "saml_wrapping"),
        "wrapping_unsigned_assertion_after" => (assertion_signed, |xml, _| wrapped(xml, "after"), "saml_wrapping"),
        "wrapping_unsigned_assertion_inside" => (assertion_signed, |xml, _| wrapped(xml, "inside"), "saml_wrapping"),
        // The signed assertion moved under Extensions, bob's with the same ID in its place.
        "wrapping_signed_assertion_under_extensions" => (
            assertion_signed,
            |xml, _| {
                let signed = assertion_of(xml);
                let evil = evil_assertion(signed, "alice@example.com", "bob@example.com")
                    .replace("_evil", &attribute(signed, "ID"));
                xml.replace(signed, &format!("<samlp:Extensions>{signed}</samlp:Extensions>{evil}"))
            },
            "saml_wrapping",
        ),
        // The whole signed Response under a new Response's Extensions, next to bob's assertion.
        "wrapping_signed_response_under_extensions" => (
            json!({}),
            |xml, spec| {
                let evil = evil_assertion(assertion_of(xml), "alice@example.com", "bob@example.com");
                format!(
                    "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
                     xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_outer\" Version=\"2.0\" \
                     IssueInstant=\"2026-01-01T00:00:00Z\" Destination=\"{}\" InResponseTo=\"{}\">\
                     <saml:Issuer>{IDP_ENTITY}</saml:Issuer><samlp:Extensions>{xml}</samlp:Extensions>\
                     <samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>\
                     </samlp:Status>{evil}</samlp:Response>",
                    spec["destination"].as_str().expect("a destination"),
                    spec["in_response_to"].as_str().expect("a request"),
                )
            },
            "saml_wrapping",
        ),
        // Bob's assertion carries alice's signature; the signed original hides in a ds:Object.
        "wrapping_signed_assertion_under_object" => (
            assertion_signed,
            |xml, _| {
                let signed = assertion_of(xml);
                let evil = signed.replace(">alice@example.com<", ">bob@example.com<").replace(
                    "</ds:Signature>",
                    &format!("<ds:Object>{signed}</ds:Object></ds:Signature>"),
                );
                xml.replace(signed, &evil)
            },
            "saml_wrapping",
        ),
        "duplicate_ids" => (
            json!({}),
            |xml, spec| {
                let id = spec["response_id"].as_str().expect("an id");
                xml.replace(
                    "<samlp:Status>",
                    &format!(
                        "<samlp:Extensions><x:Note xmlns:x=\"urn:x\" ID=\"{id}\"/></samlp:Extensions><samlp:Status>"
                    ),
                )
            },
            "saml_wrapping",
        ),
        // The digest still matches (comments are not signed); the NameID must
        // never be read as its first text node, `admin@x.com`.
        "comment_injected_in_name_id" => (
            json!({ "name_id": "admin@x.com.evil.com" }),
            |xml, _| xml.replace(">admin@x.com.evil.com<", ">admin@x.com<!---->.evil.com<"),
            "saml_name_id",
        ),
        "wrong_issuer" => (
            json!({ "issuer": "https://evil.example.test/entity" }),
            unchanged,
            "saml_issuer",
        ),
        "wrong_audience" => (
            json!({ "audience": "https://other-sp.example.test/" }),
            unchanged,
            "saml_audience",
        ),
        "wrong_destination" => (
            json!({ "destination": "https://other-sp.example.test/acs" }),
            unchanged,
            "saml_destination",
        ),
        "wrong_recipient" => (
            json!({ "recipient": "https://other-sp.example.test/acs" }),
            unchanged,
            "saml_recipient",
        ),
        "expired" => (
            json!({ "not_before_s": -900, "not_on_or_after_s": -600 }),
            unchanged,
            "saml_expired",
        ),
        "not_yet_valid" => (
            json!({ "not_before_s": 600, "not_on_or_after_s": 900 }),
            unchanged,
            "saml_not_yet_valid",
        ),
        "unknown_in_response_to" => (
            json!({ "in_response_to": "_never-issued-by-us" }),
            unchanged,
            "saml_in_response_to",
        ),
        "idp_failure_status" => (
            json!({ "status": "urn:oasis:names:tc:SAML:2.0:status:Requester" }),
            unchanged,
            "saml_status",
        ),
        "dtd_with_entity" => (
            json!({}),
            |xml, _| {
                format!(
                    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"alice@example.com\">]>{}",
                    xml.replace(">alice@example.com<", ">&e;<")
                )
            },
            "saml_dtd",
        ),
        "entity_expansion" => (
            json!({}),
            |_, _| {
                "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\
                 <samlp:Response>&lol2;</samlp:Response>"
                    .to_string()
            },
            "saml_dtd",
        ),
        "not_xml" => (json!({}), |_, _| "<samlp:Response".to_string(), "saml_malformed"),
        // Over the extension's cap (256 KiB of XML), under the host's body cap.
        "over_the_xml_cap" => (
            json!({}),
            |xml, _| {
                xml.replacen(
                    "<saml:Issuer>",
                    &format!("<!--{}--><saml:Issuer>", "p".repeat(300 * 1024)),
                    1,
                )
            },
            "saml_too_large",
        ),
        other => panic!("no attack {other}"),
    };
    Attack { changes, edit, code }
}

/// Make the attack `name` against a fresh server and assert its own refusal.
async fn attack(s: Server, name: &str) {
    let idp = Idp::new();
    enable(&s, settings(&idp, "SHA256")).await;
    agent(&s, "alice", "alice@example.com").await;
    agent(&s, "bob", "bob@example.com").await;
    agent(&s, "admin", "admin@x.com").await;
    let Attack { changes, edit, code } = attack_case(name);
    let request = issue_request(&s, "/").await;
    let mut spec = with(spec(&s, &idp, "alice@example.com", Some(&request)), changes);
    if spec["key"] == json!("other") {
        spec["key"] = json!(idp.key("other"));
    }
    let signed = &idp.sign(std::slice::from_ref(&spec))[0];
    let posted = edit(signed, &spec);
    if name != "unsigned"
        && !name.starts_with("wrong_")
        && !std::ptr::fn_addr_eq(edit, unchanged as fn(&str, &Value) -> String)
    {
        assert_ne!(&posted, signed, "{name}: the attack changed nothing");
    }
    assert_refused(&post_xml(&s, &posted, None).await, code, name);
    // Nobody was logged in, and the request is still pending: the refusal used nothing up.
    let valid = &idp.sign(&[spec_for(&s, &idp, &request)])[0];
    assert_logged_in(
        &post_xml(&s, valid, None).await,
        "/",
        "the genuine response after the attack",
    );
}

macro_rules! attacks {
    ($($name:ident),+ $(,)?) => {
        $(
            async fn $name(s: Server) {
                attack(s, stringify!($name)).await
            }
        )+
        exthost_tests::both_backends!($($name with capturing),+);
    };
}

attacks!(
    unsigned,
    signed_by_another_key,
    name_id_tampered_after_signing,
    both_signed_assertion_tampered,
    wrapping_unsigned_assertion_before,
    wrapping_unsigned_assertion_after,
    wrapping_unsigned_assertion_inside,
    wrapping_signed_assertion_under_extensions,
    wrapping_signed_response_under_extensions,
    wrapping_signed_assertion_under_object,
    duplicate_ids,
    comment_injected_in_name_id,
    wrong_issuer,
    wrong_audience,
    wrong_destination,
    wrong_recipient,
    expired,
    not_yet_valid,
    unknown_in_response_to,
    idp_failure_status,
    dtd_with_entity,
    entity_expansion,
    not_xml,
    over_the_xml_cap,
);
