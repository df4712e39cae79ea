//! Runs password hashing off the async worker threads, on a fixed set of dedicated threads, so a
//! burst of sign-ins queues instead of starving every other request or exhausting memory.
//!
//! Each argon2id hash works in 19 MiB. Each dedicated thread keeps its working memory while busy
//! and gives it back after a few idle seconds, so the service holds at most `threads × 19 MiB` at
//! its busiest, and nothing extra when idle.

use std::time::Duration;

use anyhow::Context as _;
use flume::{Receiver, RecvTimeoutError, Sender, TrySendError};

use crate::domain;

type Job = Box<dyn FnOnce() + Send>;

/// How many hashes may wait for a thread; beyond that, callers are told the service is busy.
const QUEUE: usize = 1024;

/// The bounded pool of hashing work.
#[derive(Debug, Clone)]
pub struct Hasher {
    jobs: Sender<Job>,
}

impl Hasher {
    /// Starts `threads` hashing threads (at least one). They stop when the last handle is dropped.
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = flume::bounded::<Job>(QUEUE);
        for index in 0..threads.max(1) {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&queue));
            if let Err(error) = started {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { jobs }
    }

    /// Runs `job` on a hashing thread and returns its result.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        match self.jobs.try_send(Box::new(move || {
            let _ = reply.send(job());
        })) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => anyhow::bail!("too many password checks are waiting"),
            Err(TrySendError::Disconnected(_)) => anyhow::bail!("no password hashing thread"),
        }
        answer.await.context("the hashing thread stopped")
    }

    /// Hashes a password.
    ///
    /// # Errors
    /// When the work cannot run (overloaded, or no hashing thread).
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        self.run(move || domain::hash_password(&password)).await?
    }

    /// Verifies a password against a stored hash; without a hash it spends the same time and fails.
    ///
    /// # Errors
    /// When the work cannot run (overloaded, or no hashing thread): the caller should answer
    /// "busy", not "wrong password".
    pub async fn verify(&self, password: &str, hash: Option<String>) -> anyhow::Result<bool> {
        let password = password.to_owned();
        self.run(move || match hash {
            Some(hash) => domain::verify_password(&password, &hash),
            None => domain::verify_against_nothing(&password),
        })
        .await
    }
}

/// How long a hashing thread keeps its working memory after its last hash.
const KEEP_MEMORY: Duration = Duration::from_secs(5);

/// A hashing thread: takes jobs until every handle is gone, and gives its working memory back
/// after a few idle seconds.
fn work(queue: &Receiver<Job>) {
    loop {
        match queue.recv_timeout(KEEP_MEMORY) {
            Ok(job) => job(),
            Err(RecvTimeoutError::Timeout) => domain::release_hashing_memory(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
