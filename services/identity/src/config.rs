//! Identity configuration.

use std::time::Duration;

use bazaar_platform::config::{CommonArgs, DatabaseArgs, EventArgs, parse_duration};
use clap::Parser;

/// Flags of the identity service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-identity",
    version,
    about = "Bazaar identity service: accounts, sessions and tokens"
)]
pub struct Config {
    /// Flags every service takes.
    #[command(flatten)]
    pub common: CommonArgs,

    /// Database flags.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Event transport flags.
    #[command(flatten)]
    pub events: EventArgs,

    /// E-mail address of the admin account created on first start.
    #[arg(
        long,
        env = "BAZAAR_ADMIN_EMAIL",
        default_value = "admin@bazaar.local",
        value_name = "EMAIL"
    )]
    pub admin_email: String,

    /// Password of that admin account. Default: generated, printed once and kept in
    /// `<data-dir>/admin-password.txt`.
    #[arg(long, env = "BAZAAR_ADMIN_PASSWORD", value_name = "PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Lifetime of an access token.
    #[arg(long, env = "BAZAAR_TOKEN_TTL", default_value = "15m", value_name = "DURATION", value_parser = parse_duration)]
    pub token_ttl: Duration,

    /// Lifetime of a session without activity; refreshing a token extends it.
    #[arg(long, env = "BAZAAR_SESSION_TTL", default_value = "720h", value_name = "DURATION", value_parser = parse_duration)]
    pub session_ttl: Duration,

    /// Age after which a new signing key replaces the current one.
    #[arg(long, env = "BAZAAR_SIGNING_KEY_MAX_AGE", default_value = "720h", value_name = "DURATION", value_parser = parse_duration)]
    pub signing_key_max_age: Duration,

    /// Password hashes computed at once (each takes about 19 MiB and tens of milliseconds).
    #[arg(long, env = "BAZAAR_MAX_CONCURRENT_HASHES", default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_concurrent_hashes: u32,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()?;
        bazaar_types::Email::parse(&self.admin_email)
            .map_err(|error| format!("--admin-email (BAZAAR_ADMIN_EMAIL) {error}"))?;
        if let Some(password) = &self.admin_password {
            bazaar_types::Password::parse(password)
                .map_err(|error| format!("--admin-password (BAZAAR_ADMIN_PASSWORD) {error}"))?;
        }
        if self.token_ttl < Duration::from_secs(30)
            || self.token_ttl > Duration::from_secs(24 * 3600)
        {
            return Err("--token-ttl must be between 30s and 24h".to_owned());
        }
        if self.session_ttl < self.token_ttl {
            return Err("--session-ttl must be at least --token-ttl".to_owned());
        }
        Ok(())
    }
}
