//! Enabled extensions: a tenant's configured uses of components, in the order the admin
//! page shows them and the host runs their hooks. Settings are JSON; secrets arrive
//! already encrypted and are stored as opaque bytes, so nothing here can leak them.

use serde_json::Value;
use sqlx::any::AnyRow;

use super::Store;
use super::codec::{flag, get, get_flag, get_json, json_text};
use super::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub id: String,
    pub component_id: String,
    pub settings: Value,
    /// Ciphertext of the secret settings; None until one is set.
    pub secrets: Option<Vec<u8>>,
    pub enabled: bool,
    /// This extension is the tenant's default authentication (at most one is).
    pub default_auth: bool,
    /// Lower runs first; ties are broken by creation.
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the admin's "Add" supplies; the store puts the extension last.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExtension {
    pub id: String,
    pub component_id: String,
    pub settings: Value,
    pub secrets: Option<Vec<u8>>,
    pub enabled: bool,
    /// See [`Extension::default_auth`]; a second one is a `Conflict`.
    pub default_auth: bool,
    pub now: i64,
}

impl Extension {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Extension {
            id: get(row, "id")?,
            component_id: get(row, "component_id")?,
            settings: get_json(row, "extension settings", "settings")?,
            secrets: get(row, "secrets")?,
            enabled: get_flag(row, "enabled")?,
            default_auth: get_flag(row, "default_auth")?,
            position: get(row, "position")?,
            created_at: get(row, "created_at")?,
            updated_at: get(row, "updated_at")?,
        })
    }
}

const SELECT_EXTENSION: &str = "SELECT id, component_id, settings, secrets, enabled, default_auth, \
     position, created_at, updated_at FROM extension WHERE tenant = $1";

