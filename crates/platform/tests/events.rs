//! The event machinery end to end on NATS JetStream (when `BAZAAR_TEST_NATS_URL` is set): an
//! emitter's outbox is relayed to a consumer, each event is applied once, a poison event is parked
//! at once, and one that keeps failing is parked after the configured number of deliveries while
//! the events behind it still flow. (The direct transport is covered through the services.)

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "a test fails loudly; it reports skips"
)]

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bazaar_contracts::events::UserRegistered;
use bazaar_platform::{
    config::{EventArgs, TransportKind},
    db::{Db, Migrations},
    events::{Envelope, Events, HandleError, Handler, Outcome},
    shutdown::CancellationToken,
};
use sqlx::{AnyConnection, migrate::Migrator};

static NONE: Migrator = Migrator::DEFAULT;
static NO_MIGRATIONS: Migrations = Migrations { sqlite: &NONE, postgres: &NONE };

/// Applies `UserRegistered`, except the subjects `poison` (never applicable) and `flaky`
/// (never applicable for now).
#[derive(Debug, Clone, Default)]
struct Recorder {
    applied: Arc<Mutex<Vec<String>>>,
}

impl Handler for Recorder {
    fn event_types(&self) -> &'static [&'static str] {
        &["bazaar.identity.user_registered.v1"]
    }

    async fn handle(
        &self,
        _connection: &mut AnyConnection,
        event: &Envelope,
    ) -> Result<(), HandleError> {
        match event.subject.as_str() {
            "poison" => Err(HandleError::Permanent(anyhow::anyhow!("malformed on purpose"))),
            "flaky" => Err(HandleError::Transient(anyhow::anyhow!("not now, not ever"))),
            subject => {
                self.applied.lock().unwrap().push(subject.to_owned());
                Ok(())
            }
        }
    }
}

async fn database(dir: &tempfile::TempDir, name: &str) -> Db {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(format!("{name}.db")).display());
    Db::connect(&url, &NO_MIGRATIONS).await.unwrap()
}

async fn parked(db: &Db) -> Vec<String> {
    sqlx::query_scalar("SELECT event_id FROM parked_events").fetch_all(db.pool()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_applies_each_event_once_and_parks_poison() {
    let Ok(url) = std::env::var("BAZAAR_TEST_NATS_URL") else {
        eprintln!(
            "skipped nats_applies_each_event_once_and_parks_poison: BAZAAR_TEST_NATS_URL is not set"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let args = EventArgs {
        transport: TransportKind::Nats,
        nats_url: Some(url),
        nats_namespace: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        event_sinks: Vec::new(),
        event_max_attempts: 2,
    };
    let shutdown = CancellationToken::new();
    let timeout = Duration::from_secs(5);
    let emitter_db = database(&dir, "identity").await;
    let emitter = Events::start("identity", emitter_db.clone(), &args, timeout, shutdown.clone())
        .await
        .unwrap();
    let consumer_db = database(&dir, "notification").await;
    let consuming =
        Events::start("notification", consumer_db.clone(), &args, timeout, shutdown.clone())
            .await
            .unwrap();
    let recorder = Recorder::default();
    let consumer = consuming.consume(recorder.clone(), &shutdown);

    let publisher = emitter.publisher();
    let mut ids = Vec::new();
    for subject in ["first", "poison", "flaky", "second"] {
        let mut tx = emitter_db.begin().await.unwrap();
        let event = UserRegistered {
            user_id: subject.to_owned(),
            email: format!("{subject}@example.com"),
            name: subject.to_owned(),
        };
        ids.push(publisher.emit(&mut tx, subject, &event).await.unwrap());
        tx.commit().await.unwrap();
        publisher.wake();
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let applied = recorder.applied.lock().unwrap().clone();
        let parked = parked(&consumer_db).await;
        if applied.len() >= 2 && parked.len() >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "applied {applied:?}, parked {parked:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut applied = recorder.applied.lock().unwrap().clone();
    applied.sort();
    assert_eq!(applied, ["first", "second"], "each event applied once; the poison held nothing up");
    let mut parked = parked(&consumer_db).await;
    parked.sort();
    let mut expected = vec![ids[1].clone(), ids[2].clone()];
    expected.sort();
    assert_eq!(parked, expected, "the poison and the endlessly failing event are parked");

    // Delivered again (a lost acknowledgement, a replay): nothing changes.
    let again = bazaar_platform::events::envelope(
        "third",
        &UserRegistered {
            user_id: "third".into(),
            email: "t@example.com".into(),
            name: "T".into(),
        },
    );
    assert_eq!(consumer.apply(&again).await.unwrap(), Outcome::Applied);
    assert_eq!(consumer.apply(&again).await.unwrap(), Outcome::Duplicate);
    assert_eq!(recorder.applied.lock().unwrap().iter().filter(|s| *s == "third").count(), 1);
    // A type this service does not consume is acknowledged and ignored.
    let mut other = again.clone();
    other.r#type = "bazaar.orders.order_cancelled.v1".to_owned();
    other.id = uuid::Uuid::now_v7().to_string();
    assert_eq!(consumer.apply(&other).await.unwrap(), Outcome::Ignored);
    shutdown.cancel();
}
