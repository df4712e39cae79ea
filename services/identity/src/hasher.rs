//! Runs password hashing off the async worker threads, a bounded number at a time, so a burst of
//! sign-ins queues instead of starving every other request or exhausting memory.

use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::Semaphore;

use crate::domain;

/// The bounded pool of hashing work.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// Allows `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    /// Hashes a password.
    ///
    /// # Errors
    /// When the work cannot run.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || domain::hash_password(&password))
            .await
            .context("hashing task failed")?
    }

    /// Verifies a password against a stored hash; without a hash it spends the same time and fails.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || match hash {
            Some(hash) => domain::verify_password(&password, &hash),
            None => domain::verify_against_nothing(&password),
        })
        .await
        .unwrap_or(false)
    }
}
