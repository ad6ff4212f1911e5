//! Agent users: the people who log in to the platform, as admins or agents. A user is
//! found by id, by email (password login), by `external_id` (SAML's name id or the
//! attribute an admin picked) or by `jwt_external_id` (the JWT SSO claim); each of
//! those is unique within a tenant.

use sqlx::any::AnyRow;

use super::Store;
use super::codec::get;
use super::error::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    fn parse(text: &str) -> Result<Role> {
        match text {
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            other => Err(StoreError::Corrupt {
                what: "user role",
                value: other.to_owned(),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// Stored as given: callers normalise case before inserting and looking up.
    pub email: String,
    pub name: String,
    /// None for users who can only log in through SSO.
    pub password_hash: Option<String>,
    pub external_id: Option<String>,
    pub jwt_external_id: Option<String>,
    pub role: Role,
    pub created_at: i64,
}

impl User {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(User {
            id: get(row, "id")?,
            email: get(row, "email")?,
            name: get(row, "name")?,
            password_hash: get(row, "password_hash")?,
            external_id: get(row, "external_id")?,
            jwt_external_id: get(row, "jwt_external_id")?,
            role: Role::parse(&get::<String>(row, "role")?)?,
            created_at: get(row, "created_at")?,
        })
    }
}

/// The columns `User::from_row` reads, in one place for the four lookups.
const SELECT_USER: &str = "SELECT id, email, name, password_hash, external_id, \
     jwt_external_id, role, created_at FROM agent_user WHERE tenant = $1";

impl Store {
    /// Fails with `Conflict` if the id, email, external_id or jwt_external_id is taken.
    pub async fn insert_user(&self, tenant: &str, user: &User) -> Result<()> {
        sqlx::query(
            "INSERT INTO agent_user (tenant, id, email, name, password_hash, external_id, \
             jwt_external_id, role, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(tenant)
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(&user.external_id)
        .bind(&user.jwt_external_id)
        .bind(user.role.as_str())
        .bind(user.created_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("user"))?;
        Ok(())
    }

    pub async fn get_user(&self, tenant: &str, id: &str) -> Result<Option<User>> {
        self.find_user(tenant, "id", id).await
    }

    pub async fn get_user_by_email(&self, tenant: &str, email: &str) -> Result<Option<User>> {
        self.find_user(tenant, "email", email).await
    }

    pub async fn get_user_by_external_id(&self, tenant: &str, external_id: &str) -> Result<Option<User>> {
        self.find_user(tenant, "external_id", external_id).await
    }

    pub async fn get_user_by_jwt_external_id(&self, tenant: &str, jwt_external_id: &str) -> Result<Option<User>> {
        self.find_user(tenant, "jwt_external_id", jwt_external_id).await
    }

    /// The user of the live session with this token hash at `now`, if any:
    /// the session and its user in one read, which every authenticated
    /// request makes.
    pub async fn get_user_by_session(&self, tenant: &str, token_hash: &str, now: i64) -> Result<Option<User>> {
        let sql = format!(
            "{SELECT_USER} AND id = (SELECT s.user_id FROM session s \
             WHERE s.tenant = $1 AND s.token_hash = $2 AND s.expires_at > $3)"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(User::from_row).transpose()
    }

    /// `column` is always one of the literals above, never caller input.
    async fn find_user(&self, tenant: &str, column: &'static str, value: &str) -> Result<Option<User>> {
        let sql = format!("{SELECT_USER} AND {column} = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(User::from_row).transpose()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::testing::both_backends;

    const T: &str = "acme";

    pub(crate) fn agent(id: &str) -> User {
        User {
            id: id.into(),
            email: format!("{id}@example.com"),
            name: format!("Agent {id}"),
            password_hash: None,
            external_id: None,
            jwt_external_id: None,
            role: Role::Agent,
            created_at: 5,
        }
    }

    async fn lookups(store: Store) {
        let admin = User {
            password_hash: Some("$argon2id$...".into()),
            external_id: Some("saml-7".into()),
            jwt_external_id: Some("jwt-7".into()),
            role: Role::Admin,
            ..agent("u1")
        };
        store.insert_user(T, &admin).await.unwrap();
        store.insert_user(T, &agent("u2")).await.unwrap();

        assert_eq!(store.get_user(T, "u1").await.unwrap().as_ref(), Some(&admin));
        assert_eq!(
            store.get_user_by_email(T, "u1@example.com").await.unwrap().as_ref(),
            Some(&admin)
        );
        assert_eq!(
            store.get_user_by_external_id(T, "saml-7").await.unwrap().as_ref(),
            Some(&admin)
        );
        assert_eq!(
            store.get_user_by_jwt_external_id(T, "jwt-7").await.unwrap().as_ref(),
            Some(&admin)
        );
        let u2 = store.get_user(T, "u2").await.unwrap().unwrap();
        assert_eq!(u2.role, Role::Agent);
        assert_eq!(u2.password_hash, None);
        assert!(store.get_user_by_jwt_external_id(T, "nobody").await.unwrap().is_none());
        assert!(store.get_user("other", "u1").await.unwrap().is_none());
        assert!(
            store
                .get_user_by_email("other", "u1@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }

    async fn unique_keys_conflict(store: Store) {
        let first = User {
            jwt_external_id: Some("j".into()),
            ..agent("u1")
        };
        store.insert_user(T, &first).await.unwrap();
        for clash in [
            agent("u1"),
            User {
                email: "u1@example.com".into(),
                ..agent("u3")
            },
            User {
                jwt_external_id: Some("j".into()),
                ..agent("u4")
            },
        ] {
            let err = store.insert_user(T, &clash).await.unwrap_err();
            assert!(matches!(err, StoreError::Conflict { what: "user", .. }), "{err:?}");
        }
        // Several SSO-less users may leave the external ids empty.
        store.insert_user(T, &agent("u5")).await.unwrap();
        store.insert_user(T, &agent("u6")).await.unwrap();
        // Another tenant may reuse everything.
        store.insert_user("other", &first).await.unwrap();
    }

    both_backends!(lookups, unique_keys_conflict);
}
