//! The `bazaar-cart` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_cart::Config, _, _>(
        bazaar_cart::SERVICE,
        bazaar_cart::run,
    )
}
