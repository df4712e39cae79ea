//! A gRPC hop against an in-process call (design §10): `GetProduct` for the same product, answered
//! by the same handler reading the same SQLite file, once called in this process and once through
//! the platform's gRPC client over loopback, as the services call each other (deadline, trace
//! context, metrics and the server's layers included). One caller at a time, so the figures are
//! latencies, not queueing. Prints calls per second, p50, p99 and the ratio of the two.
//!
//! ```sh
//! cargo bench -p bazaar-catalog --bench hop          # CALLS=20000 by default
//! ```

#![allow(clippy::unwrap_used, clippy::print_stdout, reason = "a benchmark that prints its figures")]

use std::time::{Duration, Instant};

use bazaar_catalog::{Application, Config, grpc::CatalogGrpc, startup::MIGRATIONS};
use bazaar_contracts::catalog::{
    GetProductRequest, catalog_service_client::CatalogServiceClient,
    catalog_service_server::CatalogService as _, get_product_request,
};
use bazaar_platform::{
    auth::TokenVerifier, db::Db, events::Publisher, shutdown::CancellationToken,
};
use bazaar_testkit::{FakeIdentity, TestDb};
use clap::Parser as _;
use hdrhistogram::Histogram;

/// Measures `calls` sequential calls of `call` after a tenth as many to warm up.
async fn measure<F, Fut>(calls: u64, mut call: F) -> (f64, Histogram<u64>)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..calls / 10 {
        call().await;
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    let started = Instant::now();
    for _ in 0..calls {
        let one = Instant::now();
        call().await;
        histogram.record(u64::try_from(one.elapsed().as_nanos()).unwrap_or(u64::MAX)).unwrap();
    }
    (calls as f64 / started.elapsed().as_secs_f64(), histogram)
}

fn line(name: &str, (per_second, histogram): &(f64, Histogram<u64>)) {
    let us = |quantile: f64| histogram.value_at_quantile(quantile) as f64 / 1000.0;
    println!(
        "{name:<34} {per_second:>10.0} {:>9.1} {:>9.1} {:>9.1}",
        us(0.5),
        us(0.99),
        histogram.max() as f64 / 1000.0
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let calls: u64 =
        std::env::var("CALLS").ok().and_then(|calls| calls.parse().ok()).unwrap_or(20_000);
    let db = TestDb::sqlite();
    let identity = FakeIdentity::spawn().await;
    let config = Config::try_parse_from([
        "bazaar-catalog",
        "--listen=127.0.0.1:0",
        &format!("--database-url={}", db.url()),
        &format!("--identity-url={}", identity.url()),
    ])
    .unwrap();
    let shutdown = CancellationToken::new();
    let app = Application::build(config, shutdown.clone()).await.unwrap();
    let address = app.local_addr();
    tokio::spawn(app.run_until_stopped());

    // The same handler and the same database file, without the network.
    let timeout = Duration::from_secs(5);
    let local = CatalogGrpc::new(
        Db::connect_with(db.url(), &MIGRATIONS, 8).await.unwrap(),
        TokenVerifier::from_identity(identity.url(), timeout).unwrap(),
        Publisher::default(),
    );
    let channel = bazaar_platform::grpc::connect(&format!("http://{address}"), timeout).unwrap();
    let remote = CatalogServiceClient::new(channel);
    let request = || GetProductRequest {
        key: Some(get_product_request::Key::Slug("stoneware-mug".to_owned())),
    };
    assert!(local.get_product(tonic::Request::new(request())).await.is_ok(), "the seed has a mug");

    let in_process = measure(calls, || {
        let local = local.clone();
        async move {
            local.get_product(tonic::Request::new(request())).await.unwrap();
        }
    })
    .await;
    let hop = measure(calls, || {
        let mut remote = remote.clone();
        async move {
            remote.get_product(request()).await.unwrap();
        }
    })
    .await;

    println!("GetProduct, one caller, {calls} calls each");
    println!("{:<34} {:>10} {:>9} {:>9} {:>9}", "", "calls/s", "p50 µs", "p99 µs", "max µs");
    line("in-process call of the handler", &in_process);
    line("gRPC hop over loopback", &hop);
    let p50 = |(_, histogram): &(f64, Histogram<u64>)| histogram.value_at_quantile(0.5) as f64;
    println!(
        "the hop costs {:.1}× the in-process call at p50 ({:.1} µs more)",
        p50(&hop) / p50(&in_process),
        (p50(&hop) - p50(&in_process)) / 1000.0
    );
    shutdown.cancel();
}
