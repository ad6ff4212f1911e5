//! Per-channel statistics and agents' presence/activity records: append-only series
//! the dashboard reads and the purge extension deletes past their retention.

use super::Store;
use super::codec::get;
use super::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    pub id: String,
    pub channel_id: String,
    pub name: String,
    pub value: f64,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentActivity {
    pub id: String,
    pub user_id: String,
    /// e.g. `login`, `away`, `reply`.
    pub kind: String,
    pub at: i64,
}

impl Store {
    pub async fn insert_stat(&self, tenant: &str, stat: &Stat) -> Result<()> {
        sqlx::query(
            "INSERT INTO stat (tenant, id, channel_id, name, value, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(&stat.id)
        .bind(&stat.channel_id)
        .bind(&stat.name)
        .bind(stat.value)
        .bind(stat.at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("stat"))?;
        Ok(())
    }

    /// The channel's statistics, oldest first.
    pub async fn list_stats(&self, tenant: &str, channel_id: &str) -> Result<Vec<Stat>> {
        let rows = sqlx::query(
            "SELECT id, channel_id, name, value, at FROM stat \
             WHERE tenant = $1 AND channel_id = $2 ORDER BY at, id",
        )
        .bind(tenant)
        .bind(channel_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Stat {
                    id: get(row, "id")?,
                    channel_id: get(row, "channel_id")?,
                    name: get(row, "name")?,
                    value: get(row, "value")?,
                    at: get(row, "at")?,
                })
            })
            .collect()
    }

    pub async fn insert_agent_activity(&self, tenant: &str, activity: &AgentActivity) -> Result<()> {
        sqlx::query("INSERT INTO agent_activity (tenant, id, user_id, kind, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant)
            .bind(&activity.id)
            .bind(&activity.user_id)
            .bind(&activity.kind)
            .bind(activity.at)
            .execute(&self.writer)
            .await
            .map_err(StoreError::on_insert("agent activity"))?;
        Ok(())
    }

    /// The user's activity records, oldest first.
    pub async fn list_agent_activities(&self, tenant: &str, user_id: &str) -> Result<Vec<AgentActivity>> {
        let rows = sqlx::query(
            "SELECT id, user_id, kind, at FROM agent_activity \
             WHERE tenant = $1 AND user_id = $2 ORDER BY at, id",
        )
        .bind(tenant)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AgentActivity {
                    id: get(row, "id")?,
                    user_id: get(row, "user_id")?,
                    kind: get(row, "kind")?,
                    at: get(row, "at")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::community::tests::{T, seed};
    use crate::store::testing::both_backends;
    use crate::store::users::tests::agent;

    async fn series_round_trip(store: Store) {
        seed(&store, T).await;
        store.insert_user(T, &agent("u1")).await.unwrap();
        // 3.0 checks SQLite hands a whole float back as a float, not an integer.
        for (id, value, at) in [("s2", 3.0, 20), ("s1", 0.25, 10)] {
            let stat = Stat {
                id: id.into(),
                channel_id: "ch1".into(),
                name: "response_time".into(),
                value,
                at,
            };
            store.insert_stat(T, &stat).await.unwrap();
        }
        let values: Vec<_> = store
            .list_stats(T, "ch1")
            .await
            .unwrap()
            .iter()
            .map(|s| s.value)
            .collect();
        assert_eq!(values, [0.25, 3.0]);
        assert!(store.list_stats("other", "ch1").await.unwrap().is_empty());

        let activity = AgentActivity {
            id: "a1".into(),
            user_id: "u1".into(),
            kind: "login".into(),
            at: 5,
        };
        store.insert_agent_activity(T, &activity).await.unwrap();
        assert_eq!(store.list_agent_activities(T, "u1").await.unwrap(), [activity]);
    }

    both_backends!(series_round_trip);
}
