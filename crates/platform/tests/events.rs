//! The event machinery end to end on NATS JetStream (when `BAZAAR_TEST_NATS_URL` is set): an
//! emitter's outbox is relayed to a consumer, each event is applied once, a poison event is parked
//! at once, and one that keeps failing is parked after the configured number of deliveries while
//! the events behind it still flow. The same on the direct transport, where the relay sends a
//! consumer its events in batches over real gRPC.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "a test fails loudly; it reports skips"
)]

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bazaar_contracts::events::{
    DeliverBatchRequest, DeliveryOutcome, UserRegistered,
    event_sink_service_client::EventSinkServiceClient,
};
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

/// A `UserRegistered` event about the user `subject`.
fn registered(subject: &str) -> UserRegistered {
    UserRegistered {
        user_id: subject.to_owned(),
        email: format!("{subject}@example.com"),
        name: subject.to_owned(),
    }
}

async fn database(dir: &tempfile::TempDir, name: &str) -> Db {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(format!("{name}.db")).display());
    Db::connect(&url, &NO_MIGRATIONS).await.unwrap()
}

async fn parked(db: &Db) -> Vec<String> {
    sqlx::query_scalar("SELECT event_id FROM parked_events")
        .fetch_all(&mut *db.reader().await.unwrap())
        .await
        .unwrap()
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
        ids.push(publisher.emit(&mut tx, subject, &registered(subject)).await.unwrap());
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
    let again = bazaar_platform::events::envelope("third", &registered("third"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_delivers_batches_and_a_poison_event_costs_the_others_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let timeout = Duration::from_secs(5);
    let no_sinks = EventArgs {
        transport: TransportKind::Direct,
        nats_url: None,
        nats_namespace: String::new(),
        event_sinks: Vec::new(),
        event_max_attempts: 2,
    };

    // The consumer, serving its event sink over gRPC.
    let consumer_db = database(&dir, "notification").await;
    let index: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'inbox_received_at'",
    )
    .fetch_optional(&mut *consumer_db.reader().await.unwrap())
    .await
    .unwrap();
    assert!(index.is_some(), "housekeeping finds old inbox entries by index");
    let consuming =
        Events::start("notification", consumer_db.clone(), &no_sinks, timeout, shutdown.clone())
            .await
            .unwrap();
    let recorder = Recorder::default();
    let consumer = consuming.consume(recorder.clone(), &shutdown);
    let listener = bazaar_platform::grpc::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let routes = tonic::service::Routes::new(consumer.sink_service());
    let options = bazaar_platform::grpc::ServeOptions {
        request_timeout: timeout,
        shutdown_grace: Duration::from_secs(1),
        faults: None,
    };
    tokio::spawn(bazaar_platform::grpc::serve(
        listener,
        routes,
        axum::Router::new(),
        options,
        shutdown.clone(),
    ));

    // The emitter writes four events in one transaction, so that its relay sends them together.
    let args = EventArgs {
        event_sinks: vec![
            bazaar_platform::config::parse_sink(&format!("notification={url}")).unwrap(),
        ],
        ..no_sinks
    };
    let emitter_db = database(&dir, "identity").await;
    let emitter = Events::start("identity", emitter_db.clone(), &args, timeout, shutdown.clone())
        .await
        .unwrap();
    let publisher = emitter.publisher();
    let mut tx = emitter_db.begin().await.unwrap();
    let mut ids = Vec::new();
    for subject in ["first", "poison", "second", "third"] {
        ids.push(publisher.emit(&mut tx, subject, &registered(subject)).await.unwrap());
    }
    tx.commit().await.unwrap();
    publisher.wake();

    // What committed is what the inbox holds (the recorder also saw the batch that was rolled
    // back when the poison failed it).
    let inbox = || async {
        sqlx::query_scalar::<_, String>("SELECT event_id FROM inbox ORDER BY event_id")
            .fetch_all(&mut *consumer_db.reader().await.unwrap())
            .await
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let applied = inbox().await;
        let parked_at_emitter: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE parked = 1")
                .fetch_one(&mut *emitter_db.reader().await.unwrap())
                .await
                .unwrap();
        if applied.len() >= 3 && parked_at_emitter >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "applied {applied:?}, parked {parked_at_emitter}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        inbox().await,
        [ids[0].clone(), ids[2].clone(), ids[3].clone()],
        "the good events applied, the poison held nothing up"
    );
    assert_eq!(parked(&consumer_db).await, [ids[1].clone()], "the consumer parked the poison");
    let published: Vec<String> =
        sqlx::query_scalar("SELECT id FROM outbox WHERE published_at IS NOT NULL ORDER BY id")
            .fetch_all(&mut *emitter_db.reader().await.unwrap())
            .await
            .unwrap();
    assert_eq!(published, [ids[0].clone(), ids[2].clone(), ids[3].clone()]);

    // A batch sent again, with an event twice and one of a type not consumed: one answer per
    // event, every one OK, nothing applied twice.
    let again = bazaar_platform::events::envelope("fourth", &registered("fourth"));
    let mut other = again.clone();
    other.r#type = "bazaar.orders.order_cancelled.v1".to_owned();
    other.id = uuid::Uuid::now_v7().to_string();
    let mut client = EventSinkServiceClient::connect(url).await.unwrap();
    for _ in 0..2 {
        let results = client
            .deliver_batch(DeliverBatchRequest {
                events: vec![again.clone(), again.clone(), other.clone()],
            })
            .await
            .unwrap()
            .into_inner()
            .results;
        let outcomes: Vec<DeliveryOutcome> =
            results.iter().map(|result| result.outcome()).collect();
        assert_eq!(outcomes, [DeliveryOutcome::Ok; 3]);
    }
    let fourth = recorder.applied.lock().unwrap().iter().filter(|s| *s == "fourth").count();
    assert_eq!(fourth, 1);
    shutdown.cancel();
}
