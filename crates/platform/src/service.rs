//! Process start-up shared by every service binary and by `bazaar serve`: parse configuration,
//! install the crypto provider, telemetry, metrics and signal handling, run, and map the outcome to
//! an exit code.

use std::process::ExitCode;

use crate::{
    config::{self, CommonArgs},
    shutdown::{self, CancellationToken},
};

/// A service's configuration, which always includes the common flags.
pub trait ServiceConfig: clap::Parser + Send + 'static {
    /// Returns the flags every service takes.
    fn common(&self) -> &CommonArgs;

    /// Checks the flags together, after parsing. Returns a message naming the offending flag.
    ///
    /// # Errors
    /// A one-line message for the operator.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Runs a service binary: parses its configuration from flags and environment, then [`launch`]es.
pub fn main<C, F, Fut>(service: &'static str, run: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config: C = config::parse(&format!("bazaar-{service}"));
    launch(service, config, run)
}

/// Runs an already parsed service configuration until a stop signal, and returns the exit code:
/// 0 after a clean stop, 1 after a failure (printed on one line), 2 for bad configuration.
pub fn launch<C, F, Fut>(service: &'static str, config: C, run: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let program = format!("bazaar-{service}");
    if let Err(message) = config.validate() {
        config::exit_bad_config(&program, &message);
    }
    // One process-wide TLS provider (aws-lc-rs); a second one compiled in would panic at first use.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return config::exit_code(&program, Err(error.into())),
    };
    let result = runtime.block_on(async move {
        let common = config.common().clone();
        let _telemetry = crate::telemetry::init(service, &common)?;
        crate::metrics::install()?;
        let token = CancellationToken::new();
        shutdown::cancel_on_signal(token.clone(), common.exit_with_parent);
        let result = run(config, token).await;
        if let Err(error) = &result {
            tracing::error!(error = format!("{error:#}"), "{service} stopped with an error");
        }
        result
    });
    // Background tasks (pool reapers, NATS) must not keep a stopped service alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    config::exit_code(&program, result)
}
