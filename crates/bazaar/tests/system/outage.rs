//! PostgreSQL and NATS go away while the shop runs: requests that need them fail fast with 503, and
//! the shop serves again by itself within seconds after they return, without restarting a service.
//!
//! PostgreSQL is reached through a TCP proxy the test can cut (every connection dropped, new ones
//! refused), as a restart or a network failure would. NATS is a private server the test stops and
//! starts again on the same port and storage.

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::{net::TcpListener, task::JoinSet};

use crate::shop::{Shop, eventually, free_port};

/// A TCP proxy to one upstream that can be cut and restored.
struct Proxy {
    port: u16,
    up: Arc<Mutex<bool>>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(Mutex::new(true));
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let (flag, set) = (Arc::clone(&up), Arc::clone(&connections));
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                if !*flag.lock().unwrap() {
                    continue; // Dropped at once: refused.
                }
                set.lock().unwrap().spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self { port, up, connections }
    }

    fn cut(&self) {
        *self.up.lock().unwrap() = false;
        self.connections.lock().unwrap().abort_all();
    }

    fn restore(&self) {
        *self.up.lock().unwrap() = true;
    }
}

fn nats_server(port: u16, store: &std::path::Path) -> Option<Child> {
    let binary = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())?;
    Command::new(binary)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_rides_out_postgres_and_nats_outages() {
    let Some(postgres) = bazaar_testkit::postgres_url("the_shop_rides_out_outages") else {
        return;
    };
    // postgres://user@host:port/db → host:port
    let authority = postgres.split("://").nth(1).unwrap().split('/').next().unwrap();
    let host_port = authority.rsplit('@').next().unwrap().to_owned();
    let with_port =
        if host_port.contains(':') { host_port.clone() } else { format!("{host_port}:5432") };
    let upstream: SocketAddr = tokio::net::lookup_host(with_port).await.unwrap().next().unwrap();
    let nats_store = tempfile::tempdir().unwrap();
    let nats_port = free_port();
    let Some(mut nats) = nats_server(nats_port, nats_store.path()) else {
        eprintln!("skipped the_shop_rides_out_outages: no nats-server binary");
        return;
    };
    let proxy = Proxy::start(upstream).await;
    let proxied = postgres.replacen(&host_port, &format!("127.0.0.1:{}", proxy.port), 1);
    let prefix = bazaar_testkit::unique_prefix();
    let _databases = bazaar_testkit::ServerDatabases::new(&postgres, &prefix);
    let mut shop = Shop::start(&[
        &format!("--database-url={proxied}"),
        &format!("--database-prefix={prefix}"),
        "--events=nats",
        &format!("--nats-url=nats://127.0.0.1:{nats_port}"),
    ]);
    let url = shop.url.clone();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let (status, user) = {
        let response = client
            .post(format!("{url}/api/v1/users"))
            .json(&json!({"email": format!("{prefix}@example.com"), "password": "correct horse battery", "name": "Ada"}))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 201, "{user}");
    let token = user["token"].as_str().unwrap().to_owned();
    let (_, kite) =
        call(&client, reqwest::Method::GET, &format!("{url}/api/v1/products/kite"), &token, None)
            .await;
    let kite = kite["id"].as_str().unwrap().to_owned();
    let cart_url = format!("{url}/api/v1/cart");
    let add = json!({"product_id": kite, "quantity": 1});
    let (status, _) =
        call(&client, reqwest::Method::POST, &format!("{cart_url}/items"), &token, Some(add)).await;
    assert!(status == 200 || status == 201);

    // PostgreSQL away: 503 quickly, for reads and writes.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let (status, body) = call(&client, reqwest::Method::GET, &cart_url, &token, None).await;
    assert_eq!(status, 503, "{body}");
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast: {:?}", started.elapsed());
    assert_eq!(body["code"], "service_unavailable");
    // Back: serving again within seconds, no service restarted.
    let pids = shop.service_pids();
    proxy.restore();
    let back = Instant::now();
    eventually("the cart is served again after PostgreSQL returns", || async {
        call(&client, reqwest::Method::GET, &cart_url, &token, None).await.0 == 200
    })
    .await;
    assert!(back.elapsed() < Duration::from_secs(15), "recovered in {:?}", back.elapsed());

    // NATS away: orders still go through (events wait in the outboxes), and are delivered once
    // NATS is back: the cart empties and the confirmation arrives.
    nats.kill().unwrap();
    nats.wait().unwrap();
    let order = json!({
        "address": {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
        "shipping_option": "standard",
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    });
    let response = client
        .post(format!("{url}/api/v1/orders"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "outage-1")
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let placed: Value = response.json().await.unwrap();
    assert_eq!(placed["status"], "confirmed", "{placed}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, cart) = call(&client, reqwest::Method::GET, &cart_url, &token, None).await;
    assert_eq!(cart["item_count"], 1, "the event waits while NATS is away");
    let mut nats = nats_server(nats_port, nats_store.path()).unwrap();
    eventually("OrderConfirmed to arrive once NATS is back", || async {
        call(&client, reqwest::Method::GET, &cart_url, &token, None).await.1["item_count"] == 0
    })
    .await;
    assert_eq!(shop.service_pids(), pids, "no service was restarted");
    assert!(shop.stop().await.success());
    let _ = nats.kill();
    let _ = nats.wait();
}
