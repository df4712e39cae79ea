//! Client-side balancing over several replicas of a service: two catalog processes behind one
//! upstream setting, a gateway in front. Both serve; when one is killed, no request fails (the
//! retry budget and the re-probe of the endpoint set absorb it).
//!
//! In Kubernetes the two addresses come from resolving a headless Service's name; here they are
//! given as a list (`http://127.0.0.1:P,http://127.0.0.2:P`), which goes through the same balanced
//! channel, refreshed every two seconds and right after a failure.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::shop::{eventually, free_port, signal};

/// A service process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(service: &str, args: &[String]) -> Process {
    Process(
        Command::new(env!("CARGO_BIN_EXE_bazaar"))
            .arg("serve")
            .arg(service)
            .args(args)
            .env("BAZAAR_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    )
}

async fn ready(client: &reqwest::Client, base: &str) {
    eventually(&format!("{base} to be ready"), || async {
        client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200)
    })
    .await;
}

/// Calls of `SearchProducts` a catalog has answered, from its metrics.
async fn searches_served(client: &reqwest::Client, base: &str) -> f64 {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .filter(|line| {
            line.starts_with("grpc_server_requests_total{") && line.contains("SearchProducts")
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_catalogs_share_the_load_and_losing_one_fails_no_request() {
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let dir = |name: &str| data.path().join(name).display().to_string();
    let identity_port = free_port();
    let identity = format!("http://127.0.0.1:{identity_port}");
    let _identity = serve(
        "identity",
        &[format!("--listen=127.0.0.1:{identity_port}"), format!("--data-dir={}", dir("identity"))],
    );
    ready(&client, &identity).await;

    // Two replicas on one port, on two loopback addresses; each with its own (identically seeded)
    // database, as two pods would share one.
    let port = free_port();
    let replica = |ip: &str, name: &str| {
        serve(
            "catalog",
            &[
                format!("--listen={ip}:{port}"),
                format!("--data-dir={}", dir(name)),
                format!("--identity-url={identity}"),
            ],
        )
    };
    let mut first = replica("127.0.0.1", "catalog-a");
    let _second = replica("127.0.0.2", "catalog-b");
    let (a, b) = (format!("http://127.0.0.1:{port}"), format!("http://127.0.0.2:{port}"));
    ready(&client, &a).await;
    ready(&client, &b).await;

    let gateway_port = free_port();
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let mut args = vec![
        format!("--listen=127.0.0.1:{gateway_port}"),
        format!("--data-dir={}", dir("gateway")),
        format!("--catalog-url={a},{b}"),
        format!("--identity-url={identity}"),
    ];
    for upstream in ["cart", "inventory", "orders", "shipping", "recommendation", "notification"] {
        args.push(format!("--{upstream}-url={nowhere}"));
    }
    let _gateway = serve("gateway", &args);
    let gateway = format!("http://127.0.0.1:{gateway_port}");
    ready(&client, &gateway).await;

    let words = ["kite", "lamp", "mug", "tent", "wool", "knife", "pen", "chair", "tea", "soap"];
    let search = |i: usize| {
        let client = client.clone();
        let url = format!("{gateway}/api/v1/products?q={}", words[i % words.len()]);
        async move { client.get(url).send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
    };
    for i in 0..200 {
        assert_eq!(search(i).await, 200);
    }
    let (served_a, served_b) =
        (searches_served(&client, &a).await, searches_served(&client, &b).await);
    assert!(served_a >= 20.0 && served_b >= 20.0, "both replicas serve: {served_a} and {served_b}");

    // Lose one replica: every request still succeeds.
    signal(first.0.id(), "KILL");
    let _ = first.0.wait();
    let mut failed = Vec::new();
    for i in 0..200 {
        let status = search(i).await;
        if status != 200 {
            failed.push((i, status));
        }
    }
    assert!(failed.is_empty(), "failed requests after losing a replica: {failed:?}");
    assert!(searches_served(&client, &b).await >= served_b + 200.0, "the survivor took over");
}
