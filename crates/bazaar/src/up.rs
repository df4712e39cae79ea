//! `bazaar up`: the whole shop on one machine, each service its own OS process.
//!
//! The supervisor allocates a loopback port per service, below the system's ephemeral range (the
//! gateway gets `--http-port`), starts every service as `bazaar serve <name>` with the addresses
//! of its upstreams and event sinks, waits until each answers `/readyz`, prints the storefront
//! URL, and restarts a service that exits with a growing backoff (the port stays the same, so
//! nobody needs rewiring). On Ctrl-C or SIGTERM it closes each child's standard input, which
//! makes it drain and stop, and kills any that outlive the grace period. Children also stop by
//! themselves if the supervisor dies, since their standard input closes then too.
//!
//! While running, `<data-dir>/run/services.json` lists each service's pid and port.

use std::{
    collections::BTreeMap,
    io::{IsTerminal as _, Write as _},
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    process::{ExitCode, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use bazaar_platform::{
    config::{EXIT_BAD_CONFIG, TransportKind},
    shutdown::CancellationToken,
};
use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncBufReadExt as _, BufReader},
    process::Command,
};

use crate::{
    cli::UpArgs,
    topology::{self, ServiceInfo},
};

/// Time a stopping service gets before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Longest wait for the whole shop to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `bazaar up` and returns the exit code.
pub fn main(args: UpArgs) -> ExitCode {
    if let Err(message) = args.validate() {
        bazaar_platform::config::exit_bad_config("bazaar up", &message);
    }
    // A missing service binary is a configuration error too: reported before any port is bound.
    let programs = std::env::current_exe()
        .context("locating the bazaar executable")
        .and_then(|exe| programs(&exe, &topology::services(), args.service_binaries));
    let programs = match programs {
        Ok(programs) => programs,
        Err(error) => bazaar_platform::config::exit_bad_config("bazaar up", &format!("{error:#}")),
    };
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(runtime) => runtime,
            Err(error) => {
                return bazaar_platform::config::exit_code("bazaar up", Err(error.into()));
            }
        };
    let result = runtime.block_on(run(args, programs));
    runtime.shutdown_timeout(Duration::from_secs(1));
    bazaar_platform::config::exit_code("bazaar up", result)
}

/// The launch plan of one service.
#[derive(Debug, Clone)]
struct Plan {
    name: &'static str,
    port: u16,
    args: Vec<String>,
}

/// What `run/services.json` holds.
#[derive(Debug, Default, Serialize)]
struct State {
    pid: u32,
    url: String,
    services: BTreeMap<&'static str, Running>,
}

/// A service of a running `bazaar up`, as its state file records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    /// The process serving it now; none while it is being restarted.
    pub pid: Option<u32>,
    /// Its loopback port (the same across restarts).
    pub port: u16,
    /// Times it was restarted.
    pub restarts: u32,
}

/// Reads each service's port from the state file of a running `bazaar up`.
///
/// # Errors
/// When the file cannot be read or parsed.
pub fn running_ports(data_dir: &Path) -> anyhow::Result<BTreeMap<String, u16>> {
    Ok(running_services(data_dir)?
        .into_iter()
        .map(|(name, running)| (name, running.port))
        .collect())
}

/// Reads each service's pid and port from the state file of a running `bazaar up`.
///
/// # Errors
/// When the file cannot be read or parsed.
pub fn running_services(data_dir: &Path) -> anyhow::Result<BTreeMap<String, Running>> {
    #[derive(Deserialize)]
    struct Recorded {
        services: BTreeMap<String, Running>,
    }
    let path = data_dir.join("run/services.json");
    let text = std::fs::read(&path).with_context(|| {
        format!("reading {} (is `bazaar up` running with this --data-dir?)", path.display())
    })?;
    let recorded: Recorded =
        serde_json::from_slice(&text).with_context(|| format!("reading {}", path.display()))?;
    Ok(recorded.services)
}

type SharedState = Arc<Mutex<State>>;

/// glibc allocator setting for every service: blocks of 4 MiB and more (in practice identity's
/// 19 MiB argon2 working areas) are always mapped on their own and given back to the system when
/// freed. Without it glibc raises that threshold after the first such block and keeps every later
/// one in a per-thread arena for good. Containers set the same in `deploy/Dockerfile`.
const MALLOC_TUNABLES: &str = "glibc.malloc.mmap_threshold=4194304";

