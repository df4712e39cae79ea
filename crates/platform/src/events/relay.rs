//! The outbox relay: claims pending outbox rows with a lease, publishes them, and records the
//! outcome. Several replicas of a service may run it at once: the lease keeps them off each
//! other's rows, and consumers de-duplicate whatever is still published twice.

use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;
use prost::Message as _;

use super::{Envelope, Events, PublishError};
use crate::{db::Db, shutdown::CancellationToken};

/// Rows claimed per round.
const BATCH: i64 = 128;
/// How long a claim keeps other relays away from a row.
const LEASE_MS: i64 = 30_000;
/// Publishes in flight at once.
const CONCURRENCY: usize = 32;
/// Longest wait between two attempts at a row.
const MAX_BACKOFF_MS: i64 = 5_000;

/// Publishes outbox rows until `shutdown`.
pub(super) async fn run(events: Events, shutdown: CancellationToken) {
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        match publish_batch(&events).await {
            Ok(claimed) if claimed > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(error = format!("{error:#}"), "outbox relay round failed"),
        }
        tokio::select! {
            () = events.publisher.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: String,
    envelope: Vec<u8>,
    attempts: i64,
}

async fn publish_batch(events: &Events) -> anyhow::Result<usize> {
    let now = bazaar_types::now_ms();
    let mut tx = events.db.begin().await?;
    // The lease condition is repeated outside the sub-select: under PostgreSQL's READ COMMITTED a
    // concurrent relay re-checks it after waiting for our row lock, and skips rows we claimed.
    let claimed: Vec<Claimed> = sqlx::query_as(
        "UPDATE outbox SET lease_until = $1 \
         WHERE published_at IS NULL AND parked = 0 AND lease_until <= $2 AND id IN ( \
             SELECT id FROM outbox \
             WHERE published_at IS NULL AND parked = 0 AND next_attempt_at <= $2 AND lease_until <= $2 \
             ORDER BY id LIMIT $3) \
         RETURNING id, envelope, attempts",
    )
    .bind(now + LEASE_MS)
    .bind(now)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await
    .context("claiming outbox rows")?;
    tx.commit().await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let count = claimed.len();
    let outcomes: Vec<(Claimed, Result<(), PublishError>)> = futures::stream::iter(claimed)
        .map(|row| async move {
            let result = match Envelope::decode(row.envelope.as_slice()) {
                Ok(envelope) => {
                    let result = events.transport.publish(&envelope).await;
                    if result.is_ok() {
                        let lag = (bazaar_types::now_ms() - envelope.time_ms).max(0) as f64 / 1000.0;
                        metrics::histogram!("events_publish_lag_seconds", "type" => envelope.r#type.clone()).record(lag);
                        metrics::counter!("events_published_total", "type" => envelope.r#type).increment(1);
                    }
                    result
                }
                Err(error) => Err(PublishError::Permanent(anyhow::Error::new(error).context("corrupt outbox row"))),
            };
            (row, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

    let now = bazaar_types::now_ms();
    let mut tx = events.db.begin().await?;
    let mut published = Vec::with_capacity(outcomes.len());
    for (row, result) in outcomes {
        let error = match result {
            Ok(()) => {
                published.push(row.id);
                continue;
            }
            Err(error) => error,
        };
        let attempts = row.attempts + 1;
        let park = matches!(error, PublishError::Permanent(_))
            && attempts >= i64::from(events.max_attempts);
        let backoff = (100_i64 << attempts.min(16)).min(MAX_BACKOFF_MS);
        if park {
            tracing::error!(event_id = %row.id, error = %error, "parking outbox event after {attempts} attempts");
            metrics::counter!("events_parked_total", "stage" => "publish").increment(1);
        } else {
            tracing::debug!(event_id = %row.id, error = %error, attempts, "publish failed; will retry");
        }
        sqlx::query(
            "UPDATE outbox SET attempts = $1, next_attempt_at = $2, lease_until = 0, parked = $3, last_error = $4 \
             WHERE id = $5",
        )
        .bind(attempts)
        .bind(now + backoff)
        .bind(i64::from(park))
        .bind(error.to_string())
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    }
    // Every published row in one statement: one round trip to the database, however many rows.
    if !published.is_empty() {
        let placeholders: Vec<String> =
            (2..published.len() + 2).map(|index| format!("${index}")).collect();
        let sql = format!(
            "UPDATE outbox SET published_at = $1, lease_until = 0 WHERE id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for id in published {
            query = query.bind(id);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// Reports the outbox backlog every ten seconds and forgets old published rows and inbox entries.
pub(super) async fn housekeeping(db: Db, shutdown: CancellationToken) {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let mut round: u64 = 0;
    loop {
        let pending: Result<i64, _> = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND parked = 0",
        )
        .fetch_one(db.pool())
        .await;
        if let Ok(pending) = pending {
            metrics::gauge!("events_outbox_pending").set(pending as f64);
        }
        if round.is_multiple_of(60) {
            let now = bazaar_types::now_ms();
            // Published rows are kept a day for inspection; inbox ids two weeks, far longer than
            // any redelivery (NATS de-duplicates for two minutes, the relay retries for minutes).
            let cleanup = async {
                let mut tx = db.begin().await?;
                sqlx::query(
                    "DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < $1",
                )
                .bind(now - DAY_MS)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM inbox WHERE received_at < $1")
                    .bind(now - 14 * DAY_MS)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            };
            if let Err(error) = cleanup.await {
                tracing::debug!(%error, "event housekeeping failed");
            }
        }
        round += 1;
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(10)) => {}
            () = shutdown.cancelled() => return,
        }
    }
}
