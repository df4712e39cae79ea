//! The `bazaar-recommendation` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_recommendation::Config, _, _>(
        bazaar_recommendation::SERVICE,
        bazaar_recommendation::run,
    )
}
