//! Starts `bazaar up` as a child process on free ports and a temporary data directory.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub(crate) struct Shop {
    pub(crate) url: String,
    pub(crate) data_dir: tempfile::TempDir,
    child: Option<Child>,
}

/// A free loopback port below the ephemeral range, as `bazaar up` picks them, so that a server
/// restarted on it (NATS in the outage test) does not find it taken by some connection.
pub(crate) fn free_port() -> u16 {
    bazaar::up::free_port(&[]).unwrap()
}

impl Shop {
    /// Runs `bazaar up` with `extra` flags and waits for its ready line.
    pub(crate) fn start(extra: &[&str]) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_bazaar"))
            .arg("up")
            .arg(format!("--data-dir={}", data_dir.path().display()))
            .arg(format!("--http-port={port}"))
            .args(extra)
            .env("BAZAAR_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Bazaar is ready: ") {
                    let _ =
                        sender.send(rest.split_whitespace().next().unwrap_or_default().to_owned());
                }
            }
        });
        let url =
            receiver.recv_timeout(Duration::from_secs(120)).expect("bazaar up printed its URL");
        Self { url, data_dir, child: Some(child) }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Returns the pid of a service, from `run/services.json`.
    pub(crate) fn service_pid(&self, service: &str) -> Option<u32> {
        bazaar::up::running_services(self.data_dir.path()).ok()?.get(service)?.pid
    }

    /// Returns the pid of every running service.
    pub(crate) fn service_pids(&self) -> Vec<u32> {
        bazaar::up::running_services(self.data_dir.path())
            .unwrap()
            .values()
            .filter_map(|running| running.pid)
            .collect()
    }

    /// Runs `bazaar verify --wait 60s` on the shop: whether every invariant holds, and the report.
    pub(crate) fn verify(&self) -> (bool, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_bazaar"))
            .arg("verify")
            .arg(format!("--data-dir={}", self.data_dir.path().display()))
            .arg("--wait=60s")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    }

    /// Sends SIGTERM to `bazaar up` and waits for it to exit.
    pub(crate) async fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        signal(child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "bazaar up did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "TERM");
            let _ = child.wait();
        }
    }
}

pub(crate) fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status();
}

pub(crate) fn alive(pid: u32) -> bool {
    // A zombie has exited; it only waits for its parent to read its status.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

/// Polls until `check` holds or 30 seconds pass.
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
