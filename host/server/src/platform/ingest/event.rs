//! The contract's view of stored rows: the `message-event` an on-message hook
//! receives, built from the message, intervention and identity rows the store
//! returns. Kept apart so the mapping between the two vocabularies (signed
//! database timestamps, WIT's unsigned ones) lives in one place.

use crate::store;
use exthost_runtime::types::{Author, Identity, Intervention, Message, MessageEvent};

/// Database timestamps are signed; the contract's are not. Nothing stored is before 1970.
fn timestamp(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0)
}

fn identity(row: &store::Identity) -> Identity {
    Identity {
        id: row.id.clone(),
        group_id: row.group_id.clone(),
        community_id: row.community_id.clone(),
        screenname: row.screenname.clone(),
    }
}

fn message(row: &store::Message, author: Author) -> Message {
    Message {
        id: row.id.clone(),
        thread_id: row.thread_id.clone(),
        channel_id: row.channel_id.clone(),
        author,
        body: row.body.clone(),
        created_at: timestamp(row.created_at),
    }
}

/// A customer's message arrived, written by `customer`.
pub fn received(row: &store::Message, customer: &store::Identity) -> MessageEvent {
    MessageEvent::Received(message(row, Author::Customer(identity(customer))))
}

/// An agent replied.
pub fn replied(row: &store::Message, agent_id: &str) -> MessageEvent {
    MessageEvent::Replied(message(row, Author::Agent(agent_id.into())))
}

/// The survey trigger: an intervention just closed, on `channel_id`, with `customer`.
pub fn intervention_closed(row: &store::Intervention, channel_id: &str, customer: &store::Identity) -> MessageEvent {
    MessageEvent::InterventionClosed(Intervention {
        id: row.id.clone(),
        thread_id: row.thread_id.clone(),
        channel_id: channel_id.into(),
        customer: identity(customer),
        // An intervention closed from a queue has no agent; the contract wants a string.
        agent_id: row.user_id.clone().unwrap_or_default(),
        closed_at: timestamp(row.closed_at.unwrap_or_default()),
    })
}
