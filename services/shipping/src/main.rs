//! The `bazaar-shipping` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_shipping::Config, _, _>(
        bazaar_shipping::SERVICE,
        bazaar_shipping::run,
    )
}
