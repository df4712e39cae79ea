//! The `bazaar-payment` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_payment::Config, _, _>(
        bazaar_payment::SERVICE,
        bazaar_payment::run,
    )
}