impl Store {
    /// Adds the extension after the tenant's others and returns it as stored.
    pub async fn insert_extension(&self, tenant: &str, new: &NewExtension) -> Result<Extension> {
        // The position is computed inside the INSERT. Two admins adding at the same
        // instant on PostgreSQL may get equal positions; the listing orders ties by
        // creation, which is the order they were added in anyway.
        sqlx::query(
            "INSERT INTO extension (tenant, id, component_id, settings, secrets, enabled, \
             default_auth, position, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $8, COALESCE(MAX(position) + 1, 0), $7, $7 \
             FROM extension WHERE tenant = $1",
        )
        .bind(tenant)
        .bind(&new.id)
        .bind(&new.component_id)
        .bind(json_text("extension settings", &new.settings)?)
        .bind(&new.secrets)
        .bind(flag(new.enabled))
        .bind(new.now)
        .bind(flag(new.default_auth))
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("extension"))?;
        self.get_extension(tenant, &new.id)
            .await?
            .ok_or_else(|| StoreError::not_found("extension", &new.id))
    }

    /// Replaces settings, secrets, enabled, position and updated_at of the extension
    /// with `extension.id`; its component and creation time never change.
    pub async fn update_extension(&self, tenant: &str, extension: &Extension) -> Result<()> {
        let done = sqlx::query(
            "UPDATE extension SET settings = $3, secrets = $4, enabled = $5, position = $6, \
             updated_at = $7, default_auth = $8 WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(&extension.id)
        .bind(json_text("extension settings", &extension.settings)?)
        .bind(&extension.secrets)
        .bind(flag(extension.enabled))
        .bind(extension.position)
        .bind(extension.updated_at)
        .bind(flag(extension.default_auth))
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("default authentication"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("extension", &extension.id));
        }
        Ok(())
    }

    /// Deletes the extension and, through the schema, its key/value state. True if it
    /// existed.
    pub async fn delete_extension(&self, tenant: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM extension WHERE tenant = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn get_extension(&self, tenant: &str, id: &str) -> Result<Option<Extension>> {
        let sql = format!("{SELECT_EXTENSION} AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Extension::from_row).transpose()
    }

    /// The tenant's extensions, enabled or not, in running order.
    pub async fn list_extensions(&self, tenant: &str) -> Result<Vec<Extension>> {
        let sql = format!("{SELECT_EXTENSION} ORDER BY position, created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Extension::from_row).collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::testing::both_backends;

    const T: &str = "acme";

    pub(crate) fn new_extension(id: &str, now: i64) -> NewExtension {
        NewExtension {
            id: id.into(),
            component_id: "h1".into(),
            settings: json!({ "whitelisted_ips": "10.0.0.0/8\n192.168.1.1" }),
            secrets: None,
            enabled: true,
            default_auth: false,
            now,
        }
    }

    async fn insert_appends_in_order(store: Store) {
        let first = store.insert_extension(T, &new_extension("e1", 10)).await.unwrap();
        assert_eq!(first.position, 0);
        assert_eq!((first.created_at, first.updated_at), (10, 10));
        assert_eq!(first.settings["whitelisted_ips"], "10.0.0.0/8\n192.168.1.1");
        let second = store.insert_extension(T, &new_extension("e2", 11)).await.unwrap();
        assert_eq!(second.position, 1);
        // Positions are counted per tenant.
        let elsewhere = store.insert_extension("other", &new_extension("e1", 12)).await.unwrap();
        assert_eq!(elsewhere.position, 0);

        let ids: Vec<_> = store
            .list_extensions(T)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, ["e1", "e2"]);

        let dup = store.insert_extension(T, &new_extension("e1", 13)).await.unwrap_err();
        assert!(matches!(dup, StoreError::Conflict { what: "extension", .. }), "{dup:?}");
    }

    async fn update_reorders_and_stores_secrets(store: Store) {
        store.insert_extension(T, &new_extension("e1", 10)).await.unwrap();
        let mut e2 = store.insert_extension(T, &new_extension("e2", 11)).await.unwrap();
        e2.position = -1;
        e2.enabled = false;
        e2.settings = json!({ "region": "eu" });
        e2.secrets = Some(vec![0, 159, 146, 150, 255]);
        e2.updated_at = 20;
        store.update_extension(T, &e2).await.unwrap();

        let listed = store.list_extensions(T).await.unwrap();
        assert_eq!(listed[0], e2);
        assert_eq!(listed[1].id, "e1");
        assert_eq!(store.get_extension(T, "e2").await.unwrap(), Some(e2.clone()));

        e2.secrets = None;
        store.update_extension(T, &e2).await.unwrap();
        assert_eq!(store.get_extension(T, "e2").await.unwrap().unwrap().secrets, None);

        let missing = Extension {
            id: "nope".into(),
            ..e2.clone()
        };
        let err = store.update_extension(T, &missing).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { what: "extension", .. }), "{err:?}");
        let err = store.update_extension("other", &e2).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    }

    async fn delete(store: Store) {
        store.insert_extension(T, &new_extension("e1", 10)).await.unwrap();
        assert!(!store.delete_extension("other", "e1").await.unwrap());
        assert!(store.delete_extension(T, "e1").await.unwrap());
        assert!(!store.delete_extension(T, "e1").await.unwrap());
        assert_eq!(store.get_extension(T, "e1").await.unwrap(), None);
        assert!(store.list_extensions(T).await.unwrap().is_empty());
    }

    /// Two nodes saving a default authentication at once: the database refuses the second.
    async fn one_default_authentication_per_tenant(store: Store) {
        let first = NewExtension {
            default_auth: true,
            ..new_extension("e1", 10)
        };
        store.insert_extension(T, &first).await.unwrap();
        let second = NewExtension {
            default_auth: true,
            ..new_extension("e2", 11)
        };
        let err = store.insert_extension(T, &second).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        let mut third = store.insert_extension(T, &new_extension("e3", 12)).await.unwrap();
        third.default_auth = true;
        let err = store.update_extension(T, &third).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        // Another tenant has its own.
        store.insert_extension("other", &second).await.unwrap();
    }

    both_backends!(
        insert_appends_in_order,
        update_reorders_and_stores_secrets,
        delete,
        one_default_authentication_per_tenant
    );
}
