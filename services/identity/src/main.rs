//! The `bazaar-identity` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_identity::Config, _, _>(
        bazaar_identity::SERVICE,
        bazaar_identity::run,
    )
}
