//! The `messages` import: post into threads and resolve held messages, for the
//! survey and moderation extensions. The runtime checks the grant.

use super::{CallScope, HostState};
use crate::bindings::exthost::plugin::messages::Host;
use crate::bindings::types::{HostError, Message};

/// The embedder's threads and messages.
pub trait MessageStore: Send + Sync {
    fn post_reply(&self, scope: &CallScope, thread_id: &str, body: &str) -> Result<String, HostError>;
    fn list_held(&self, scope: &CallScope, channel_ids: &[String], limit: u32) -> Result<Vec<Message>, HostError>;
    fn resolve_held(
        &self,
        scope: &CallScope,
        message_id: &str,
        approve: bool,
        reason: Option<&str>,
    ) -> Result<(), HostError>;
}

impl HostState {
    fn messages(&self) -> Result<&dyn MessageStore, HostError> {
        match (&self.services.messages, self.grants.messages) {
            (Some(store), true) => Ok(store.as_ref()),
            _ => Err(HostError::Denied("the messages capability is not granted".into())),
        }
    }
}

impl Host for HostState {
    fn post_reply(&mut self, thread_id: String, body: String) -> Result<String, HostError> {
        self.messages()?.post_reply(&self.scope, &thread_id, &body)
    }

    fn list_held(&mut self, channel_ids: Vec<String>, limit: u32) -> Result<Vec<Message>, HostError> {
        self.messages()?.list_held(&self.scope, &channel_ids, limit)
    }

    fn resolve_held(&mut self, message_id: String, approve: bool, reason: Option<String>) -> Result<(), HostError> {
        self.messages()?
            .resolve_held(&self.scope, &message_id, approve, reason.as_deref())
    }
}
