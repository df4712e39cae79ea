use bazaar_contracts::catalog as pb;
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{page, spawn_app};

async fn lists_a_category_sorted_by_price(db: TestDb) {
    let mut app = spawn_app(db).await;
    let response = app
        .client
        .list_products(pb::ListProductsRequest {
            category: "kitchen".into(),
            sort: pb::ProductSort::PriceAsc.into(),
            page: page(1, 5),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.products.len(), 5);
    assert!(response.products.iter().all(|p| p.category == "kitchen"));
    let prices: Vec<i64> =
        response.products.iter().map(|p| p.price.as_ref().unwrap().amount_minor).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let info = response.page.unwrap();
    assert_eq!((info.total_items, info.total_pages, info.page), (9, 2, 1));
}

async fn paginates_and_sorts_by_name(db: TestDb) {
    let mut app = spawn_app(db).await;
    let mut names = Vec::new();
    for number in 1..=4 {
        let response = app
            .client
            .list_products(pb::ListProductsRequest { page: page(number, 20), ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        names.extend(response.products.into_iter().map(|p| p.name.to_lowercase()));
    }
    assert_eq!(names.len(), 72);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

async fn rejects_out_of_bounds_pages(db: TestDb) {
    let mut app = spawn_app(db).await;
    let status = app
        .client
        .list_products(pb::ListProductsRequest { page: page(1, 1000), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("page_size"), "{}", status.message());
    let status = app
        .client
        .list_products(pb::ListProductsRequest { sort: 42, ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

async fn lists_featured_products(db: TestDb) {
    let mut app = spawn_app(db).await;
    let response = app
        .client
        .list_products(pb::ListProductsRequest { featured_only: true, ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert!(response.products.len() >= 8);
    assert!(response.products.iter().all(|p| p.featured));
}

async fn gets_a_product_by_id_or_slug(db: TestDb) {
    let mut app = spawn_app(db).await;
    let by_slug = app
        .client
        .get_product(pb::GetProductRequest {
            key: Some(pb::get_product_request::Key::Slug("cast-iron-skillet".into())),
        })
        .await
        .unwrap()
        .into_inner()
        .product
        .unwrap();
    assert_eq!(by_slug.name, "Cast Iron Skillet");
    assert_eq!(by_slug.price.as_ref().unwrap().amount_minor, 4_500);
    assert!(!by_slug.attributes.is_empty());
    let by_id = app
        .client
        .get_product(pb::GetProductRequest {
            key: Some(pb::get_product_request::Key::Id(by_slug.id.clone())),
        })
        .await
        .unwrap()
        .into_inner()
        .product
        .unwrap();
    assert_eq!(by_id, by_slug);
}

async fn unknown_products_are_not_found(db: TestDb) {
    let mut app = spawn_app(db).await;
    let status = app
        .client
        .get_product(pb::GetProductRequest {
            key: Some(pb::get_product_request::Key::Slug("no-such-thing".into())),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = app
        .client
        .get_product(pb::GetProductRequest {
            key: Some(pb::get_product_request::Key::Slug("Not A Slug".into())),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = app.client.get_product(pb::GetProductRequest { key: None }).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

async fn batch_get_returns_existing_products_in_order(db: TestDb) {
    let mut app = spawn_app(db).await;
    let all = app
        .client
        .list_products(pb::ListProductsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .products;
    let ids =
        vec![all[3].id.clone(), bazaar_types::ProductId::generate().to_string(), all[1].id.clone()];
    let products = app
        .client
        .batch_get_products(pb::BatchGetProductsRequest { ids })
        .await
        .unwrap()
        .into_inner()
        .products;
    assert_eq!(
        products.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        vec![all[3].id.clone(), all[1].id.clone()]
    );
    let status = app
        .client
        .batch_get_products(pb::BatchGetProductsRequest { ids: vec!["nope".into()] })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

async fn lists_categories_with_counts(db: TestDb) {
    let mut app = spawn_app(db).await;
    let categories = app
        .client
        .list_categories(pb::ListCategoriesRequest {})
        .await
        .unwrap()
        .into_inner()
        .categories;
    assert_eq!(categories.len(), 8);
    assert_eq!(categories[0].slug, "kitchen");
    assert!(categories.iter().all(|c| c.product_count == 9));
}

async fn serves_generated_images(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = app
        .client
        .list_products(pb::ListProductsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .products[0]
        .clone();
    let image = app
        .client
        .get_product_image(pb::GetProductImageRequest { product_id: product.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(image.content_type, "image/svg+xml");
    assert!(image.data.starts_with(b"<svg"));
    assert!(!image.etag.is_empty());
}

async fn seeding_happens_once(db: TestDb) {
    let url = db.url().to_owned();
    let app = spawn_app(db).await;
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM products")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 72);
    let again =
        bazaar_platform::db::Db::connect(&url, &bazaar_catalog::startup::MIGRATIONS).await.unwrap();
    assert_eq!(bazaar_catalog::seed::load_if_empty(&again).await.unwrap(), 0);
    drop(app);
}

bazaar_testkit::backend_tests!(
    lists_a_category_sorted_by_price,
    paginates_and_sorts_by_name,
    rejects_out_of_bounds_pages,
    lists_featured_products,
    gets_a_product_by_id_or_slug,
    unknown_products_are_not_found,
    batch_get_returns_existing_products_in_order,
    lists_categories_with_counts,
    serves_generated_images,
    seeding_happens_once,
);
