//! The `bazaar-gateway` binary: the storefront and REST API, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_gateway::Config, _, _>(
        bazaar_gateway::SERVICE,
        bazaar_gateway::run,
    )
}
