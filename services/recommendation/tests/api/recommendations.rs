use bazaar_contracts::{
    events::{
        DeliverRequest, OrderConfirmed, OrderLine,
        event_sink_service_client::EventSinkServiceClient,
    },
    recommendation::{self as pb, recommendation_service_client::RecommendationServiceClient},
};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::{FakeIdentity, TestDb};
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::{Code, transport::Channel};

struct TestApp {
    client: RecommendationServiceClient<Channel>,
    sink: EventSinkServiceClient<Channel>,
    _catalog_db: TestDb,
    _identity: FakeIdentity,
    _stops: Vec<DropGuard>,
}

async fn spawn_app(db: &TestDb) -> TestApp {
    let identity = FakeIdentity::spawn().await;
    let catalog_db = TestDb::sqlite();
    let catalog = bazaar_catalog::Config::try_parse_from([
        "bazaar-catalog".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", catalog_db.url()),
        format!("--identity-url={}", identity.url()),
    ])
    .unwrap();
    let catalog_stop = CancellationToken::new();
    let catalog = bazaar_catalog::Application::build(catalog, catalog_stop.clone()).await.unwrap();
    let catalog_url = format!("http://{}", catalog.local_addr());
    tokio::spawn(catalog.run_until_stopped());
    let config = bazaar_recommendation::Config::try_parse_from([
        "bazaar-recommendation".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", db.url()),
        format!("--catalog-url={catalog_url}"),
    ])
    .unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_recommendation::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        client: RecommendationServiceClient::connect(url.clone()).await.unwrap(),
        sink: EventSinkServiceClient::connect(url).await.unwrap(),
        _catalog_db: catalog_db,
        _identity: identity,
        _stops: vec![catalog_stop.drop_guard(), stop.drop_guard()],
    }
}

fn product(slug: &str) -> String {
    bazaar_seed::products().into_iter().find(|p| p.slug == slug).unwrap().id
}

impl TestApp {
    async fn order(&mut self, slugs: &[&str]) {
        let event = OrderConfirmed {
            order_id: uuid::Uuid::now_v7().to_string(),
            lines: slugs
                .iter()
                .map(|slug| OrderLine {
                    product_id: product(slug),
                    quantity: 1,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let envelope = bazaar_platform::events::envelope(&event.order_id, &event);
        self.sink.deliver(DeliverRequest { event: Some(envelope) }).await.unwrap();
    }

    async fn recommend(&mut self, slug: &str, limit: u32) -> Vec<pb::Recommendation> {
        self.client
            .recommend_for(pb::RecommendForRequest { product_ids: vec![product(slug)], limit })
            .await
            .unwrap()
            .into_inner()
            .recommendations
    }
}

async fn products_bought_together_come_first(db: TestDb) {
    let mut app = spawn_app(&db).await;
    app.order(&["kite", "chess-set", "stoneware-mug"]).await;
    app.order(&["kite", "chess-set"]).await;
    app.order(&["kite", "trail-backpack"]).await;
    let recommendations = app.recommend("kite", 3).await;
    assert_eq!(recommendations[0].product_id, product("chess-set"));
    assert_eq!(recommendations[0].score, 2);
    assert_eq!(recommendations[0].reason, "bought_together");
    assert_eq!(recommendations.len(), 3);
    assert!(recommendations.iter().all(|r| r.product_id != product("kite")));
}

async fn without_history_the_same_category_fills_in(db: TestDb) {
    let mut app = spawn_app(&db).await;
    let recommendations = app.recommend("kite", 4).await;
    assert_eq!(recommendations.len(), 4);
    let toys: Vec<String> = bazaar_seed::products()
        .into_iter()
        .filter(|p| p.category == "toys")
        .map(|p| p.id)
        .collect();
    assert!(
        recommendations.iter().all(|r| r.reason == "same_category" && toys.contains(&r.product_id))
    );
    let status = app
        .client
        .recommend_for(pb::RecommendForRequest { product_ids: vec!["nope".into()], limit: 0 })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

bazaar_testkit::backend_tests!(
    products_bought_together_come_first,
    without_history_the_same_category_fills_in
);
