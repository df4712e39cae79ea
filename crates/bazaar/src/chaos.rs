//! `bazaar chaos`: breaks a running shop on purpose, to prove it survives.
//!
//! - `kill <service>`: SIGKILL, as a crash or an out-of-memory kill would; `bazaar up` restarts
//!   it, and the command waits until it is ready again and says how long that took;
//! - `restart <service>`: SIGTERM, a graceful stop (in-flight calls drain); `bazaar up` starts it
//!   again;
//! - `pause <service> --for 5s`: SIGSTOP, then SIGCONT: the process neither answers nor dies, as
//!   a stalled machine or a long garbage-collection pause looks to its callers;
//! - `fault <service> --rpc Charge --error unavailable --rate 0.3 --delay 200ms --for 1m`: the
//!   service's gRPC layer delays or fails matching calls (see `bazaar_platform::faults`);
//!   `faults` lists the rules in force, `clear` removes them.
//!
//! Services are found through `<data-dir>/run/services.json`. A pid is signalled only after
//! `/proc` confirms it is that service's process, so a stale state file never hits a stranger.

use std::{
    collections::BTreeMap,
    io::Write as _,
    os::unix::ffi::OsStrExt as _,
    path::{Path, PathBuf},
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use bazaar_platform::{
    config::parse_duration,
    faults::{ActiveFault, FaultCode, FaultRule},
};
use clap::{Args, Subcommand};
use nix::{sys::signal::Signal, unistd::Pid};

use crate::up::{Running, running_services};

/// The services of the running shop, by name.
type Services = BTreeMap<String, Running>;

/// Longest wait for a killed or restarted service to be ready again.
const BACK_TIMEOUT: Duration = Duration::from_secs(60);

/// Flags of `bazaar chaos`.
#[derive(Debug, Clone, Args)]
pub struct ChaosArgs {
    /// Data directory of the running `bazaar up`.
    #[arg(long, env = "BAZAAR_DATA_DIR", default_value = "./var", value_name = "DIR")]
    pub data_dir: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// What `bazaar chaos` does.
#[derive(Debug, Clone, Subcommand)]
pub enum Action {
    /// Kill a service with SIGKILL, as a crash would; `bazaar up` restarts it.
    Kill {
        /// The service, e.g. `payment`.
        service: String,
        /// Return at once instead of waiting until the service is ready again.
        #[arg(long)]
        no_wait: bool,
    },
    /// Stop a service gracefully with SIGTERM; `bazaar up` starts it again.
    Restart {
        /// The service, e.g. `catalog`.
        service: String,
        /// Return at once instead of waiting until the service is ready again.
        #[arg(long)]
        no_wait: bool,
    },
    /// Freeze a service (SIGSTOP) for a while, then let it go on (SIGCONT).
    Pause {
        /// The service, e.g. `inventory`.
        service: String,
        /// How long it stays frozen (Ctrl-C or SIGTERM end the pause early; should this command
        /// be killed outright, `kill -CONT <pid>` resumes the service).
        #[arg(long = "for", default_value = "5s", value_name = "DURATION", value_parser = parse_duration)]
        duration: Duration,
    },
    /// Delay or fail a service's RPCs.
    Fault(Box<FaultArgs>),
    /// List the faults in force, in every service or in one.
    Faults {
        /// Only this service.
        service: Option<String>,
    },
    /// Remove the faults of every service, or of one.
    Clear {
        /// Only this service.
        service: Option<String>,
    },
}

/// Flags of `bazaar chaos fault`.
#[derive(Debug, Clone, Args)]
pub struct FaultArgs {
    /// The service whose RPCs fail, e.g. `payment`.
    pub service: String,
    /// The RPCs: `*` (all), a method (`Charge`), `Service/Method` or a full method name.
    #[arg(long, default_value = "*", value_name = "NAME")]
    pub rpc: String,
    /// Latency added to each affected call.
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = parse_duration)]
    pub delay: Duration,
    /// Status answered instead of running the call.
    #[arg(long, value_enum, value_name = "CODE")]
    pub error: Option<FaultCode>,
    /// Share of matching calls affected, above 0 and at most 1.
    #[arg(long, default_value_t = 1.0, value_name = "SHARE", value_parser = parse_rate)]
    pub rate: f64,
    /// How long the fault lasts (default: until `bazaar chaos clear`).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
}

fn parse_rate(input: &str) -> Result<f64, String> {
    match input.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate <= 1.0 => Ok(rate),
        _ => Err("expected a share above 0 and at most 1, e.g. 0.25".to_owned()),
    }
}

/// A mistake of the operator's (exit code 2), as opposed to a failure of the shop (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

