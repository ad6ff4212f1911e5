//! First start: create the admin account and an admin API token, and say once
//! how to use them. Only hashes are stored; the password and token are shown
//! this one time (or the token comes from configuration).

use crate::api::auth::token_hash;
use crate::secrets::{SecretError, random_bytes};
use crate::store::{Role, Session, Store, StoreError, User, new_id, now_ms};
use argon2::password_hash::{PasswordHasher, SaltString};

/// The admin account created on first start.
pub const ADMIN_EMAIL: &str = "admin@localhost";

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Random(#[from] SecretError),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// What the first start created, to print once.
pub struct FirstStart {
    pub email: String,
    pub password: String,
    /// None when the token came from configuration.
    pub token: Option<String>,
}

/// Hash a password for storage (Argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, BootstrapError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| BootstrapError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| BootstrapError::Hash(e.to_string()))
}

/// Make sure the admin exists and `configured_token` (if any) is accepted.
pub async fn ensure_admin(
    store: &Store,
    tenant: &str,
    configured_token: Option<&str>,
) -> Result<Option<FirstStart>, BootstrapError> {
    let existing = store.get_user_by_email(tenant, ADMIN_EMAIL).await?;
    let (admin_id, first) = match existing {
        Some(user) => (user.id, None),
        None => {
            let password = hex::encode(random_bytes::<12>()?);
            let user = User {
                id: new_id(),
                email: ADMIN_EMAIL.into(),
                name: "Administrator".into(),
                password_hash: Some(hash_password(&password)?),
                external_id: None,
                jwt_external_id: None,
                role: Role::Admin,
                created_at: now_ms(),
            };
            store.insert_user(tenant, &user).await?;
            (user.id, Some(password))
        }
    };
    let generated = match (configured_token, &first) {
        (None, Some(_)) => Some(hex::encode(random_bytes::<24>()?)),
        _ => None,
    };
    if let Some(token) = configured_token.or(generated.as_deref()) {
        let hash = token_hash(token);
        if store.get_session(tenant, &hash, now_ms()).await?.is_none() {
            let session = Session {
                token_hash: hash,
                user_id: admin_id,
                created_at: now_ms(),
                expires_at: i64::MAX,
            };
            store.insert_session(tenant, &session).await?;
        }
    }
    Ok(first.map(|password| FirstStart {
        email: ADMIN_EMAIL.into(),
        password,
        token: generated,
    }))
}
