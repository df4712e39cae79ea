use bazaar_contracts::catalog as pb;
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::spawn_app;

async fn search(
    app: &mut crate::helpers::TestApp,
    query: &str,
    category: &str,
) -> Vec<pb::Product> {
    app.client
        .search_products(pb::SearchProductsRequest {
            query: query.into(),
            category: category.into(),
            page: None,
        })
        .await
        .unwrap()
        .into_inner()
        .products
}

async fn ranks_name_matches_above_description_matches(db: TestDb) {
    let mut app = spawn_app(db).await;
    let results = search(&mut app, "wool blanket", "").await;
    assert_eq!(
        results[0].slug,
        "wool-throw-blanket",
        "{:?}",
        results.iter().map(|p| &p.slug).collect::<Vec<_>>()
    );
    // "merino" or "wool" in a name ranks above a mention in a description.
    let results = search(&mut app, "merino", "").await;
    let names: Vec<&str> = results.iter().map(|p| p.name.as_str()).collect();
    let first_description_only =
        results.iter().position(|p| !p.name.to_lowercase().contains("merino")).unwrap();
    assert!(
        results[..first_description_only].iter().all(|p| p.name.to_lowercase().contains("merino")),
        "{names:?}"
    );
}

async fn matches_case_insensitively_and_counts(db: TestDb) {
    let mut app = spawn_app(db).await;
    let response = app
        .client
        .search_products(pb::SearchProductsRequest {
            query: "CAST IRON".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.products[0].slug, "cast-iron-skillet");
    assert_eq!(response.page.unwrap().total_items, u64::try_from(response.products.len()).unwrap());
}

async fn filters_by_category(db: TestDb) {
    let mut app = spawn_app(db).await;
    let results = search(&mut app, "wool", "apparel").await;
    assert!(!results.is_empty());
    assert!(results.iter().all(|p| p.category == "apparel"));
}

async fn finds_nothing_for_unknown_words(db: TestDb) {
    let mut app = spawn_app(db).await;
    assert!(search(&mut app, "zeppelin", "").await.is_empty());
    // Punctuation separates words; it is never a LIKE wildcard.
    assert!(search(&mut app, "zeppelin%", "").await.is_empty());
}

async fn rejects_queries_without_words(db: TestDb) {
    let mut app = spawn_app(db).await;
    let status = app
        .client
        .search_products(pb::SearchProductsRequest { query: " !? ".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        crate::helpers::field_of(&status, "q").as_deref(),
        Some("must contain at least one word")
    );
}

bazaar_testkit::backend_tests!(
    ranks_name_matches_above_description_matches,
    matches_case_insensitively_and_counts,
    filters_by_category,
    finds_nothing_for_unknown_words,
    rejects_queries_without_words,
);
