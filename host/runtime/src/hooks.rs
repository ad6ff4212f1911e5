//! The four hooks and the discovery of which ones a component exports. The host
//! never trusts a list from the extension: it reads the component's own exports.

use std::fmt;

/// The package version this host speaks.
pub const CONTRACT_PACKAGE: &str = "exthost:plugin";
pub const CONTRACT_VERSION: &str = "0.1.0";

/// A hook an extension may export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hook {
    OnMessage,
    OnLogin,
    OnPurgeTick,
    OnRequest,
}

impl Hook {
    pub const ALL: [Hook; 4] = [Hook::OnMessage, Hook::OnLogin, Hook::OnPurgeTick, Hook::OnRequest];

    /// The WIT interface name, e.g. `on-request`.
    pub fn name(self) -> &'static str {
        match self {
            Hook::OnMessage => "on-message",
            Hook::OnLogin => "on-login",
            Hook::OnPurgeTick => "on-purge-tick",
            Hook::OnRequest => "on-request",
        }
    }

    /// The fully qualified export name, e.g. `exthost:plugin/on-request@0.1.0`.
    pub fn export_name(self) -> &'static str {
        match self {
            Hook::OnMessage => "exthost:plugin/on-message@0.1.0",
            Hook::OnLogin => "exthost:plugin/on-login@0.1.0",
            Hook::OnPurgeTick => "exthost:plugin/on-purge-tick@0.1.0",
            Hook::OnRequest => "exthost:plugin/on-request@0.1.0",
        }
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The export every extension must have.
pub const METADATA_EXPORT: &str = "exthost:plugin/metadata@0.1.0";

/// The set of hooks a component exports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookSet(u8);

impl HookSet {
    fn bit(hook: Hook) -> u8 {
        1 << Hook::ALL.iter().position(|h| *h == hook).unwrap_or(0)
    }

    pub fn insert(&mut self, hook: Hook) {
        self.0 |= Self::bit(hook);
    }

    pub fn contains(self, hook: Hook) -> bool {
        self.0 & Self::bit(hook) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Hook> {
        Hook::ALL.into_iter().filter(move |h| self.contains(*h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_follow_the_package_version() {
        for hook in Hook::ALL {
            assert_eq!(
                hook.export_name(),
                format!("{CONTRACT_PACKAGE}/{}@{CONTRACT_VERSION}", hook.name())
            );
        }
        assert_eq!(
            METADATA_EXPORT,
            format!("{CONTRACT_PACKAGE}/metadata@{CONTRACT_VERSION}")
        );
    }

    #[test]
    fn hook_set_holds_each_hook() {
        let mut set = HookSet::default();
        set.insert(Hook::OnRequest);
        set.insert(Hook::OnLogin);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![Hook::OnLogin, Hook::OnRequest]);
        assert!(!set.contains(Hook::OnMessage));
    }
}
