//! Communities and what hangs off them: channels (Engage's sources), identity groups
//! and customer identities. An identity belongs to a community rather than a channel,
//! which is how one customer is recognised across the channels of one community.

use sqlx::any::AnyRow;

use super::Store;
use super::codec::get;
use super::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub community_id: String,
    pub name: String,
    /// The source type, e.g. `chat`, `email`, `facebook`.
    pub kind: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityGroup {
    pub id: String,
    pub community_id: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id: String,
    pub community_id: String,
    pub group_id: Option<String>,
    pub screenname: String,
    pub created_at: i64,
}

impl Channel {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Channel {
            id: get(row, "id")?,
            community_id: get(row, "community_id")?,
            name: get(row, "name")?,
            kind: get(row, "kind")?,
            created_at: get(row, "created_at")?,
        })
    }
}

impl Identity {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Identity {
            id: get(row, "id")?,
            community_id: get(row, "community_id")?,
            group_id: get(row, "group_id")?,
            screenname: get(row, "screenname")?,
            created_at: get(row, "created_at")?,
        })
    }
}

impl Store {
    pub async fn insert_community(&self, tenant: &str, community: &Community) -> Result<()> {
        sqlx::query("INSERT INTO community (tenant, id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(&community.id)
            .bind(&community.name)
            .bind(community.created_at)
            .execute(&self.writer)
            .await
            .map_err(StoreError::on_insert("community"))?;
        Ok(())
    }

    pub async fn get_community(&self, tenant: &str, id: &str) -> Result<Option<Community>> {
        let row = sqlx::query("SELECT id, name, created_at FROM community WHERE tenant = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Community {
                id: get(&row, "id")?,
                name: get(&row, "name")?,
                created_at: get(&row, "created_at")?,
            })
        })
        .transpose()
    }

    pub async fn insert_channel(&self, tenant: &str, channel: &Channel) -> Result<()> {
        sqlx::query(
            "INSERT INTO channel (tenant, id, community_id, name, kind, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(&channel.id)
        .bind(&channel.community_id)
        .bind(&channel.name)
        .bind(&channel.kind)
        .bind(channel.created_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("channel"))?;
        Ok(())
    }

    pub async fn get_channel(&self, tenant: &str, id: &str) -> Result<Option<Channel>> {
        let row = sqlx::query(
            "SELECT id, community_id, name, kind, created_at FROM channel \
             WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Channel::from_row).transpose()
    }

    /// Every channel of the tenant, by name: the choices of a "Channels" setting.
    pub async fn list_channels(&self, tenant: &str) -> Result<Vec<Channel>> {
        let rows = sqlx::query(
            "SELECT id, community_id, name, kind, created_at FROM channel \
             WHERE tenant = $1 ORDER BY name, id",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Channel::from_row).collect()
    }

    pub async fn insert_identity_group(&self, tenant: &str, group: &IdentityGroup) -> Result<()> {
        sqlx::query(
            "INSERT INTO identity_group (tenant, id, community_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant)
        .bind(&group.id)
        .bind(&group.community_id)
        .bind(group.created_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("identity group"))?;
        Ok(())
    }

    pub async fn insert_identity(&self, tenant: &str, identity: &Identity) -> Result<()> {
        sqlx::query(
            "INSERT INTO identity (tenant, id, community_id, group_id, screenname, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(&identity.id)
        .bind(&identity.community_id)
        .bind(&identity.group_id)
        .bind(&identity.screenname)
        .bind(identity.created_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("identity"))?;
        Ok(())
    }

    pub async fn get_identity(&self, tenant: &str, id: &str) -> Result<Option<Identity>> {
        let row = sqlx::query(
            "SELECT id, community_id, group_id, screenname, created_at FROM identity \
             WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Identity::from_row).transpose()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::testing::both_backends;

    pub(crate) const T: &str = "acme";

    /// A community with one channel, one grouped identity and one agent: the smallest
    /// world a message can be posted in. Other modules' tests build on it.
    pub(crate) async fn seed(store: &Store, tenant: &str) {
        store
            .insert_community(
                tenant,
                &Community {
                    id: "c1".into(),
                    name: "Main".into(),
                    created_at: 1,
                },
            )
            .await
            .unwrap();
        for (id, name) in [("ch1", "Web chat"), ("ch2", "Email")] {
            store
                .insert_channel(
                    tenant,
                    &Channel {
                        id: id.into(),
                        community_id: "c1".into(),
                        name: name.into(),
                        kind: "chat".into(),
                        created_at: 1,
                    },
                )
                .await
                .unwrap();
        }
        store
            .insert_identity_group(
                tenant,
                &IdentityGroup {
                    id: "g1".into(),
                    community_id: "c1".into(),
                    created_at: 1,
                },
            )
            .await
            .unwrap();
        store
            .insert_identity(
                tenant,
                &Identity {
                    id: "i1".into(),
                    community_id: "c1".into(),
                    group_id: Some("g1".into()),
                    screenname: "alice".into(),
                    created_at: 1,
                },
            )
            .await
            .unwrap();
    }

    async fn round_trip(store: Store) {
        seed(&store, T).await;
        let community = store.get_community(T, "c1").await.unwrap().unwrap();
        assert_eq!(community.name, "Main");
        let channel = store.get_channel(T, "ch1").await.unwrap().unwrap();
        assert_eq!(channel.community_id, "c1");
        let names: Vec<_> = store
            .list_channels(T)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Email", "Web chat"]);
        let identity = store.get_identity(T, "i1").await.unwrap().unwrap();
        assert_eq!(identity.group_id.as_deref(), Some("g1"));
        assert_eq!(identity.screenname, "alice");
    }

    async fn tenants_do_not_see_each_other(store: Store) {
        seed(&store, T).await;
        assert!(store.get_channel("other", "ch1").await.unwrap().is_none());
        assert!(store.list_channels("other").await.unwrap().is_empty());
        // The same ids are free in another tenant.
        seed(&store, "other").await;
    }

    async fn references_are_enforced(store: Store) {
        seed(&store, T).await;
        let orphan = Channel {
            id: "ch9".into(),
            community_id: "nope".into(),
            name: "x".into(),
            kind: "chat".into(),
            created_at: 1,
        };
        assert!(store.insert_channel(T, &orphan).await.is_err());
        // A community id of another tenant does not count either.
        assert!(
            store
                .insert_channel(
                    "other",
                    &Channel {
                        community_id: "c1".into(),
                        ..orphan
                    }
                )
                .await
                .is_err()
        );
        let dup = store
            .insert_community(
                T,
                &Community {
                    id: "c1".into(),
                    name: "again".into(),
                    created_at: 2,
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(dup, StoreError::Conflict { .. }), "{dup:?}");
    }

    both_backends!(round_trip, tenants_do_not_see_each_other, references_are_enforced);
}
