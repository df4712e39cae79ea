//! Runs password hashing off the async worker threads, on a fixed set of dedicated threads, so a
//! burst of sign-ins queues instead of starving every other request or exhausting memory.
//!
//! Each argon2id hash takes 19 MiB. Dedicated threads (rather than the blocking pool, which grows
//! to hundreds of threads) keep that memory bounded: the allocator reuses each thread's block, so
//! the service holds about `threads × 19 MiB` at its busiest instead of one block per thread the
//! blocking pool ever started.

use std::sync::{
    Arc, Mutex,
    mpsc::{Receiver, SyncSender, TrySendError, sync_channel},
};

use anyhow::Context as _;

use crate::domain;

type Job = Box<dyn FnOnce() + Send>;

/// How many hashes may wait for a thread; beyond that, callers are told the service is busy.
const QUEUE: usize = 1024;

/// The bounded pool of hashing work.
#[derive(Debug, Clone)]
pub struct Hasher {
    jobs: SyncSender<Job>,
}

impl Hasher {
    /// Starts `threads` hashing threads (at least one). They stop when the last handle is dropped.
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
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

/// A hashing thread: takes jobs until every handle is gone.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}
