use std::time::Duration;

use bazaar_contracts::inventory::{self as pb, ReservationState};
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{new_id, spawn_app, with_token};

async fn reservations_are_all_or_nothing(db: TestDb) {
    let mut app = spawn_app(db).await;
    let (plenty, scarce) = (new_id(), new_id());
    app.set_stock(&plenty, 10).await;
    app.set_stock(&scarce, 1).await;
    let rejected = app.reserve(&new_id(), &[(&plenty, 2), (&scarce, 2)], 60_000).await.unwrap();
    assert_eq!(rejected.state(), ReservationState::Rejected);
    assert_eq!(rejected.short_product_ids, vec![scarce.clone()]);
    assert_eq!(app.level(&plenty).await.reserved, 0, "nothing of a rejected reservation is held");

    let held = app.reserve(&new_id(), &[(&plenty, 2), (&scarce, 1)], 60_000).await.unwrap();
    assert_eq!(held.state(), ReservationState::Held);
    assert_eq!(app.level(&plenty).await.available, 8);
    assert_eq!(app.level(&scarce).await.available, 0);
}

async fn the_same_id_always_returns_the_same_reservation(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    app.set_stock(&product, 5).await;
    let id = new_id();
    let first = app.reserve(&id, &[(&product, 2)], 60_000).await.unwrap();
    let again = app.reserve(&id, &[(&product, 2)], 60_000).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(app.level(&product).await.reserved, 2, "a repeated reservation holds nothing more");
}

async fn commit_sells_and_release_restocks(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    app.set_stock(&product, 5).await;
    let id = new_id();
    app.reserve(&id, &[(&product, 2)], 60_000).await.unwrap();
    let commit = || pb::CommitReservationRequest { reservation_id: id.clone() };
    for _ in 0..2 {
        let committed = app
            .client
            .commit_reservation(commit())
            .await
            .unwrap()
            .into_inner()
            .reservation
            .unwrap();
        assert_eq!(committed.state(), ReservationState::Committed);
    }
    let level = app.level(&product).await;
    assert_eq!((level.on_hand, level.reserved), (3, 0), "committed twice, sold once");
    // Cancelling the order gives the units back.
    let released = app
        .client
        .release_reservation(pb::ReleaseReservationRequest { reservation_id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .reservation
        .unwrap();
    assert_eq!(released.state(), ReservationState::Released);
    assert_eq!(app.level(&product).await.on_hand, 5);
    let status = app.client.commit_reservation(commit()).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
}

async fn releasing_an_unknown_reservation_blocks_a_late_one(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    app.set_stock(&product, 5).await;
    let id = new_id();
    app.client
        .release_reservation(pb::ReleaseReservationRequest { reservation_id: id.clone() })
        .await
        .unwrap();
    let late = app.reserve(&id, &[(&product, 1)], 60_000).await.unwrap();
    assert_eq!(late.state(), ReservationState::Released);
    assert_eq!(app.level(&product).await.reserved, 0);
}

async fn holds_expire_by_themselves(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    app.set_stock(&product, 3).await;
    let id = new_id();
    app.reserve(&id, &[(&product, 3)], 200).await.unwrap();
    assert_eq!(app.level(&product).await.available, 0);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.level(&product).await.available, 3, "the sweeper gave the stock back");
    let reservation = app
        .client
        .get_reservation(pb::GetReservationRequest { reservation_id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .reservation
        .unwrap();
    assert_eq!(reservation.state(), ReservationState::Expired);
    let status = app
        .client
        .commit_reservation(pb::CommitReservationRequest { reservation_id: id })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
}

async fn concurrent_reservations_never_oversell(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    app.set_stock(&product, 50).await;
    let attempts = (0..200).map(|_| {
        let mut client = app.client.clone();
        let product = product.clone();
        tokio::spawn(async move {
            client
                .reserve(pb::ReserveRequest {
                    reservation_id: new_id(),
                    lines: vec![pb::ReservationLine { product_id: product, quantity: 1 }],
                    ttl_ms: 60_000,
                })
                .await
                .unwrap()
                .into_inner()
                .reservation
                .unwrap()
                .state()
        })
    });
    let states: Vec<ReservationState> =
        futures::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(states.iter().filter(|s| **s == ReservationState::Held).count(), 50);
    assert_eq!(states.iter().filter(|s| **s == ReservationState::Rejected).count(), 150);
    let level = app.level(&product).await;
    assert_eq!((level.on_hand, level.reserved, level.available), (50, 50, 0));
}

async fn the_ledger_balances(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    app.set_stock(&product, 10).await;
    let (sold, held, cancelled) = (new_id(), new_id(), new_id());
    app.reserve(&sold, &[(&product, 3)], 60_000).await.unwrap();
    app.client
        .commit_reservation(pb::CommitReservationRequest { reservation_id: sold })
        .await
        .unwrap();
    app.reserve(&held, &[(&product, 2)], 60_000).await.unwrap();
    app.reserve(&cancelled, &[(&product, 1)], 60_000).await.unwrap();
    app.client
        .release_reservation(pb::ReleaseReservationRequest { reservation_id: cancelled })
        .await
        .unwrap();
    app.set_stock(&product, 12).await;
    let admin = app.admin();
    let audit = app
        .client
        .audit_stock(with_token(pb::AuditStockRequest {}, &admin))
        .await
        .unwrap()
        .into_inner();
    let line = audit.products.iter().find(|p| p.product_id == product).unwrap();
    assert_eq!(line.initial, line.on_hand + line.committed, "{line:?}");
    assert_eq!(line.reserved, line.held);
    assert_eq!((line.on_hand, line.committed, line.held), (12, 3, 2));
}

bazaar_testkit::backend_tests!(
    reservations_are_all_or_nothing,
    the_same_id_always_returns_the_same_reservation,
    commit_sells_and_release_restocks,
    releasing_an_unknown_reservation_blocks_a_late_one,
    holds_expire_by_themselves,
    concurrent_reservations_never_oversell,
    the_ledger_balances,
);