/// The program each service runs: with `--service-binaries`, its own binary next to this
/// executable (all must exist, so a half-built set fails at once with the command that builds
/// it); otherwise none, and every service runs as `bazaar serve <service>`.
fn programs(
    exe: &Path,
    services: &[ServiceInfo],
    own_binaries: bool,
) -> anyhow::Result<BTreeMap<&'static str, PathBuf>> {
    let mut programs = BTreeMap::new();
    if !own_binaries {
        return Ok(programs);
    }
    let dir = exe.parent().context("locating the directory of the bazaar executable")?;
    for service in services {
        let path = dir.join(format!("bazaar-{}{}", service.name, std::env::consts::EXE_SUFFIX));
        anyhow::ensure!(
            path.is_file(),
            "--service-binaries: {} is missing; build the services with `cargo build --release --workspace --bins`",
            path.display()
        );
        programs.insert(service.name, path);
    }
    Ok(programs)
}

async fn run(args: UpArgs, programs: BTreeMap<&'static str, PathBuf>) -> anyhow::Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let data_dir = std::fs::canonicalize(&args.data_dir)?;
    let exe = std::env::current_exe().context("locating the bazaar executable")?;
    let services = topology::services();

    let gateway_addr = SocketAddr::new(args.http_host, args.http_port);
    std::net::TcpListener::bind(gateway_addr).with_context(|| {
        format!("port {} is in use; stop what uses it or pass --http-port", args.http_port)
    })?;
    // The gateway's port is taken from the start, so no service is handed the same one.
    let mut taken = vec![args.http_port];
    let mut ports = BTreeMap::new();
    for service in &services {
        let port = if service.name == "gateway" { args.http_port } else { free_port(&taken)? };
        taken.push(port);
        ports.insert(service.name, port);
    }
    let plans: Vec<Plan> = services
        .iter()
        .map(|service| plan(service, &services, &ports, &args, &data_dir))
        .collect::<anyhow::Result<_>>()?;

    let url = format!("http://{}", display_host(gateway_addr));
    let state: SharedState = Arc::new(Mutex::new(State {
        pid: std::process::id(),
        url: url.clone(),
        services: plans
            .iter()
            .map(|plan| (plan.name, Running { port: plan.port, ..Default::default() }))
            .collect(),
    }));
    let state_file = data_dir.join("run").join("services.json");
    std::fs::create_dir_all(data_dir.join("run"))?;

    let shutdown = CancellationToken::new();
    bazaar_platform::shutdown::cancel_on_signal(shutdown.clone(), false);
    let fatal = CancellationToken::new();
    let fatal_reason = Arc::new(Mutex::new(None));
    let color = std::io::stderr().is_terminal();
    let supervisors: Vec<_> = plans
        .iter()
        .cloned()
        .map(|plan| {
            let context = Supervisor {
                own_binary: programs.get(plan.name).cloned(),
                exe: exe.clone(),
                plan,
                state: Arc::clone(&state),
                state_file: state_file.clone(),
                shutdown: shutdown.clone(),
                fatal: fatal.clone(),
                fatal_reason: Arc::clone(&fatal_reason),
                color,
            };
            tokio::spawn(context.run())
        })
        .collect();

    let ready = tokio::select! {
        ready = wait_until_ready(&plans) => ready,
        () = shutdown.cancelled() => Ok(()),
        () = fatal.cancelled() => Err(anyhow::anyhow!("a service cannot start")),
    };
    match ready {
        Ok(()) if !shutdown.is_cancelled() => {
            let elapsed = started.elapsed();
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(
                stdout,
                "\nBazaar is ready: {url}  (started in {} ms; press Ctrl-C to stop)\n",
                elapsed.as_millis()
            );
            let _ = stdout.flush();
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = fatal.cancelled() => {}
            }
        }
        Ok(()) => {}
        Err(error) => {
            shutdown.cancel();
            for supervisor in supervisors {
                let _ = supervisor.await;
            }
            let reason = fatal_reason.lock().ok().and_then(|reason| reason.clone());
            return Err(reason.map_or(error, |reason: String| anyhow::anyhow!(reason)));
        }
    }
    shutdown.cancel();
    for supervisor in supervisors {
        let _ = supervisor.await;
    }
    let _ = std::fs::remove_file(&state_file);
    if let Some(reason) = fatal_reason.lock().ok().and_then(|reason| reason.clone()) {
        anyhow::bail!(reason);
    }
    tracing::info!("every service stopped");
    Ok(())
}

