//! The `bazaar-inventory` binary: one service, configured by flags and `BAZAAR_*` variables.

fn main() -> std::process::ExitCode {
    bazaar_platform::service::main::<bazaar_inventory::Config, _, _>(
        bazaar_inventory::SERVICE,
        bazaar_inventory::run,
    )
}
