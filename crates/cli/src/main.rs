//! `tcpmon-cli`: the headless monitor; its code lives in the library.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tcpmon_cli::run().await
}
