//! The `bazaar-catalog` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_catalog::Config, _, _>(
        bazaar_catalog::SERVICE,
        bazaar_catalog::run,
    )
}
