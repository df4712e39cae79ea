//! Delivers pending messages over SMTP, retrying with backoff; gives up on a message after ten
//! failed attempts and marks it failed.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use bazaar_platform::{db::Db, shutdown::CancellationToken};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor, message::Mailbox};
use tokio::sync::Notify;

use crate::store;

/// Attempts before a message is marked failed.
const MAX_ATTEMPTS: i64 = 10;

/// An SMTP connection pool and the sender address.
#[derive(Debug, Clone)]
pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Sender {
    /// Builds a sender for an `smtp://` or `smtps://` URL.
    ///
    /// # Errors
    /// When the URL or the sender address is malformed.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("invalid --smtp-url")?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        Ok(Self { transport, from: from.parse().context("invalid --mail-from")? })
    }

    /// Sends pending messages until `shutdown`, woken by new messages or every few seconds.
    pub async fn run(self, db: Db, wake: Arc<Notify>, shutdown: CancellationToken) {
        loop {
            match store::pending(&db, bazaar_types::now_ms(), 50).await {
                Ok(messages) => {
                    for message in messages {
                        self.deliver(&db, &message).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "listing pending mail failed");
                }
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(2)) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }

    async fn deliver(&self, db: &Db, message: &store::Message) {
        let attempts = message.attempts + 1;
        let outcome = async {
            let email = Message::builder()
                .from(self.from.clone())
                .to(message.recipient.parse().context("recipient")?)
                .subject(&message.subject)
                .body(message.body_text.clone())
                .context("building the message")?;
            self.transport.send(email).await.context("sending")?;
            anyhow::Ok(())
        }
        .await;
        let (status, next, error) = match outcome {
            Ok(()) => ("sent", 0, String::new()),
            Err(error) if attempts >= MAX_ATTEMPTS => ("failed", 0, format!("{error:#}")),
            Err(error) => (
                "pending",
                bazaar_types::now_ms() + (1_000 << attempts.min(8)),
                format!("{error:#}"),
            ),
        };
        if status != "sent" {
            tracing::warn!(message_id = %message.id, attempts, error, "mail not delivered");
        }
        if let Err(error) =
            store::record_attempt(db, &message.id, status, attempts, next, &error).await
        {
            tracing::warn!(error = format!("{error:#}"), "recording a mail attempt failed");
        }
    }
}
