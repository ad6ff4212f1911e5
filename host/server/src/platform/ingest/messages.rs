//! Posting a message: the author is resolved first (a customer's identity is
//! created in the channel's community on first use; an agent must exist), the
//! message is stored, and only then do the on-message hooks run, as
//! `received` for a customer and `replied` for an agent.

use super::{IngestError, Result, apply, event, not_found, run_hooks};
use crate::state::AppState;
use crate::store::{self, Channel, Identity, IdentityGroup, NewMessage, StoreError, new_id, now_ms};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A message to post. Without `thread_id` a new thread is opened.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    pub channel_id: String,
    pub thread_id: Option<String>,
    pub author: NewAuthor,
    pub body: String,
}

/// Who writes: a customer (their identity is created on first use) or an agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum NewAuthor {
    Customer(NewCustomer),
    /// The agent's user id.
    Agent(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    pub identity_id: String,
    /// Used only when the identity is created; defaults to the identity id.
    pub screenname: Option<String>,
    /// Used only when the identity is created; the group is created if missing.
    pub group_id: Option<String>,
}

/// Store the message, run the on-message hooks, store what they decided.
pub async fn post_message(state: &AppState, post: PostMessage) -> Result<store::Message> {
    let tenant = state.registry.tenant();
    let channel = state
        .store
        .get_channel(tenant, &post.channel_id)
        .await?
        .ok_or_else(|| not_found("channel", &post.channel_id))?;
    let writer = writer(state, &channel, post.author).await?;
    let author = match &writer {
        Writer::Customer(identity) => store::Author::Customer(identity.id.clone()),
        Writer::Agent(user) => store::Author::Agent(user.clone()),
    };
    let new = NewMessage {
        id: new_id(),
        channel_id: channel.id,
        thread_id: post.thread_id,
        author,
        body: post.body,
        created_at: now_ms(),
        moderation: store::Moderation::None,
        annotations: Value::Object(Map::new()),
    };
    let mut message = state.store.post_message(tenant, &new).await?;
    let event = match &writer {
        Writer::Customer(identity) => event::received(&message, identity),
        Writer::Agent(user) => event::replied(&message, user),
    };
    let verdict = run_hooks(state, event).await;
    apply(state, &mut message, verdict).await;
    Ok(message)
}

/// The author, checked: the customer's identity row, or an agent that exists.
enum Writer {
    Customer(Identity),
    Agent(String),
}

async fn writer(state: &AppState, channel: &Channel, author: NewAuthor) -> Result<Writer> {
    match author {
        NewAuthor::Customer(c) => Ok(Writer::Customer(customer_identity(state, channel, &c).await?)),
        NewAuthor::Agent(user) => {
            state
                .store
                .get_user(state.registry.tenant(), &user)
                .await?
                .ok_or_else(|| not_found("agent", &user))?;
            Ok(Writer::Agent(user))
        }
    }
}

/// The identity `c` names, created in the channel's community on first use.
async fn customer_identity(state: &AppState, channel: &Channel, c: &NewCustomer) -> Result<Identity> {
    let tenant = state.registry.tenant();
    if c.identity_id.is_empty() {
        return Err(IngestError::Refused("`identity_id` must not be empty".into()));
    }
    if let Some(found) = state.store.get_identity(tenant, &c.identity_id).await? {
        return same_community(found, channel);
    }
    let now = now_ms();
    if let Some(group) = &c.group_id {
        let group = IdentityGroup {
            id: group.clone(),
            community_id: channel.community_id.clone(),
            created_at: now,
        };
        match state.store.insert_identity_group(tenant, &group).await {
            Ok(()) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let identity = Identity {
        id: c.identity_id.clone(),
        community_id: channel.community_id.clone(),
        group_id: c.group_id.clone(),
        screenname: c.screenname.clone().unwrap_or_else(|| c.identity_id.clone()),
        created_at: now,
    };
    match state.store.insert_identity(tenant, &identity).await {
        Ok(()) => Ok(identity),
        // Another first message of the same customer created it meanwhile.
        Err(StoreError::Conflict { .. }) => {
            let found = state.store.get_identity(tenant, &identity.id).await?;
            same_community(found.ok_or_else(|| not_found("identity", &identity.id))?, channel)
        }
        Err(e) => Err(e.into()),
    }
}

/// Identities are per community: one from elsewhere cannot write on this channel.
fn same_community(identity: Identity, channel: &Channel) -> Result<Identity> {
    if identity.community_id != channel.community_id {
        return Err(IngestError::Refused(format!(
            "identity `{}` belongs to another community than channel `{}`",
            identity.id, channel.id
        )));
    }
    Ok(identity)
}
