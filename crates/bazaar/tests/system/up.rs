//! `bazaar up` as a user runs it: browse through the gateway, survive a crashed service, stop cleanly.

use std::time::Duration;

use crate::shop::{Shop, alive, eventually, signal};

async fn get(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_serves_recovers_from_a_crash_and_stops_cleanly() {
    let mut shop = Shop::start(&[]);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let url = shop.url.clone();

    let (status, home) = get(&client, &url).await;
    assert_eq!(status, 200);
    assert!(home.contains("Well-made things for every day"));
    assert!(home.contains("Featured"));
    let (status, kitchen) = get(&client, &format!("{url}/c/kitchen")).await;
    assert_eq!(status, 200);
    assert!(kitchen.contains("Cast Iron Skillet"));
    let (status, search) = get(&client, &format!("{url}/search?q=wool+blanket")).await;
    assert_eq!(status, 200);
    assert!(search.contains("Wool Throw Blanket"));
    let (status, product) = get(&client, &format!("{url}/products/cast-iron-skillet")).await;
    assert_eq!(status, 200);
    assert!(product.contains("$45.00"));
    assert!(product.contains("More from Kitchen"));
    let (status, api) =
        get(&client, &format!("{url}/api/v1/products?category=garden&page_size=3")).await;
    assert_eq!(status, 200);
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    assert_eq!(api["items"].as_array().unwrap().len(), 3);
    assert_eq!(api["total_items"], 9);

    // Kill the catalog: pages answer 503 quickly, then it is restarted and serves again.
    let catalog = shop.service_pid("catalog").unwrap();
    signal(catalog, "KILL");
    eventually("the catalog is restarted", || async {
        shop.service_pid("catalog").is_some_and(|pid| pid != catalog)
    })
    .await;
    eventually("the catalog serves again", || async {
        get(&client, &format!("{url}/products/chefs-knife")).await.0 == 200
    })
    .await;

    // The load generator's internal-hop scenario reaches the restarted catalog over gRPC.
    let load = std::process::Command::new(env!("CARGO_BIN_EXE_bazaar"))
        .args(["load", "--url", &url, "--scenario", "grpc-hop", "--connections", "2"])
        .args(["--duration", "500ms", "--json", "--data-dir"])
        .arg(shop.data_dir.path())
        .output()
        .unwrap();
    assert!(load.status.success(), "{}", String::from_utf8_lossy(&load.stderr));
    let report: serde_json::Value = serde_json::from_slice(&load.stdout).unwrap();
    for step in ["grpc-health", "grpc-product"] {
        assert!(report["steps"][step]["requests"].as_u64().unwrap() > 0, "{report}");
        assert_eq!(report["steps"][step]["errors"], 0, "{report}");
    }

    let children = shop.service_pids();
    assert_eq!(children.len(), 10, "{children:?}");
    let supervisor = shop.pid();
    assert!(shop.stop().await.success());
    for pid in children.into_iter().chain([supervisor]) {
        assert!(!alive(pid), "process {pid} outlived bazaar up");
    }
}

/// With `--service-binaries` every service runs its own binary. They sit beside `bazaar` once the
/// workspace's binaries are built (`cargo test --workspace` builds them for the services' own
/// tests); a narrower build has none, and this test says it was skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_can_run_its_own_binary() {
    let dir = std::path::Path::new(env!("CARGO_BIN_EXE_bazaar")).parent().unwrap();
    let services = bazaar::topology::services();
    let missing: Vec<&str> = services
        .iter()
        .map(|service| service.name)
        .filter(|name| !dir.join(format!("bazaar-{name}")).is_file())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "skipped: no service binaries beside bazaar ({missing:?}); run cargo test --workspace"
        );
        return;
    }
    let mut shop = Shop::start(&["--service-binaries"]);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let (status, product) = get(&client, &format!("{}/products/cast-iron-skillet", shop.url)).await;
    assert_eq!(status, 200);
    assert!(product.contains("$45.00"));

    let children = shop.service_pids();
    assert_eq!(children.len(), services.len(), "{children:?}");
    for service in &services {
        let pid = shop.service_pid(service.name).unwrap();
        let command = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let program = command.split(|byte| *byte == 0).next().unwrap();
        assert!(
            program.ends_with(format!("bazaar-{}", service.name).as_bytes()),
            "{} runs {}",
            service.name,
            String::from_utf8_lossy(program)
        );
    }
    assert!(shop.stop().await.success());
    for pid in children {
        assert!(!alive(pid), "process {pid} outlived bazaar up");
    }
}
