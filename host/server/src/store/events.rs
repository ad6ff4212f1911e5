//! The admin audit log: one row per administrative act (`extension.created`,
//! `extension.quarantined`, `purge.run`, ...), read newest first and filtered by a
//! prefix of the dotted name, which is how the admin page narrows it to one area.

use serde_json::Value;
use sqlx::any::AnyRow;

use super::Store;
use super::codec::{get, get_json, json_text};
use super::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub name: String,
    /// The user id who acted; None for the platform itself (a tick, a quarantine).
    pub actor: Option<String>,
    pub payload: Value,
    pub created_at: i64,
}

impl Event {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Event {
            id: get(row, "id")?,
            name: get(row, "name")?,
            actor: get(row, "actor")?,
            payload: get_json(row, "event payload", "payload")?,
            created_at: get(row, "created_at")?,
        })
    }
}

impl Store {
    pub async fn insert_event(&self, tenant: &str, event: &Event) -> Result<()> {
        sqlx::query(
            "INSERT INTO event (tenant, id, name, actor, payload, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(&event.id)
        .bind(&event.name)
        .bind(&event.actor)
        .bind(json_text("event payload", &event.payload)?)
        .bind(event.created_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("event"))?;
        Ok(())
    }

    /// At most `limit` events, newest first, only those whose name starts with
    /// `name_prefix` if one is given.
    pub async fn list_events(&self, tenant: &str, name_prefix: Option<&str>, limit: u32) -> Result<Vec<Event>> {
        // A plain prefix comparison rather than LIKE: LIKE is case-insensitive on
        // SQLite and case-sensitive on PostgreSQL, and would need `%`/`_` escaped.
        let rows = sqlx::query(
            "SELECT id, name, actor, payload, created_at FROM event \
             WHERE tenant = $1 AND ($2 = '' OR substr(name, 1, length($2)) = $2) \
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(tenant)
        .bind(name_prefix.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Event::from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::testing::both_backends;

    const T: &str = "acme";

    fn event(id: &str, name: &str, at: i64) -> Event {
        Event {
            id: id.into(),
            name: name.into(),
            actor: Some("u1".into()),
            payload: json!({ "extension": "e1", "n": at }),
            created_at: at,
        }
    }

    async fn newest_first_with_prefix(store: Store) {
        store
            .insert_event(T, &event("a", "extension.created", 10))
            .await
            .unwrap();
        store.insert_event(T, &event("b", "purge.run", 20)).await.unwrap();
        store
            .insert_event(T, &event("c", "extension.deleted", 30))
            .await
            .unwrap();
        store
            .insert_event(
                T,
                &Event {
                    actor: None,
                    ..event("d", "Extension.odd_case", 40)
                },
            )
            .await
            .unwrap();
        store
            .insert_event("other", &event("e", "extension.created", 50))
            .await
            .unwrap();

        let all = store.list_events(T, None, 100).await.unwrap();
        let ids: Vec<_> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["d", "c", "b", "a"]);
        assert_eq!(all[3], event("a", "extension.created", 10));
        assert_eq!(all[0].actor, None);

        let ext = store.list_events(T, Some("extension."), 100).await.unwrap();
        let ids: Vec<_> = ext.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["c", "a"]);

        let limited = store.list_events(T, None, 2).await.unwrap();
        assert_eq!(limited.len(), 2);
        // `_` and `%` are literal characters of the prefix, not patterns.
        assert!(store.list_events(T, Some("extension_"), 100).await.unwrap().is_empty());
        assert!(store.list_events(T, Some("%"), 100).await.unwrap().is_empty());
    }

    both_backends!(newest_first_with_prefix);
}
