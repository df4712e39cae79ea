//! Notification configuration.

use bazaar_platform::config::{CommonArgs, DatabaseArgs, EventArgs};
use clap::Parser;

/// Flags of the notification service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-notification",
    version,
    about = "Bazaar notification service: e-mails and the dev mailbox"
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

    /// Send e-mail over SMTP, e.g. `smtp://user:password@mail.example.com:587` (STARTTLS) or
    /// `smtps://...:465`. Without it, messages stay in the dev mailbox.
    #[arg(long, env = "BAZAAR_SMTP_URL", value_name = "URL", hide_env_values = true, value_parser = parse_smtp_url)]
    pub smtp_url: Option<String>,

    /// Sender of every message.
    #[arg(
        long,
        env = "BAZAAR_MAIL_FROM",
        default_value = "Bazaar <shop@bazaar.local>",
        value_name = "ADDRESS"
    )]
    pub mail_from: String,
}

fn parse_smtp_url(input: &str) -> Result<String, String> {
    if input.starts_with("smtp://") || input.starts_with("smtps://") {
        Ok(input.to_owned())
    } else {
        Err("expected smtp://host:port or smtps://host:port".to_owned())
    }
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()?;
        self.mail_from.parse::<lettre::message::Mailbox>().map_err(|error| {
            format!("--mail-from (BAZAAR_MAIL_FROM) is not an address: {error}")
        })?;
        Ok(())
    }
}
