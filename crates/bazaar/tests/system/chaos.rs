//! `bazaar chaos` against a running shop: injected payment failures and latency under a
//! checkout load leave every invariant intact; kill, restart and pause act on the right process
//! and the shop serves again afterwards; mistakes in the command are refused with exit code 2.

use std::{
    process::{Command, Output},
    time::Duration,
};

use crate::shop::{Shop, alive, eventually};

fn chaos(shop: &Shop, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bazaar"))
        .arg("chaos")
        .arg(format!("--data-dir={}", shop.data_dir.path().display()))
        .args(args)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn ok(shop: &Shop, args: &[&str]) -> String {
    let output = chaos(shop, args);
    assert!(output.status.success(), "bazaar chaos {args:?}: {}", text(&output));
    text(&output)
}

fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(')').next()?.trim_start().chars().next()
}

async fn page_status(client: &reqwest::Client, url: &str) -> u16 {
    client.get(url).send().await.map_or(0, |response| response.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_kills_and_pauses_leave_the_shop_consistent_and_serving() {
    let shop = Shop::start(&["--service-arg=orders:--saga-timeout=15s"]);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let product = format!("{}/products/kite", shop.url);
    assert_eq!(page_status(&client, &product).await, 200);

    // Mistakes are refused before anything happens.
    for (args, expected) in [
        (&["kill", "nosuch"][..], "unknown service 'nosuch'"),
        (&["fault", "gateway", "--error", "internal"], "the gateway serves no RPCs"),
        (&["fault", "payment"], "needs a delay_ms, an error or both"),
        (&["fault", "payment", "--rpc", "no such!", "--error", "internal"], "rpc:"),
    ] {
        let output = chaos(&shop, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(text(&output).contains(expected), "{args:?}: {}", text(&output));
    }
    let output = chaos(&shop, &["fault", "payment", "--error", "internal", "--rate", "2"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));

    // Half the charges fail as if payment were unreachable, and reservations are slow: the saga
    // retries or compensates, and checkouts go on.
    ok(&shop, &["fault", "payment", "--rpc", "Charge", "--error", "unavailable", "--rate", "0.5"]);
    ok(&shop, &["fault", "inventory", "--rpc", "InventoryService/Reserve", "--delay", "50ms"]);
    let listed = ok(&shop, &["faults"]);
    assert!(listed.contains("Charge") && listed.contains("unavailable"), "{listed}");
    assert!(listed.contains("InventoryService/Reserve") && listed.contains("50ms"), "{listed}");
    let load = Command::new(env!("CARGO_BIN_EXE_bazaar"))
        .args(["load", "--scenario=checkout", "--connections=4", "--duration=4s", "--json"])
        .arg(format!("--url={}", shop.url))
        .arg(format!("--data-dir={}", shop.data_dir.path().display()))
        .output()
        .unwrap();
    assert!(load.status.success(), "{}", text(&load));
    let report: serde_json::Value = serde_json::from_slice(&load.stdout).unwrap();
    let checkouts = &report["steps"]["checkout"];
    assert!(checkouts["requests"].as_u64().unwrap() > 0, "{report}");
    let listed = ok(&shop, &["faults", "payment"]);
    let injected: u64 = listed
        .lines()
        .find(|line| line.contains("Charge"))
        .and_then(|line| line.split_whitespace().last())
        .and_then(|count| count.parse().ok())
        .unwrap();
    assert!(injected > 0, "some charges failed on purpose: {listed}");
    let cleared = ok(&shop, &["clear"]);
    assert!(cleared.contains("payment: 1 fault(s) removed"), "{cleared}");
    assert!(cleared.contains("inventory: 1 fault(s) removed"), "{cleared}");
    assert!(ok(&shop, &["faults"]).contains("no faults in force"));

    // A rule for every RPC slows the catalog's calls, never its health checks or `/faults`.
    ok(&shop, &["fault", "catalog", "--delay", "20ms"]);
    assert_eq!(page_status(&client, &format!("{}/products/stoneware-mug", shop.url)).await, 200);
    assert!(ok(&shop, &["clear", "catalog"]).contains("catalog: 1 fault(s) removed"));

    let (holds, report) = shop.verify();
    assert!(holds, "invariants after injected faults:\n{report}");
    // The orders service counts how its sagas ended.
    let ports = bazaar::up::running_ports(shop.data_dir.path()).unwrap();
    let metrics = client
        .get(format!("http://127.0.0.1:{}/metrics", ports["orders"]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("saga_outcomes_total{outcome=\"confirmed\"}"), "{metrics}");
    assert!(metrics.contains("saga_duration_seconds_bucket{outcome=\"confirmed\""), "{metrics}");

    // Kill: a new catalog process, ready again, and the page serves.
    let before = shop.service_pid("catalog").unwrap();
    let said = ok(&shop, &["kill", "catalog"]);
    assert!(said.contains("catalog is back"), "{said}");
    assert!(!alive(before), "the old catalog process is gone");
    assert_ne!(shop.service_pid("catalog").unwrap(), before);
    assert_eq!(page_status(&client, &product).await, 200);

    // Restart: a graceful stop, then a new process.
    let before = shop.service_pid("recommendation").unwrap();
    let said = ok(&shop, &["restart", "recommendation"]);
    assert!(said.contains("recommendation is back"), "{said}");
    assert_ne!(shop.service_pid("recommendation").unwrap(), before);

    // Pause: the process is stopped (state T) while the command runs, and runs again after.
    let pid = shop.service_pid("cart").unwrap();
    let mut pausing = Command::new(env!("CARGO_BIN_EXE_bazaar"))
        .arg("chaos")
        .arg(format!("--data-dir={}", shop.data_dir.path().display()))
        .args(["pause", "cart", "--for=2s"])
        .spawn()
        .unwrap();
    eventually("cart is stopped", || async { state(pid) == Some('T') }).await;
    assert!(pausing.wait().unwrap().success());
    assert_ne!(state(pid), Some('T'), "cart runs again");
    assert_eq!(shop.service_pid("cart"), Some(pid), "a pause is not a restart");
    assert_eq!(page_status(&client, &format!("{}/cart", shop.url)).await, 200);
}