/// Runs `bazaar chaos` and returns the exit code: 0 when done, 1 when the shop did not behave
/// (a killed service did not come back), 2 for a mistake in the command.
pub fn main(args: &ChaosArgs) -> ExitCode {
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
        .and_then(|runtime| runtime.block_on(run(args)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "bazaar chaos: {error:#}");
            if error.is::<Usage>() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

async fn run(args: &ChaosArgs) -> anyhow::Result<()> {
    let services = running_services(&args.data_dir).map_err(|error| Usage(format!("{error:#}")))?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    match &args.action {
        Action::Kill { service, no_wait } => {
            signal_and_wait(&args.data_dir, &services, service, Signal::SIGKILL, !no_wait).await
        }
        Action::Restart { service, no_wait } => {
            signal_and_wait(&args.data_dir, &services, service, Signal::SIGTERM, !no_wait).await
        }
        Action::Pause { service, duration } => pause(&services, service, *duration).await,
        Action::Fault(fault) => {
            let port = fault_port(&services, &fault.service)?;
            let rule = FaultRule {
                rpc: fault.rpc.clone(),
                delay_ms: millis(fault.delay),
                error: fault.error,
                rate: fault.rate,
                duration_ms: fault.duration.map(millis),
            };
            let active = call(client.post(faults_url(port)).json(&rule), &fault.service).await?;
            print_faults(&[(fault.service.clone(), active)]);
            Ok(())
        }
        Action::Faults { service } => {
            let mut tables = Vec::new();
            for (name, port) in fault_ports(&services, service.as_deref())? {
                let active = call(client.get(faults_url(port)), &name).await?;
                tables.push((name, active));
            }
            print_faults(&tables);
            Ok(())
        }
        Action::Clear { service } => {
            let mut stdout = std::io::stdout().lock();
            for (name, port) in fault_ports(&services, service.as_deref())? {
                let cleared: serde_json::Value =
                    call(client.delete(faults_url(port)), &name).await?;
                let removed = cleared["removed"].as_u64().unwrap_or(0);
                if removed > 0 || service.is_some() {
                    writeln!(stdout, "{name}: {removed} fault(s) removed")?;
                }
            }
            Ok(())
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Returns the service named `name`, or says which names exist.
fn find<'a>(services: &'a Services, name: &str) -> Result<&'a Running, Usage> {
    services.get(name).ok_or_else(|| {
        let names: Vec<&str> = services.keys().map(String::as_str).collect();
        Usage(format!("unknown service '{name}'; the shop runs {}", names.join(", ")))
    })
}

fn fault_port(services: &Services, name: &str) -> Result<u16, Usage> {
    let running = find(services, name)?;
    if name == "gateway" {
        return Err(Usage(
            "the gateway serves no RPCs; fault the services it calls, or kill or pause it"
                .to_owned(),
        ));
    }
    Ok(running.port)
}

fn fault_ports(services: &Services, only: Option<&str>) -> Result<Vec<(String, u16)>, Usage> {
    match only {
        Some(name) => Ok(vec![(name.to_owned(), fault_port(services, name)?)]),
        None => Ok(services
            .iter()
            .filter(|(name, _)| *name != "gateway")
            .map(|(name, running)| (name.clone(), running.port))
            .collect()),
    }
}

fn faults_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/faults")
}

/// Sends a request to a service's `/faults` and reads the answer, turning refusals into messages.
async fn call<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    service: &str,
) -> anyhow::Result<T> {
    let response = request.send().await.with_context(|| format!("reaching {service}"))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(Usage(format!(
            "fault injection is off in {service}; start the shop with `bazaar up --fault-injection true`"
        ))
        .into());
    }
    if status == reqwest::StatusCode::BAD_REQUEST {
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let message = body["message"].as_str().unwrap_or("refused").to_owned();
        return Err(Usage(format!("{service} refused the fault: {message}")).into());
    }
    anyhow::ensure!(status.is_success(), "{service} answered {status}");
    response.json().await.with_context(|| format!("reading {service}'s answer"))
}