fn display_host(address: SocketAddr) -> String {
    if address.ip().is_unspecified() {
        format!("localhost:{}", address.port())
    } else {
        address.to_string()
    }
}

/// Ports handed to services: below Linux's ephemeral range (32768–60999), from which the system
/// picks the local port of every outgoing connection and of every bind to port 0. A service
/// keeps its port across restarts so its callers need no rewiring; a port from the ephemeral
/// range could meanwhile be taken by any connection on the machine, and the restarted service
/// would find it in use.
const SERVICE_PORTS: std::ops::Range<u16> = 20_000..32_000;

/// Picks a free loopback port in [`SERVICE_PORTS`] not in `taken`. The port is released before
/// the service binds it; the window is short.
///
/// # Errors
/// When a couple of hundred random tries found no free port.
pub fn free_port(taken: &[u16]) -> anyhow::Result<u16> {
    let span = u128::from(SERVICE_PORTS.end - SERVICE_PORTS.start);
    for _ in 0..200 {
        let offset = u16::try_from(uuid::Uuid::new_v4().as_u128() % span).unwrap_or(0);
        let port = SERVICE_PORTS.start + offset;
        if taken.contains(&port) {
            continue;
        }
        if std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    anyhow::bail!("no free loopback port between {} and {}", SERVICE_PORTS.start, SERVICE_PORTS.end)
}

fn plan(
    service: &ServiceInfo,
    all: &[ServiceInfo],
    ports: &BTreeMap<&'static str, u16>,
    args: &UpArgs,
    data_dir: &Path,
) -> anyhow::Result<Plan> {
    let port = ports[service.name];
    let host =
        if service.name == "gateway" { args.http_host } else { IpAddr::V4(Ipv4Addr::LOCALHOST) };
    let mut flags = vec![
        format!("--listen={}", SocketAddr::new(host, port)),
        format!("--data-dir={}", data_dir.display()),
        format!("--log={}", args.log),
    ];
    if service.name != "gateway" {
        flags.push(format!("--fault-injection={}", args.fault_injection));
    }
    for upstream in service.calls() {
        let upstream_port =
            ports.get(upstream.as_str()).with_context(|| format!("unknown service {upstream}"))?;
        flags.push(format!("--{upstream}-url=http://127.0.0.1:{upstream_port}"));
    }
    if service.accepts("database-url")
        && let Some(server) = &args.database_url
    {
        let url = bazaar_platform::db::postgres_url_for_database(
            server,
            &format!("{}_{}", args.database_prefix, service.name),
        )?;
        flags.push(format!("--database-url={url}"));
    }
    if service.accepts("events") {
        let transport = match args.events {
            TransportKind::Direct => "direct",
            TransportKind::Nats => "nats",
        };
        flags.push(format!("--events={transport}"));
        if let Some(nats) = &args.nats_url {
            flags.push(format!("--nats-url={nats}"));
            flags.push(format!("--nats-namespace={}", args.nats_namespace));
        }
        for sink in topology::sinks_of(service, all) {
            flags.push(format!("--event-sink={sink}=http://127.0.0.1:{}", ports[sink]));
        }
    }
    for extra in &args.service_args {
        if let Some((name, flag)) = extra.split_once(':')
            && name == service.name
        {
            flags.push(flag.to_owned());
        }
    }
    Ok(Plan { name: service.name, port, args: flags })
}

async fn wait_until_ready(plans: &[Plan]) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let checks = plans.iter().map(|plan| {
        let client = client.clone();
        async move {
            let url = format!("http://127.0.0.1:{}/readyz", plan.port);
            let deadline = Instant::now() + READY_TIMEOUT;
            loop {
                if let Ok(response) = client.get(&url).send().await
                    && response.status().is_success()
                {
                    return Ok(());
                }
                if Instant::now() > deadline {
                    anyhow::bail!(
                        "{} did not become ready within {} s",
                        plan.name,
                        READY_TIMEOUT.as_secs()
                    );
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    });
    futures::future::try_join_all(checks).await.map(|_| ())
}

/// Keeps one service running.
struct Supervisor {
    plan: Plan,
    /// The `bazaar` executable, run as `bazaar serve <service>`...
    exe: PathBuf,
    /// ... unless the service's own binary is to run (`--service-binaries`).
    own_binary: Option<PathBuf>,
    state: SharedState,
    state_file: PathBuf,
    shutdown: CancellationToken,
    fatal: CancellationToken,
    fatal_reason: Arc<Mutex<Option<String>>>,
    color: bool,
}

impl Supervisor {
    async fn run(self) {
        let mut backoff = Duration::from_millis(250);
        let mut restarts = 0;
        while !self.shutdown.is_cancelled() {
            let launched = Instant::now();
            let mut child = match self.spawn() {
                Ok(child) => child,
                Err(error) => {
                    self.fail(format!("cannot start {}: {error:#}", self.plan.name));
                    return;
                }
            };
            self.record(child.id(), restarts);
            // `wait` would close the child's standard input, which tells it to stop: keep it here.
            let stdin = child.stdin.take();
            let status = tokio::select! {
                status = child.wait() => status,
                () = self.shutdown.cancelled() => {
                    stop(&mut child, stdin, self.plan.name).await;
                    self.record(None, restarts);
                    return;
                }
            };
            self.record(None, restarts);
            if self.shutdown.is_cancelled() {
                return;
            }
            let code = status.as_ref().ok().and_then(std::process::ExitStatus::code);
            if code == Some(i32::from(EXIT_BAD_CONFIG)) {
                self.fail(format!(
                    "{} refused its configuration (see its message above)",
                    self.plan.name
                ));
                return;
            }
            if launched.elapsed() > Duration::from_secs(30) {
                backoff = Duration::from_millis(250);
            }
            let shown = status.map_or_else(|error| error.to_string(), |status| status.to_string());
            tracing::warn!(service = self.plan.name, status = %shown, "service exited; restarting in {backoff:?}");
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = self.shutdown.cancelled() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
            restarts += 1;
        }
    }

    fn spawn(&self) -> anyhow::Result<tokio::process::Child> {
        let mut command = match &self.own_binary {
            Some(binary) => Command::new(binary),
            None => {
                let mut command = Command::new(&self.exe);
                command.arg("serve").arg(self.plan.name);
                command
            }
        };
        command
            .args(&self.plan.args)
            .env("BAZAAR_EXIT_WITH_PARENT", "true")
            .env("GLIBC_TUNABLES", MALLOC_TUNABLES)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if !self.color {
            command.env("NO_COLOR", "1");
        }
        let mut child = command.spawn()?;
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(forward(self.plan.name, BufReader::new(stdout)));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(forward(self.plan.name, BufReader::new(stderr)));
        }
        Ok(child)
    }

    fn record(&self, pid: Option<u32>, restarts: u32) {
        let Ok(mut state) = self.state.lock() else { return };
        if let Some(service) = state.services.get_mut(self.plan.name) {
            service.pid = pid;
            service.restarts = restarts;
        }
        if let Ok(json) = serde_json::to_vec_pretty(&*state) {
            let temporary = self.state_file.with_extension(format!("{}.tmp", self.plan.name));
            if std::fs::write(&temporary, json).is_ok() {
                let _ = std::fs::rename(&temporary, &self.state_file);
            }
        }
    }

    fn fail(&self, reason: String) {
        tracing::error!("{reason}");
        if let Ok(mut fatal_reason) = self.fatal_reason.lock() {
            fatal_reason.get_or_insert(reason);
        }
        self.fatal.cancel();
    }
}

/// Asks a child to stop by closing its standard input, and kills it after the grace period.
async fn stop(
    child: &mut tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    name: &str,
) {
    drop(stdin);
    if tokio::time::timeout(STOP_GRACE, child.wait()).await.is_err() {
        tracing::warn!(service = name, "did not stop in time; killing it");
        let _ = child.kill().await;
    }
}

/// Copies a child's output to ours, one line at a time, prefixed with its name.
async fn forward<R: tokio::io::AsyncRead + Unpin>(name: &'static str, reader: BufReader<R>) {
    let mut lines = reader.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{name:>14} | {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_binaries_are_used_only_when_asked_for_and_all_present() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("bazaar");
        let services = topology::services();
        assert!(programs(&exe, &services, false).unwrap().is_empty());

        let error = programs(&exe, &services, true).unwrap_err().to_string();
        assert!(error.contains("bazaar-"), "{error}");
        assert!(error.contains("cargo build --release --workspace --bins"), "{error}");

        for service in &services {
            std::fs::write(dir.path().join(format!("bazaar-{}", service.name)), b"").unwrap();
        }
        let programs = programs(&exe, &services, true).unwrap();
        assert_eq!(programs.len(), services.len());
        assert_eq!(programs["catalog"], dir.path().join("bazaar-catalog"));
    }
}
