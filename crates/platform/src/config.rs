//! Configuration shared by every service: flags with `BAZAAR_*` environment twins, checked at start.
//!
//! This is the one module that reads the process environment (through clap's `env`). A bad value
//! ends the process with a one-line message naming the flag and exit code 2, before any port is bound.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, str::FromStr, time::Duration};

use clap::{Args, Parser, ValueEnum};

/// Exit code for bad configuration (the same as clap's usage errors).
pub const EXIT_BAD_CONFIG: u8 = 2;

/// Flags every service takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Address to serve gRPC and HTTP (health, metrics) on; port 0 picks a free port.
    #[arg(long, env = "BAZAAR_LISTEN", default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// Directory for SQLite files and generated development secrets.
    #[arg(long, env = "BAZAAR_DATA_DIR", default_value = "./var", value_name = "DIR")]
    pub data_dir: PathBuf,

    /// Log line format.
    #[arg(long, env = "BAZAAR_LOG_FORMAT", default_value = "text", value_name = "FORMAT")]
    pub log_format: LogFormat,

    /// Log filter in `tracing` syntax, e.g. `info` or `info,bazaar_orders=debug`.
    #[arg(long, env = "BAZAAR_LOG", default_value = "info", value_name = "FILTER")]
    pub log: String,

    /// OTLP/gRPC endpoint to export traces to, e.g. `http://otel-collector:4317`.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", value_name = "URL", value_parser = parse_http_url)]
    pub otlp_endpoint: Option<String>,

    /// Longest time a request may take before it is answered with a deadline error.
    #[arg(long, env = "BAZAAR_REQUEST_TIMEOUT", default_value = "5s", value_name = "DURATION", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Time given to in-flight requests to finish after a stop signal.
    #[arg(long, env = "BAZAAR_SHUTDOWN_GRACE", default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub shutdown_grace: Duration,

    /// Serve `/faults` and inject the latency and errors posted there into this service's RPCs
    /// (`bazaar chaos`). For testing only: anyone who reaches the port can make calls fail.
    #[arg(long, env = "BAZAAR_FAULT_INJECTION", default_value_t = false, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub fault_injection: bool,

    /// Stop when standard input closes (set by `bazaar up`, so no child outlives its parent).
    #[arg(long, env = "BAZAAR_EXIT_WITH_PARENT", hide = true)]
    pub exit_with_parent: bool,

    /// Do not serve: ask the instance listening on `--listen` whether it is ready (`/readyz`) and
    /// exit 0 if it is, 1 if not. For container health checks.
    #[arg(long)]
    pub probe: bool,
}

/// Flags of services that own a database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://<file>` or `postgres://...`. Default: `<data-dir>/<service>.db`.
    #[arg(long, env = "BAZAAR_DATABASE_URL", value_name = "URL", value_parser = parse_database_url)]
    pub database_url: Option<String>,

    /// Most connections to PostgreSQL per process (SQLite always uses one writer and four
    /// readers). Every replica of every service opens up to this many: keep their sum under the
    /// server's `max_connections` (100 by default).
    #[arg(long, env = "BAZAAR_DATABASE_MAX_CONNECTIONS", default_value_t = crate::db::DEFAULT_MAX_CONNECTIONS,
          value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_max_connections: u32,
}

impl DatabaseArgs {
    /// Returns the database URL to use for `service`: the configured one, or a SQLite file in the
    /// data directory.
    pub fn url_for(&self, service: &str, common: &CommonArgs) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            let path = common.data_dir.join(format!("{service}.db"));
            format!("sqlite://{}?mode=rwc", path.display())
        })
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Flags of services that emit or consume events.
#[derive(Debug, Clone, Args)]
pub struct EventArgs {
    /// Event transport: `direct` (gRPC delivery to each subscriber, no broker) or `nats` (JetStream).
    #[arg(
        long = "events",
        env = "BAZAAR_EVENTS",
        default_value = "direct",
        value_name = "TRANSPORT"
    )]
    pub transport: TransportKind,

    /// NATS server URL, required with `--events nats`.
    #[arg(long, env = "BAZAAR_NATS_URL", value_name = "URL", value_parser = parse_nats_url)]
    pub nats_url: Option<String>,

    /// NATS namespace: prefixes every subject and stream, so that several shops (or test runs) can
    /// share one server. Letters, digits, `-` and `_`.
    #[arg(long, env = "BAZAAR_NATS_NAMESPACE", default_value = "bazaar", value_name = "NAME", value_parser = parse_namespace)]
    pub nats_namespace: String,

    /// Direct transport: services to deliver this service's events to, as `name=url` pairs.
    #[arg(long = "event-sink", env = "BAZAAR_EVENT_SINKS", value_name = "NAME=URL", value_delimiter = ',', value_parser = parse_sink)]
    pub event_sinks: Vec<EventSink>,

    /// Deliveries a poison event gets before it is parked.
    #[arg(long, env = "BAZAAR_EVENT_MAX_ATTEMPTS", default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub event_max_attempts: u32,
}

