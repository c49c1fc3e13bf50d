//! `tcpmon-cli`: the headless monitor; its code lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    match tcpmon_relay::runtime() {
        Ok(runtime) => runtime.block_on(tcpmon_cli::run()),
        Err(e) => {
            eprintln!("tcpmon-cli: cannot start its runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
