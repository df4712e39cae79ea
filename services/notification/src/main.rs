//! The `bazaar-notification` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_notification::Config, _, _>(
        bazaar_notification::SERVICE,
        bazaar_notification::run,
    )
}
