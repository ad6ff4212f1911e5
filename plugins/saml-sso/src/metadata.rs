//! The SP metadata the identity provider's admin loads: the entity ID (the
//! metadata URL), the assertion consumer service (HTTP-POST), the name
//! identifier format, and, when requests are signed, the signing certificate.

use crate::settings::{Settings, SpUrls};
use crate::xmltext::escape;
use base64::Engine;

/// The metadata document; `cert_der` is the SP certificate when requests are signed.
pub fn document(settings: &Settings, urls: &SpUrls, cert_der: Option<&[u8]>) -> String {
    let key = cert_der
        .map(|der| {
            format!(
                "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\
                 <ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
                base64::engine::general_purpose::STANDARD.encode(der)
            )
        })
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{}\">\
         <md:SPSSODescriptor AuthnRequestsSigned=\"{}\" WantAssertionsSigned=\"true\" \
         protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">{key}\
         <md:NameIDFormat>{}</md:NameIDFormat>\
         <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" \
         Location=\"{}\" index=\"0\" isDefault=\"true\"/>\
         </md:SPSSODescriptor></md:EntityDescriptor>\n",
        escape(&urls.entity_id),
        cert_der.is_some(),
        escape(&settings.name_id_format),
        escape(&urls.acs),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_acs_and_the_certificate_when_signing() {
        let settings = Settings::from_config(
            r#"{"issuer": "i", "target_url": "https://idp.test/",
                "certificate_fingerprint": "0000000000000000000000000000000000000000000000000000000000000000"}"#,
        )
        .unwrap();
        let urls = SpUrls::new("https://acme.test");
        let plain = document(&settings, &urls, None);
        let doc = roxmltree::Document::parse(&plain).unwrap();
        let root = doc.root_element();
        assert_eq!(
            root.attribute("entityID"),
            Some("https://acme.test/users/auth/saml/metadata")
        );
        let acs = doc
            .descendants()
            .find(|n| n.has_tag_name("AssertionConsumerService"))
            .unwrap();
        assert_eq!(
            acs.attribute("Location"),
            Some("https://acme.test/users/auth/saml/callback")
        );
        assert!(!plain.contains("X509Certificate") && plain.contains("AuthnRequestsSigned=\"false\""));
        let signed = document(&settings, &urls, Some(b"cert"));
        assert!(signed.contains("<ds:X509Certificate>Y2VydA==</ds:X509Certificate>"));
        assert!(signed.contains("AuthnRequestsSigned=\"true\""));
    }
}
