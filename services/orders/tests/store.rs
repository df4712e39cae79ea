//! Orders' store on SQLite and PostgreSQL: saga transitions and the log the database keeps of them.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use bazaar_orders::{
    domain::{Line, Order, Status, Step},
    startup::MIGRATIONS,
    store::{self, Changes},
};
use bazaar_platform::db::Db;
use bazaar_testkit::TestDb;
use bazaar_types::{Address, OrderId, ProductId, UserId, address::AddressInput};

fn order() -> Order {
    let now = bazaar_types::now_ms();
    let address = Address::parse(&AddressInput {
        name: "Ada Lovelace",
        line1: "1 Analytical Way",
        line2: "",
        city: "London",
        postal_code: "N1 7AA",
        country: "GB",
    })
    .unwrap();
    Order {
        id: OrderId::generate(),
        user_id: UserId::generate(),
        email: "ada@example.com".to_owned(),
        customer_name: "Ada Lovelace".to_owned(),
        idempotency_key: "key-1".to_owned(),
        status: Status::Pending,
        step: Step::Created,
        status_reason: String::new(),
        items_total: 2_500,
        shipping_total: 500,
        total: 3_000,
        shipping_option: "standard".to_owned(),
        address,
        payment_method_id: "pm_1".to_owned(),
        card_brand: "visa".to_owned(),
        card_last4: "4242".to_owned(),
        payment_id: String::new(),
        tracking_number: String::new(),
        lines: vec![Line {
            product_id: ProductId::generate(),
            name: "Cast-iron skillet".to_owned(),
            slug: "cast-iron-skillet".to_owned(),
            quantity: 1,
            unit_price: 2_500,
            line_total: 2_500,
        }],
        attempts: 0,
        deadline_at_ms: now + 30_000,
        created_at_ms: now,
        updated_at_ms: now,
    }
}

async fn log(db: &Db, order: &Order) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT step, outcome, detail FROM saga_log WHERE order_id = $1 ORDER BY at, step",
    )
    .bind(order.id.as_str())
    .fetch_all(&mut *db.reader().await.unwrap())
    .await
    .unwrap()
}

fn entry(step: &str, outcome: &str, detail: &str) -> (String, String, String) {
    (step.to_owned(), outcome.to_owned(), detail.to_owned())
}

async fn transitions_are_logged_and_applied_in_memory_as_stored(test: TestDb) {
    let db = Db::connect(test.url(), &MIGRATIONS).await.unwrap();
    let mut order = order();
    store::insert(&db, &order, 5_000).await.unwrap();
    assert_eq!(log(&db, &order).await, vec![entry("created", "stored", "")]);
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;

    let steps = [
        (Step::Reserved, Changes::default()),
        (Step::Charged, Changes { payment_id: Some("pay_1"), ..Changes::default() }),
        (
            Step::Done,
            Changes {
                status: Some(Status::Confirmed),
                tracking_number: Some("BZ123"),
                ..Changes::default()
            },
        ),
    ];
    for (to, changes) in steps {
        let moved = store::transition(
            &mut *db.writer().await.unwrap(),
            &order.id,
            order.step,
            to,
            &changes,
            5_000,
        )
        .await
        .unwrap();
        assert!(moved, "{} → {}", order.step.as_str(), to.as_str());
        changes.apply_to(&mut order, to);
        // Sleep past the millisecond so that the log's order is the steps' order.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let stored = store::by_id(&db, &order.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.step, stored.status, stored.payment_id.as_str(), stored.tracking_number.as_str()),
        (order.step, order.status, order.payment_id.as_str(), order.tracking_number.as_str())
    );
    assert_eq!(
        log(&db, &order).await,
        vec![
            entry("created", "stored", ""),
            entry("reserved", "advanced", ""),
            entry("charged", "advanced", ""),
            entry("done", "confirmed", ""),
        ]
    );

    // A runner that lost the race changes nothing and logs nothing.
    let moved = store::transition(
        &mut *db.writer().await.unwrap(),
        &order.id,
        Step::Charged,
        Step::Done,
        &Changes::default(),
        5_000,
    )
    .await
    .unwrap();
    assert!(!moved);
    assert_eq!(log(&db, &order).await.len(), 4);
    db.close().await;
}

async fn an_ending_logs_its_reason(test: TestDb) {
    let db = Db::connect(test.url(), &MIGRATIONS).await.unwrap();
    let order = order();
    store::insert(&db, &order, 5_000).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let reason = "Your card was declined. You were not charged.";
    let changes =
        Changes { status: Some(Status::PaymentFailed), reason: Some(reason), ..Changes::default() };
    assert!(
        store::transition(
            &mut *db.writer().await.unwrap(),
            &order.id,
            Step::Created,
            Step::Done,
            &changes,
            5_000
        )
        .await
        .unwrap()
    );
    assert_eq!(
        log(&db, &order).await,
        vec![entry("created", "stored", ""), entry("done", "payment_failed", reason)]
    );
    db.close().await;
}

bazaar_testkit::backend_tests!(
    transitions_are_logged_and_applied_in_memory_as_stored,
    an_ending_logs_its_reason,
);
