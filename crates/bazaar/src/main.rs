//! The `bazaar` command. See `bazaar --help`.

fn main() -> std::process::ExitCode {
    bazaar::main()
}
