//! The keys that sign access tokens. The newest active key signs; every active key is published
//! (`GetSigningKeys`) so tokens signed just before a rotation still verify. A key older than the
//! maximum age is replaced, and retired once it is twice that age.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use anyhow::Context as _;
use bazaar_platform::{
    auth::{SigningKey, TokenVerifier},
    db::Db,
};

use crate::store::{self, KeyRow};

/// The signing keys of this identity service.
#[derive(Debug, Clone)]
pub struct Keys {
    current: Arc<RwLock<(SigningKey, i64)>>,
    verifier: TokenVerifier,
}

impl Keys {
    /// Loads the active keys, creating the first one on a fresh database.
    ///
    /// # Errors
    /// When the database fails or a stored key is corrupt.
    pub async fn load_or_create(db: &Db) -> anyhow::Result<Self> {
        let mut rows = store::active_keys(db).await?;
        if rows.is_empty() {
            rows.push(create(db).await?);
        }
        let newest = &rows[0];
        let current = SigningKey::from_pkcs8(newest.kid.clone(), newest.pkcs8.clone())?;
        let verifier = TokenVerifier::with_keys(
            rows.iter().map(|row| (row.kid.clone(), row.public_key.clone())),
        );
        Ok(Self { current: Arc::new(RwLock::new((current, newest.created_at))), verifier })
    }

    /// Returns the key that signs new tokens.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn current(&self) -> anyhow::Result<SigningKey> {
        self.current
            .read()
            .map(|guard| guard.0.clone())
            .map_err(|_| anyhow::anyhow!("signing key lock poisoned"))
    }

    /// Returns the verifier that knows every active key.
    pub fn verifier(&self) -> &TokenVerifier {
        &self.verifier
    }

    /// Re-reads the active keys (another replica may have rotated), rotates when the newest key
    /// is older than `max_age`, and retires keys older than twice that.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn refresh(&self, db: &Db, max_age: Duration) -> anyhow::Result<()> {
        let now = bazaar_types::now_ms();
        let max_age_ms = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX / 4);
        let mut rows = store::active_keys(db).await?;
        if rows.first().is_none_or(|newest| newest.created_at < now - max_age_ms) {
            let row = create(db).await?;
            tracing::info!(kid = %row.kid, "rotated the token signing key");
            rows.insert(0, row);
        }
        for row in &rows {
            self.verifier.insert_key(row.kid.clone(), &row.public_key);
        }
        let newest = &rows[0];
        if let Ok(mut current) = self.current.write()
            && current.0.kid() != newest.kid
        {
            *current = (
                SigningKey::from_pkcs8(newest.kid.clone(), newest.pkcs8.clone())?,
                newest.created_at,
            );
        }
        store::retire_keys(db, now - 2 * max_age_ms, &newest.kid, now).await?;
        Ok(())
    }

    /// Returns the keys to publish.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn published(db: &Db) -> anyhow::Result<Vec<KeyRow>> {
        store::active_keys(db).await
    }
}

async fn create(db: &Db) -> anyhow::Result<KeyRow> {
    let key = SigningKey::generate()?;
    let row = KeyRow {
        kid: key.kid().to_owned(),
        pkcs8: key.pkcs8().to_vec(),
        public_key: key.public_key().to_vec(),
        created_at: bazaar_types::now_ms(),
    };
    store::insert_key(db, &row).await.context("storing a new signing key")?;
    Ok(row)
}
