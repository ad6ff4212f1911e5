//! At most one SSO extension may be the default authentication (the one that
//! receives visitors who are not logged in). The rule is generic, by a settings
//! convention every SSO extension follows: an enabled extension that exports
//! on-login and whose settings have `used_as_default_authentication: true`
//! holds the role. A second one is refused, naming the holder.

use exthost_runtime::{FieldError, Hook, HookSet};
use serde_json::Value;

/// The settings field, by convention, that makes an SSO extension the default authentication.
pub const FIELD: &str = "used_as_default_authentication";

/// Whether an extension with these hooks and public settings, if enabled, claims the role.
pub fn claims(hooks: HookSet, settings: &Value) -> bool {
    hooks.contains(Hook::OnLogin) && settings.get(FIELD).and_then(Value::as_bool) == Some(true)
}

/// An enabled extension that may hold the role.
pub struct Holder<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub claims: bool,
}

/// Refuse `candidate` claiming the role while another extension holds it.
pub fn check<'a>(candidate: &str, others: impl IntoIterator<Item = Holder<'a>>) -> Result<(), FieldError> {
    match others.into_iter().find(|h| h.claims && h.id != candidate) {
        Some(holder) => Err(FieldError {
            field: FIELD.into(),
            message: format!(
                "`{}` (extension {}) is already the default authentication; only one SSO extension can be",
                holder.name, holder.id
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_login_extensions_with_the_flag_claim() {
        let mut sso = HookSet::default();
        sso.insert(Hook::OnLogin);
        assert!(claims(sso, &json!({ FIELD: true })));
        assert!(!claims(sso, &json!({ FIELD: false })));
        assert!(!claims(sso, &json!({})));
        assert!(!claims(HookSet::default(), &json!({ FIELD: true })));
    }

    #[test]
    fn a_second_holder_is_refused_by_name() {
        let holders = || {
            vec![
                Holder {
                    id: "a",
                    name: "jwt-sso",
                    claims: true,
                },
                Holder {
                    id: "b",
                    name: "ip-filter",
                    claims: false,
                },
            ]
        };
        let err = check("b", holders()).unwrap_err();
        assert_eq!(err.field, FIELD);
        assert!(err.message.contains("jwt-sso") && err.message.contains('a'));
        // The holder itself may save its settings again.
        assert!(check("a", holders()).is_ok());
    }
}
