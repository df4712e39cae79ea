use bazaar_contracts::catalog as pb;
use bazaar_platform::auth::Role;
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{field_of, product_input, spawn_app, spawn_app_with, with_token};

async fn writes_need_an_admin_token(db: TestDb) {
    let mut app = spawn_app(db).await;
    let request =
        pb::CreateProductRequest { product: Some(product_input("", "Oak Chair", 12_900)) };
    let status = app.client.create_product(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let (_, customer) = app.identity.user(Role::Customer);
    let status =
        app.client.create_product(with_token(request.clone(), &customer)).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = app.client.create_product(with_token(request, "garbage")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

async fn creates_updates_and_deletes_products(db: TestDb) {
    let mut app = spawn_app(db).await;
    let (_, admin) = app.identity.user(Role::Admin);
    let created = app
        .client
        .create_product(with_token(
            pb::CreateProductRequest { product: Some(product_input("", "Oak Chair", 12_900)) },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .product
        .unwrap();
    assert_eq!(created.slug, "oak-chair");
    let image = app
        .client
        .get_product_image(pb::GetProductImageRequest { product_id: created.id.clone() })
        .await
        .unwrap();
    assert!(image.into_inner().data.starts_with(b"<svg"));

    let mut changed = product_input("oak-armchair", "Oak Armchair", 15_900);
    changed.featured = true;
    let updated = app
        .client
        .update_product(with_token(
            pb::UpdateProductRequest { id: created.id.clone(), product: Some(changed) },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .product
        .unwrap();
    assert_eq!((updated.slug.as_str(), updated.featured), ("oak-armchair", true));
    assert_eq!(updated.created_at_ms, created.created_at_ms);

    app.client
        .delete_product(with_token(pb::DeleteProductRequest { id: created.id.clone() }, &admin))
        .await
        .unwrap();
    let status = app
        .client
        .get_product(pb::GetProductRequest {
            key: Some(pb::get_product_request::Key::Id(created.id.clone())),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = app
        .client
        .delete_product(with_token(pb::DeleteProductRequest { id: created.id }, &admin))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

async fn rejects_invalid_products_with_field_messages(db: TestDb) {
    let mut app = spawn_app(db).await;
    let (_, admin) = app.identity.user(Role::Admin);
    let mut bad = product_input("", "   ", -5);
    bad.category = "no-such-category".into();
    let status = app
        .client
        .create_product(with_token(pb::CreateProductRequest { product: Some(bad) }, &admin))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(field_of(&status, "name").as_deref(), Some("must not be empty"));
    assert_eq!(field_of(&status, "price").as_deref(), Some("must not be negative"));

    let mut unknown_category = product_input("", "Desk", 100);
    unknown_category.category = "no-such-category".into();
    let status = app
        .client
        .create_product(with_token(
            pb::CreateProductRequest { product: Some(unknown_category) },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(field_of(&status, "category").is_some());
}

async fn duplicate_slugs_already_exist(db: TestDb) {
    let mut app = spawn_app(db).await;
    let (_, admin) = app.identity.user(Role::Admin);
    let status = app
        .client
        .create_product(with_token(
            pb::CreateProductRequest {
                product: Some(product_input("cast-iron-skillet", "Another Skillet", 100)),
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert!(field_of(&status, "slug").is_some());
}

async fn edits_are_announced_through_the_outbox(db: TestDb) {
    let mut app = spawn_app_with(db, false).await;
    let pool = sqlx::AnyPool::connect(app.db.url()).await.unwrap();
    sqlx::query("INSERT INTO categories (slug, name, description, position) VALUES ('home', 'Home', 'x', 0)")
        .execute(&pool)
        .await
        .unwrap();
    let (_, admin) = app.identity.user(Role::Admin);
    let created = app
        .client
        .create_product(with_token(
            pb::CreateProductRequest { product: Some(product_input("", "Lamp", 100)) },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .product
        .unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT event_type, subject FROM outbox").fetch_all(&pool).await.unwrap();
    assert_eq!(rows, vec![("bazaar.catalog.product_changed.v1".to_owned(), created.id)]);
}

bazaar_testkit::backend_tests!(
    writes_need_an_admin_token,
    creates_updates_and_deletes_products,
    rejects_invalid_products_with_field_messages,
    duplicate_slugs_already_exist,
    edits_are_announced_through_the_outbox,
);
