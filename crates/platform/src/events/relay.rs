//! The outbox relay: claims pending outbox rows with a lease, publishes them, and records the
//! outcome. Several replicas of a service may run it at once: the lease keeps them off each
//! other's rows, and consumers de-duplicate whatever is still published twice.

use std::time::Duration;

use anyhow::Context as _;
use prost::Message as _;

use super::{Envelope, Events, PublishError};
use crate::{db::Db, shutdown::CancellationToken};

/// Rows claimed per round.
const BATCH: i64 = 128;
const BATCH_ROWS: usize = BATCH as usize;
/// How long a claim keeps other relays away from a row.
const LEASE_MS: i64 = 30_000;
/// Longest wait between two attempts at a row.
const MAX_BACKOFF_MS: i64 = 5_000;

/// Publishes outbox rows until `shutdown`.
pub(super) async fn run(events: Events, shutdown: CancellationToken) {
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        match publish_batch(&events).await {
            // A full batch may have left rows behind. Anything emitted since this round's claim
            // has woken the relay (below), so a partial batch needs no second, empty claim: that
            // was one more write statement per round.
            Ok(claimed) if claimed >= BATCH_ROWS => continue,
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
    // One statement that commits by itself. The lease condition is repeated outside the
    // sub-select: under PostgreSQL's READ COMMITTED a concurrent relay re-checks it after waiting
    // for our row lock, and skips rows we claimed.
    let mut claimed: Vec<Claimed> = sqlx::query_as(
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
    .fetch_all(&mut *events.db.writer().await?)
    .await
    .context("claiming outbox rows")?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let count = claimed.len();
    metrics::histogram!("events_relay_batch_size").record(count as f64);
    // Nothing is announced before it is on disk: the transactions that wrote these rows are
    // committed, and this waits for their flush (normally done already, or shared with others).
    events.db.durable().await.context("flushing the outbox")?;

    // RETURNING gives no order; publish oldest first.
    claimed.sort_by(|a, b| a.id.cmp(&b.id));
    let mut outcomes: Vec<(Claimed, Result<(), PublishError>)> = Vec::with_capacity(count);
    let mut envelopes = Vec::with_capacity(count);
    let mut decoded = Vec::with_capacity(count);
    for row in claimed {
        match Envelope::decode(row.envelope.as_slice()) {
            Ok(envelope) => {
                envelopes.push(envelope);
                decoded.push(row);
            }
            Err(error) => {
                let error = anyhow::Error::new(error).context("corrupt outbox row");
                outcomes.push((row, Err(PublishError::Permanent(error))));
            }
        }
    }
    let results = if envelopes.is_empty() {
        Vec::new()
    } else {
        events.transport.publish_batch(&envelopes).await
    };
    for ((row, envelope), result) in decoded.into_iter().zip(envelopes).zip(results) {
        if result.is_ok() {
            let lag = (bazaar_types::now_ms() - envelope.time_ms).max(0) as f64 / 1000.0;
            metrics::histogram!("events_publish_lag_seconds", "type" => envelope.r#type.clone())
                .record(lag);
            metrics::counter!("events_published_total", "type" => envelope.r#type).increment(1);
        }
        outcomes.push((row, result));
    }

    let now = bazaar_types::now_ms();
    let (published, failed): (Vec<_>, Vec<_>) =
        outcomes.into_iter().partition(|(_, result)| result.is_ok());
    let published: Vec<String> = published.into_iter().map(|(row, _)| row.id).collect();
    if failed.is_empty() {
        // The usual case: one statement that commits by itself.
        mark_published(&mut *events.db.writer().await?, &published, now).await?;
        return Ok(count);
    }
    let mut tx = events.db.begin().await?;
    for (row, result) in failed {
        let Err(error) = result else { continue };
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
    mark_published(&mut *tx, &published, now).await?;
    tx.commit().await?;
    Ok(count)
}

/// Marks rows published, all in one statement: one round trip to the database however many.
async fn mark_published<'c, E>(executor: E, ids: &[String], now: i64) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    if ids.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (2..ids.len() + 2).map(|index| format!("${index}")).collect();
    let sql = format!(
        "UPDATE outbox SET published_at = $1, lease_until = 0 WHERE id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
    for id in ids {
        query = query.bind(id);
    }
    query.execute(executor).await?;
    Ok(())
}

/// Reports the outbox backlog every ten seconds and forgets old published rows and inbox entries.
pub(super) async fn housekeeping(db: Db, shutdown: CancellationToken) {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let mut round: u64 = 0;
    loop {
        let pending = async {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND parked = 0",
            )
            .fetch_one(&mut *db.reader().await?)
            .await
        }
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