fn print_faults(tables: &[(String, Vec<ActiveFault>)]) {
    let mut stdout = std::io::stdout().lock();
    if tables.iter().all(|(_, faults)| faults.is_empty()) {
        let _ = writeln!(stdout, "no faults in force");
        return;
    }
    let _ = writeln!(
        stdout,
        "{:<14} {:<40} {:>8} {:<18} {:>5} {:>8} {:>9}",
        "SERVICE", "RPC", "DELAY", "ERROR", "RATE", "LEFT", "INJECTED"
    );
    for (service, faults) in tables {
        for fault in faults {
            let error = fault.rule.error.map_or_else(
                || "-".to_owned(),
                |code| {
                    clap::ValueEnum::to_possible_value(&code)
                        .map_or_else(|| format!("{code:?}"), |value| value.get_name().to_owned())
                },
            );
            let left = fault.remaining_ms.map_or_else(
                || "until cleared".to_owned(),
                |ms| format!("{:.1}s", Duration::from_millis(ms).as_secs_f64()),
            );
            let _ = writeln!(
                stdout,
                "{service:<14} {:<40} {:>6}ms {error:<18} {:>5.2} {left:>8} {:>9}",
                fault.rule.rpc, fault.rule.delay_ms, fault.rule.rate, fault.injected
            );
        }
    }
}

/// Checks that `pid` is the process serving `service`, from its command line in `/proc`.
fn check_process(pid: u32, service: &str) -> Result<(), Usage> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map_err(|_| Usage(format!("{service} (pid {pid}) is not running")))?;
    let args: Vec<&[u8]> = cmdline.split(|byte| *byte == 0).collect();
    let own_binary = args.first().is_some_and(|program| {
        Path::new(std::ffi::OsStr::from_bytes(program))
            .file_name()
            .is_some_and(|name| name.to_string_lossy() == format!("bazaar-{service}"))
    });
    let served = args.windows(2).any(|pair| pair[0] == b"serve" && pair[1] == service.as_bytes());
    if own_binary || served {
        Ok(())
    } else {
        Err(Usage(format!(
            "pid {pid} is not bazaar's {service} process (is run/services.json stale?)"
        )))
    }
}

/// Prints one line of what was done.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn send(pid: u32, signal: Signal) -> anyhow::Result<()> {
    let raw = i32::try_from(pid).context("pid out of range")?;
    nix::sys::signal::kill(Pid::from_raw(raw), signal)
        .with_context(|| format!("sending {signal} to pid {pid}"))
}

/// The pid serving `name` now, after checking it.
fn current_pid(services: &Services, name: &str) -> Result<u32, Usage> {
    let running = find(services, name)?;
    let pid = running
        .pid
        .ok_or_else(|| Usage(format!("{name} is being restarted; try again in a moment")))?;
    check_process(pid, name)?;
    Ok(pid)
}

async fn signal_and_wait(
    data_dir: &Path,
    services: &Services,
    name: &str,
    signal: Signal,
    wait: bool,
) -> anyhow::Result<()> {
    let pid = current_pid(services, name)?;
    let port = find(services, name)?.port;
    let started = Instant::now();
    send(pid, signal)?;
    let verb = if signal == Signal::SIGKILL { "killed" } else { "stopping" };
    say(&format!("{verb} {name} (pid {pid}); bazaar up starts it again"));
    if !wait {
        return Ok(());
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(1)).build()?;
    let ready_url = format!("http://127.0.0.1:{port}/readyz");
    loop {
        let replaced = running_services(data_dir)
            .ok()
            .and_then(|services| services.get(name).and_then(|running| running.pid))
            .filter(|new| *new != pid);
        if let Some(new) = replaced
            && client
                .get(&ready_url)
                .send()
                .await
                .is_ok_and(|response| response.status().is_success())
        {
            say(&format!(
                "{name} is back: pid {new}, ready {} ms after the signal",
                started.elapsed().as_millis()
            ));
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < BACK_TIMEOUT,
            "{name} was not ready again within {} s",
            BACK_TIMEOUT.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn pause(services: &Services, name: &str, duration: Duration) -> anyhow::Result<()> {
    let pid = current_pid(services, name)?;
    send(pid, Signal::SIGSTOP)?;
    say(&format!("paused {name} (pid {pid}) for {duration:?}"));
    // Stopped to the end, the process would stay frozen: Ctrl-C or SIGTERM end the pause early.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        () = tokio::time::sleep(duration) => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    send(pid, Signal::SIGCONT)?;
    say(&format!("resumed {name}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        assert_eq!(parse_rate("0.25"), Ok(0.25));
        assert_eq!(parse_rate("1"), Ok(1.0));
        for bad in ["0", "-1", "1.5", "NaN", "x", ""] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_services_own_process_is_signalled() {
        // This test process is neither `bazaar serve payment` nor `bazaar-payment`.
        let error = check_process(std::process::id(), "payment").unwrap_err();
        assert!(error.0.contains("is not bazaar's payment process"), "{error}");
        let error = check_process(u32::MAX, "payment").unwrap_err();
        assert!(error.0.contains("is not running"), "{error}");
    }
}
