//! The `bazaar-orders` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_orders::Config, _, _>(
        bazaar_orders::SERVICE,
        bazaar_orders::run,
    )
}
