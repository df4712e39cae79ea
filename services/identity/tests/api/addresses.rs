use bazaar_contracts::{common::Address, identity as pb};
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{field_of, spawn_app, unique_email, with_token};

fn address(city: &str) -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 Analytical Row".into(),
        line2: String::new(),
        city: city.into(),
        postal_code: "N1 9GU".into(),
        country: "gb".into(),
    }
}

async fn addresses_are_saved_listed_and_deleted(db: TestDb) {
    let mut app = spawn_app(db).await;
    let token = app.sign_up(&unique_email()).await.session.unwrap().token;
    let saved = app
        .client
        .add_address(with_token(pb::AddAddressRequest { address: Some(address("London")) }, &token))
        .await
        .unwrap()
        .into_inner()
        .address
        .unwrap();
    assert_eq!(saved.address.as_ref().unwrap().country, "GB");
    app.client
        .add_address(with_token(pb::AddAddressRequest { address: Some(address("Leeds")) }, &token))
        .await
        .unwrap();
    let listed = app
        .client
        .list_addresses(with_token(pb::ListAddressesRequest {}, &token))
        .await
        .unwrap()
        .into_inner();
    let cities: Vec<String> =
        listed.addresses.iter().map(|a| a.address.as_ref().unwrap().city.clone()).collect();
    assert_eq!(cities, ["London", "Leeds"]);
    app.client
        .delete_address(with_token(
            pb::DeleteAddressRequest { address_id: saved.id.clone() },
            &token,
        ))
        .await
        .unwrap();
    let status = app
        .client
        .get_address(with_token(pb::GetAddressRequest { address_id: saved.id }, &token))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

async fn another_users_address_is_not_found(db: TestDb) {
    let mut app = spawn_app(db).await;
    let alice = app.sign_up(&unique_email()).await.session.unwrap().token;
    let bob = app.sign_up(&unique_email()).await.session.unwrap().token;
    let saved = app
        .client
        .add_address(with_token(pb::AddAddressRequest { address: Some(address("London")) }, &alice))
        .await
        .unwrap()
        .into_inner()
        .address
        .unwrap();
    for status in [
        app.client
            .get_address(with_token(pb::GetAddressRequest { address_id: saved.id.clone() }, &bob))
            .await
            .unwrap_err(),
        app.client
            .delete_address(with_token(
                pb::DeleteAddressRequest { address_id: saved.id.clone() },
                &bob,
            ))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(status.code(), Code::NotFound);
    }
    let bobs = app
        .client
        .list_addresses(with_token(pb::ListAddressesRequest {}, &bob))
        .await
        .unwrap()
        .into_inner();
    assert!(bobs.addresses.is_empty());
    // Alice's address is still there.
    app.client
        .get_address(with_token(pb::GetAddressRequest { address_id: saved.id }, &alice))
        .await
        .unwrap();
}

async fn invalid_addresses_name_their_fields(db: TestDb) {
    let mut app = spawn_app(db).await;
    let token = app.sign_up(&unique_email()).await.session.unwrap().token;
    let mut bad = address("");
    bad.country = "Narnia".into();
    let status = app
        .client
        .add_address(with_token(pb::AddAddressRequest { address: Some(bad) }, &token))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(field_of(&status, "city").as_deref(), Some("must not be empty"));
    assert!(field_of(&status, "country").is_some());
}

bazaar_testkit::backend_tests!(
    addresses_are_saved_listed_and_deleted,
    another_users_address_is_not_found,
    invalid_addresses_name_their_fields,
);
