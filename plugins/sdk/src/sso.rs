//! What a single sign-on extension decides about a login attempt, in plain
//! Rust so the decision can be unit-tested natively; the extension turns it
//! into the contract's `login-decision` in its on-login hook.

/// A refused attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// A stable reason, e.g. `token_expired`.
    pub code: String,
    /// What exactly was wrong, for the DEBUG page and logs; never a secret.
    pub detail: String,
    /// Where to send the browser, or none for the platform's login page.
    pub redirect_to: Option<String>,
    /// Show `detail` to the user (DEBUG mode).
    pub show_detail: bool,
}

/// The extension's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Not this extension's attempt.
    Pass,
    /// Log in the agent that `external_id` names.
    Accept {
        external_id: String,
        return_to: Option<String>,
    },
    Refuse(Refusal),
}
