//! Installed wasm components, addressed by the hash of their bytes so installing the
//! same build twice is one row. Built-ins live under the shared tenant `*` and are seen
//! by every tenant; a component a tenant's admin uploads is seen by that tenant only.
//! Listing leaves the bytes out: the admin page needs names, and only loading needs code.

use serde_json::Value;
use sqlx::any::AnyRow;

use super::Store;
use super::codec::{flag, get, get_flag, get_json, json_text};
use super::error::Result;

/// The tenant under which components visible to every tenant are kept.
pub const SHARED_TENANT: &str = "*";

/// A component's description, without its code.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentMeta {
    /// Hex digest of the bytes.
    pub id: String,
    /// The tenant it is stored under: the caller's own or [`SHARED_TENANT`].
    pub tenant: String,
    pub name: String,
    pub version: String,
    pub title: String,
    pub manifest: Value,
    pub builtin: bool,
    pub installed_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub meta: ComponentMeta,
    pub bytes: Vec<u8>,
}

impl ComponentMeta {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(ComponentMeta {
            id: get(row, "id")?,
            tenant: get(row, "tenant")?,
            name: get(row, "name")?,
            version: get(row, "version")?,
            title: get(row, "title")?,
            manifest: get_json(row, "component manifest", "manifest")?,
            builtin: get_flag(row, "builtin")?,
            installed_at: get(row, "installed_at")?,
        })
    }
}

const META_COLUMNS: &str = "id, tenant, name, version, title, manifest, builtin, installed_at";

impl Store {
    /// Stores the component under `tenant` (pass [`SHARED_TENANT`] for built-ins). The
    /// id is the content hash, so re-installing replaces only the description.
    pub async fn upsert_component(&self, tenant: &str, component: &Component) -> Result<()> {
        let meta = &component.meta;
        sqlx::query(
            "INSERT INTO component (tenant, id, name, version, title, manifest, bytes, builtin, \
             installed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, \
             version = excluded.version, title = excluded.title, manifest = excluded.manifest, \
             builtin = excluded.builtin, installed_at = excluded.installed_at",
        )
        .bind(tenant)
        .bind(&meta.id)
        .bind(&meta.name)
        .bind(&meta.version)
        .bind(&meta.title)
        .bind(json_text("component manifest", &meta.manifest)?)
        .bind(&component.bytes)
        .bind(flag(meta.builtin))
        .bind(meta.installed_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The components `tenant` may use (its own and the shared ones), by name and version.
    pub async fn list_components(&self, tenant: &str) -> Result<Vec<ComponentMeta>> {
        let sql = format!(
            "SELECT {META_COLUMNS} FROM component WHERE tenant = $1 OR tenant = $2 \
             ORDER BY name, version, tenant"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(SHARED_TENANT)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ComponentMeta::from_row).collect()
    }

    /// The component `id` with its bytes, if `tenant` may use it; the tenant's own copy
    /// wins over a shared one with the same hash (they hold the same bytes anyway).
    pub async fn get_component(&self, tenant: &str, id: &str) -> Result<Option<Component>> {
        let sql = format!(
            "SELECT {META_COLUMNS}, bytes FROM component \
             WHERE (tenant = $1 OR tenant = $2) AND id = $3 \
             ORDER BY CASE WHEN tenant = $1 THEN 0 ELSE 1 END LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(SHARED_TENANT)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Component {
                meta: ComponentMeta::from_row(&row)?,
                bytes: get(&row, "bytes")?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::testing::both_backends;

    pub(crate) fn component(id: &str, name: &str, bytes: &[u8]) -> Component {
        Component {
            meta: ComponentMeta {
                id: id.into(),
                tenant: SHARED_TENANT.into(),
                name: name.into(),
                version: "0.1.0".into(),
                title: format!("The {name} extension"),
                manifest: json!({ "hooks": ["on-message"], "grants": { "kv": true } }),
                builtin: true,
                installed_at: 7,
            },
            bytes: bytes.to_vec(),
        }
    }

    async fn upsert_list_get(store: Store) {
        // Bytes that would be mangled if stored as text: NUL, invalid UTF-8, digits.
        let wasm = [0u8, 0x61, 0x73, 0x6d, 0xff, 0xfe, b'1', b'2'];
        let ip = component("h1", "ip-filter", &wasm);
        store.upsert_component(SHARED_TENANT, &ip).await.unwrap();
        let mut own = component("h2", "custom", b"12345");
        own.meta.builtin = false;
        own.meta.tenant = "acme".into();
        store.upsert_component("acme", &own).await.unwrap();

        let listed = store.list_components("acme").await.unwrap();
        assert_eq!(listed, [own.meta.clone(), ip.meta.clone()]);
        let others = store.list_components("other").await.unwrap();
        assert_eq!(others, vec![ip.meta.clone()]);

        assert_eq!(store.get_component("acme", "h1").await.unwrap(), Some(ip.clone()));
        assert_eq!(store.get_component("acme", "h2").await.unwrap(), Some(own.clone()));
        assert_eq!(store.get_component("other", "h2").await.unwrap(), None);

        // Re-installing the same hash updates the description, keeps one row.
        let mut newer = ip.clone();
        newer.meta.title = "IP filtering".into();
        newer.meta.installed_at = 8;
        store.upsert_component(SHARED_TENANT, &newer).await.unwrap();
        assert_eq!(store.list_components("other").await.unwrap(), vec![newer.meta.clone()]);
        assert_eq!(store.get_component("other", "h1").await.unwrap(), Some(newer));
    }

    both_backends!(upsert_list_get);
}
