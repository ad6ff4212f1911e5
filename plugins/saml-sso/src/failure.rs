//! Why a SAML response is refused: a stable reason code (shown on the login
//! page as `error=<code>`, one per check so an admin and a test can tell which
//! check failed) and a detail for the DEBUG page and the log. Details name the
//! check and the values the IdP sent, never a key.

/// A failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub code: &'static str,
    pub detail: String,
}

/// A [`Failed`] with this code and detail.
pub fn fail(code: &'static str, detail: impl Into<String>) -> Failed {
    Failed {
        code,
        detail: detail.into(),
    }
}

/// No SAMLResponse parameter.
pub const MISSING: &str = "saml_missing";
/// The response is larger than the cap.
pub const TOO_LARGE: &str = "saml_too_large";
/// Not base64, not UTF-8, not well-formed XML, not a SAML Response.
pub const MALFORMED: &str = "saml_malformed";
/// A DTD or entity declaration.
pub const DTD: &str = "saml_dtd";
/// Neither the Response nor the Assertion is signed.
pub const UNSIGNED: &str = "saml_unsigned";
/// A structure signature wrapping uses: several assertions, duplicate IDs, a
/// signature or assertion out of place, a reference to another element.
pub const WRAPPING: &str = "saml_wrapping";
/// The signing certificate is not the configured one.
pub const FINGERPRINT: &str = "saml_fingerprint";
/// The signed element changed after signing.
pub const DIGEST: &str = "saml_digest";
/// The signature is malformed, of an unsupported kind, or does not verify.
pub const SIGNATURE: &str = "saml_signature";
/// The IdP said the login failed.
pub const STATUS: &str = "saml_status";
pub const ISSUER: &str = "saml_issuer";
pub const AUDIENCE: &str = "saml_audience";
pub const DESTINATION: &str = "saml_destination";
pub const RECIPIENT: &str = "saml_recipient";
/// NotOnOrAfter has passed.
pub const EXPIRED: &str = "saml_expired";
/// NotBefore is still ahead.
pub const NOT_YET_VALID: &str = "saml_not_yet_valid";
/// InResponseTo names no request of ours, or is missing while IdP-initiated login is off.
pub const IN_RESPONSE_TO: &str = "saml_in_response_to";
/// The assertion was already used.
pub const REPLAY: &str = "saml_replay";
/// The NameID (or the matched attribute) is missing, empty, or has comments or elements inside.
pub const NAME_ID: &str = "saml_name_id";
/// The configured attribute is not in the assertion.
pub const MISSING_ATTRIBUTE: &str = "saml_missing_attribute";