impl EventArgs {
    /// Checks that the flags fit together.
    ///
    /// # Errors
    /// A message naming the missing flag.
    pub fn validate(&self) -> Result<(), String> {
        if self.transport == TransportKind::Nats && self.nats_url.is_none() {
            return Err("--nats-url (BAZAAR_NATS_URL) is required with --events nats".to_owned());
        }
        Ok(())
    }
}

/// Which event transport to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportKind {
    /// Deliver over gRPC to each subscribing service; no broker (the zero-setup default).
    Direct,
    /// NATS JetStream.
    Nats,
}

/// Parses a NATS namespace: a non-empty token of letters, digits, `-` and `_`.
///
/// # Errors
/// A message saying what is allowed.
pub fn parse_namespace(input: &str) -> Result<String, String> {
    let valid = !input.is_empty()
        && input.len() <= 32
        && input.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(input.to_owned())
    } else {
        Err("expected 1 to 32 letters, digits, '-' or '_'".to_owned())
    }
}

/// A named subscriber of the direct transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSink {
    /// Service name, e.g. `notification`.
    pub name: String,
    /// Its gRPC URL, e.g. `http://127.0.0.1:50061`.
    pub url: String,
}

/// Parses a `name=url` event sink.
///
/// # Errors
/// A message saying what is malformed.
pub fn parse_sink(input: &str) -> Result<EventSink, String> {
    let (name, url) =
        input.split_once('=').ok_or_else(|| format!("expected NAME=URL, got '{input}'"))?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return Err(format!("invalid service name '{name}'"));
    }
    Ok(EventSink { name: name.to_owned(), url: parse_http_url(url)? })
}

/// Parses an `http://host:port` URL of a gRPC service.
///
/// # Errors
/// A message saying what is malformed.
pub fn parse_http_url(input: &str) -> Result<String, String> {
    let uri = http::Uri::from_str(input).map_err(|error| format!("not a URL: {error}"))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some("http" | "https"), Some(authority)) if !authority.host().is_empty() => {
            Ok(input.trim_end_matches('/').to_owned())
        }
        _ => Err("expected a URL like http://host:port".to_owned()),
    }
}

/// Parses the address of a called service: one `http://host:port` URL, or a comma-separated list
/// of them (replicas to balance over). A host name is resolved to every address it has.
///
/// # Errors
/// A message saying which URL is malformed.
pub fn parse_upstream(input: &str) -> Result<String, String> {
    input
        .split(',')
        .map(|url| parse_http_url(url.trim()).map_err(|error| format!("'{}': {error}", url.trim())))
        .collect::<Result<Vec<_>, _>>()
        .map(|urls| urls.join(","))
}

/// Parses a `nats://host:port` URL.
///
/// # Errors
/// A message saying what is malformed.
pub fn parse_nats_url(input: &str) -> Result<String, String> {
    let uri = http::Uri::from_str(input).map_err(|error| format!("not a URL: {error}"))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some("nats" | "tls"), Some(_)) => Ok(input.to_owned()),
        _ => Err("expected a URL like nats://host:4222".to_owned()),
    }
}

/// Parses a database URL (`sqlite://...` or `postgres://...`).
///
/// # Errors
/// A message saying what is malformed.
pub fn parse_database_url(input: &str) -> Result<String, String> {
    if input.starts_with("sqlite:") {
        return Ok(input.to_owned());
    }
    if input.starts_with("postgres://") || input.starts_with("postgresql://") {
        let uri = http::Uri::from_str(input).map_err(|error| format!("not a URL: {error}"))?;
        if uri.authority().is_none() {
            return Err("expected postgres://user@host:port/database".to_owned());
        }
        return Ok(input.to_owned());
    }
    Err("expected a sqlite:// or postgres:// URL".to_owned())
}

