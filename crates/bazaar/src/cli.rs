//! The command line of `bazaar`.

use std::path::PathBuf;

use bazaar_platform::config::{TransportKind, parse_database_url, parse_nats_url};
use clap::{Args, Parser, Subcommand};

/// Bazaar: a web shop built from microservices.
#[derive(Debug, Parser)]
#[command(
    name = "bazaar",
    version,
    about = "Bazaar: a web shop built from microservices",
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the whole shop: every service as its own process, supervised.
    Up(Box<UpArgs>),
    /// Run one service in this process (what a container runs).
    #[command(subcommand)]
    Serve(Box<crate::serve::Service>),
    /// Check the shop's invariants: no order left pending, none charged twice, every capture
    /// matched by a paid order, stock conserved. Exits 1 on any violation.
    Verify(Box<crate::verify::VerifyArgs>),
    /// Play shoppers against a running shop and report throughput and latency per step.
    Load(Box<crate::load::LoadArgs>),
    /// Break a running shop on purpose: kill, restart or pause a service, or inject latency and
    /// errors into its RPCs.
    Chaos(Box<crate::chaos::ChaosArgs>),
}

/// Flags of `bazaar up`.
#[derive(Debug, Clone, Args)]
pub struct UpArgs {
    /// Directory for databases, logs of state and generated secrets.
    #[arg(long, env = "BAZAAR_DATA_DIR", default_value = "./var", value_name = "DIR")]
    pub data_dir: PathBuf,

    /// Port of the storefront and API.
    #[arg(long, env = "BAZAAR_HTTP_PORT", default_value_t = 8080, value_name = "PORT")]
    pub http_port: u16,

    /// Address the storefront listens on.
    #[arg(long, env = "BAZAAR_HTTP_HOST", default_value = "127.0.0.1", value_name = "IP")]
    pub http_host: std::net::IpAddr,

    /// PostgreSQL server URL; each service gets its own database on it (`bazaar_<service>`,
    /// created if missing). Default: a SQLite file per service in the data directory.
    #[arg(long, env = "BAZAAR_DATABASE_URL", value_name = "URL", value_parser = parse_database_url)]
    pub database_url: Option<String>,

    /// Prefix of the per-service PostgreSQL databases: `<prefix>_<service>`.
    #[arg(long, env = "BAZAAR_DATABASE_PREFIX", default_value = "bazaar", value_name = "NAME", value_parser = parse_database_prefix)]
    pub database_prefix: String,

    /// Event transport: `direct` (no broker) or `nats`.
    #[arg(long, env = "BAZAAR_EVENTS", default_value = "direct", value_name = "TRANSPORT")]
    pub events: TransportKind,

    /// NATS server URL, required with `--events nats`.
    #[arg(long, env = "BAZAAR_NATS_URL", value_name = "URL", value_parser = parse_nats_url)]
    pub nats_url: Option<String>,

    /// NATS namespace: prefixes every subject and stream, so several shops can share one server.
    #[arg(long, env = "BAZAAR_NATS_NAMESPACE", default_value = "bazaar", value_name = "NAME", value_parser = bazaar_platform::config::parse_namespace)]
    pub nats_namespace: String,

    /// Log filter passed to every service.
    #[arg(long, env = "BAZAAR_LOG", default_value = "info", value_name = "FILTER")]
    pub log: String,

    /// Extra `--name value` flags for one service, as `service:--flag=value` (repeatable).
    #[arg(long = "service-arg", value_name = "SERVICE:FLAG")]
    pub service_args: Vec<String>,

    /// Run each service's own binary (`bazaar-catalog`, ...) from the directory of this
    /// executable instead of `bazaar serve <service>`: smaller processes, as in a container. Build
    /// them first with `cargo build --release --workspace --bins`.
    #[arg(long, env = "BAZAAR_SERVICE_BINARIES")]
    pub service_binaries: bool,

    /// Let `bazaar chaos fault` inject latency and errors into the services' RPCs (each serves
    /// `/faults` on its loopback port). Off in the container images.
    #[arg(long, env = "BAZAAR_FAULT_INJECTION", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub fault_injection: bool,
}

impl UpArgs {
    /// Checks the flags together.
    ///
    /// # Errors
    /// A message naming the offending flag.
    pub fn validate(&self) -> Result<(), String> {
        if self.events == TransportKind::Nats && self.nats_url.is_none() {
            return Err("--nats-url (BAZAAR_NATS_URL) is required with --events nats".to_owned());
        }
        if let Some(url) = &self.database_url
            && url.starts_with("sqlite:")
        {
            return Err("--database-url must be a postgres:// server URL (SQLite is the default)"
                .to_owned());
        }
        for extra in &self.service_args {
            if !extra.contains(':') {
                return Err(format!("--service-arg '{extra}' must look like service:--flag=value"));
            }
        }
        Ok(())
    }
}

/// Parses a database name prefix: lowercase letters, digits and `_`, starting with a letter.
fn parse_database_prefix(input: &str) -> Result<String, String> {
    let valid = input.len() <= 40
        && input.starts_with(|c: char| c.is_ascii_lowercase())
        && input.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(input.to_owned())
    } else {
        Err("expected lowercase letters, digits and '_', starting with a letter".to_owned())
    }
}
