//! The SQLite writer: concurrent transactions all commit (sharing log flushes), a transaction
//! dropped without commit leaves nothing behind and does not block the next one, and committed
//! rows survive closing and reopening the database.

#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use bazaar_platform::db::{Db, Migrations};
use sqlx::migrate::Migrator;

static NONE: Migrator = Migrator::DEFAULT;
static NO_MIGRATIONS: Migrations = Migrations { sqlite: &NONE, postgres: &NONE };

async fn database(dir: &tempfile::TempDir) -> Db {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    Db::connect(&url, &NO_MIGRATIONS).await.unwrap()
}

/// Records `id` in the inbox table (any table of the platform's migrations would do).
async fn insert(connection: &mut sqlx::AnyConnection, id: &str) {
    sqlx::query("INSERT INTO inbox (event_id, event_type, received_at) VALUES ($1, 'test', 0)")
        .bind(id)
        .execute(connection)
        .await
        .unwrap();
}

async fn ids(db: &Db) -> Vec<String> {
    sqlx::query_scalar("SELECT event_id FROM inbox ORDER BY event_id")
        .fetch_all(&mut *db.reader().await.unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_are_all_kept_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let writers: Vec<_> = (0..64)
        .map(|index| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin().await.unwrap();
                insert(&mut tx, &format!("tx-{index:02}")).await;
                tx.commit().await.unwrap();
                // And a statement that commits by itself, made durable explicitly.
                insert(&mut db.writer().await.unwrap(), &format!("single-{index:02}")).await;
                db.durable().await.unwrap();
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(ids(&db).await.len(), 128);
    db.close().await;
    drop(db);

    let reopened = database(&dir).await;
    let stored = ids(&reopened).await;
    assert_eq!(stored.len(), 128);
    assert!(stored.contains(&"tx-63".to_owned()) && stored.contains(&"single-00".to_owned()));
}

#[tokio::test]
async fn a_transaction_dropped_or_rolled_back_leaves_nothing_and_the_writer_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;

    let mut abandoned = db.begin().await.unwrap();
    insert(&mut abandoned, "abandoned").await;
    drop(abandoned);

    let mut rolled_back = db.begin().await.unwrap();
    insert(&mut rolled_back, "rolled-back").await;
    rolled_back.rollback().await.unwrap();

    // A transaction whose future is dropped half-way (a cancelled request).
    let cancelled = async {
        let mut tx = db.begin().await.unwrap();
        insert(&mut tx, "cancelled").await;
        std::future::pending::<()>().await;
    };
    assert!(tokio::time::timeout(std::time::Duration::from_millis(50), cancelled).await.is_err());

    insert(&mut db.writer().await.unwrap(), "single").await;
    let mut kept = db.begin().await.unwrap();
    insert(&mut kept, "kept").await;
    kept.commit().await.unwrap();

    assert_eq!(ids(&db).await, ["kept", "single"]);
}