/// Parses a duration such as `250ms`, `5s`, `2m` or `1h`.
///
/// # Errors
/// A message saying what is malformed.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let input = input.trim();
    let split = input.find(|c: char| !c.is_ascii_digit()).unwrap_or(input.len());
    let (number, unit) = input.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 5s or 250ms, got '{input}'"))?;
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "s" | "" => Duration::from_secs(number),
        "m" => Duration::from_secs(number.saturating_mul(60)),
        "h" => Duration::from_secs(number.saturating_mul(3600)),
        _ => return Err(format!("unknown unit '{unit}' (use ms, s, m or h)")),
    };
    Ok(duration)
}

/// Parses command-line flags and environment into `C`.
///
/// On `--help` or `--version` it prints and exits 0; on bad input it prints one line naming the
/// flag and exits with [`EXIT_BAD_CONFIG`].
pub fn parse<C: Parser>(program: &str) -> C {
    match C::try_parse() {
        Ok(config) => config,
        Err(error) => exit_with_clap_error(program, &error),
    }
}

/// Reports a clap error the way [`parse`] does and exits.
pub fn exit_with_clap_error(program: &str, error: &clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        std::process::exit(0);
    }
    let rendered = error.render().to_string();
    let line =
        rendered.lines().find(|line| !line.trim().is_empty()).unwrap_or("invalid configuration");
    exit_bad_config(program, line.trim_start_matches("error: "))
}

/// Prints `program: message` on one line and exits with [`EXIT_BAD_CONFIG`].
pub fn exit_bad_config(program: &str, message: &str) -> ! {
    #[allow(
        clippy::print_stderr,
        reason = "configuration errors are reported before logging exists"
    )]
    {
        eprintln!("{program}: {message}");
    }
    std::process::exit(i32::from(EXIT_BAD_CONFIG))
}

/// Turns a start-up result into a process exit code, printing the error chain on one line.
pub fn exit_code(program: &str, result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(clippy::print_stderr, reason = "the last words of a failed process")]
            {
                eprintln!("{program}: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations_with_units() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn parses_sinks_and_urls() {
        let sink = parse_sink("notification=http://127.0.0.1:5000/").unwrap();
        assert_eq!(
            sink,
            EventSink { name: "notification".into(), url: "http://127.0.0.1:5000".into() }
        );
        assert!(parse_sink("notification").is_err());
        assert!(parse_sink("Bad Name=http://x:1").is_err());
        assert!(parse_http_url("127.0.0.1:5000").is_err());
        assert!(parse_http_url("ftp://x").is_err());
        assert!(parse_nats_url("nats://127.0.0.1:4222").is_ok());
        assert_eq!(
            parse_upstream("http://10.0.0.1:50051, http://10.0.0.2:50051/").as_deref(),
            Ok("http://10.0.0.1:50051,http://10.0.0.2:50051")
        );
        assert!(parse_upstream("http://10.0.0.1:50051,nope").unwrap_err().contains("'nope'"));
        assert!(parse_nats_url("http://127.0.0.1:4222").is_err());
        assert!(parse_namespace("test-1_a").is_ok());
        assert!(parse_namespace("a.b").is_err());
        assert!(parse_namespace("").is_err());
    }

    #[test]
    fn database_urls_must_name_a_known_backend() {
        assert!(parse_database_url("sqlite://var/a.db?mode=rwc").is_ok());
        assert!(parse_database_url("postgres://postgres@127.0.0.1:5432/bazaar").is_ok());
        assert!(parse_database_url("mysql://x").is_err());
    }

    #[test]
    fn nats_transport_needs_a_url() {
        let args = EventArgs {
            transport: TransportKind::Nats,
            nats_url: None,
            nats_namespace: "bazaar".to_owned(),
            event_sinks: Vec::new(),
            event_max_attempts: 10,
        };
        assert!(args.validate().unwrap_err().contains("--nats-url"));
    }
}
