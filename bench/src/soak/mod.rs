//! `tcpmon-bench soak`: the load generator, the servers and the checker behind
//! `bench/soak.sh`, which runs them around release `tcpmon-cli` relays for many minutes.
//!
//! - `serve`: one port, connections dispatched by their first bytes (echo, HTTP keep-alive
//!   with sized, gzip'ed, chunked and hostile answers, resets mid-body), until stdin ends.
//! - `load`: a steady mix of connections through the relays, each carrying its id in its first
//!   bytes and data derived from that id ([`plan`]), for a number of seconds.
//! - `check`: every byte each side saw against what TCPMon relayed and recorded.
//!
//! In Rust rather than a script because the generator must not be the bottleneck, and because
//! each side only keeps lengths and checksums: the checker rebuilds any prefix from the id.

mod audit;
mod capture;
mod check;
mod client;
mod load;
mod plan;
mod report;
mod serve;
mod wire;

use anyhow::{Result, bail};
use clap::Subcommand;
use std::path::PathBuf;

/// The soak's parts.
#[derive(Debug, Subcommand)]
pub enum SoakCommand {
    /// Serves echo and HTTP on 127.0.0.1 until stdin ends; prints `soak-serve ADDR` first,
    /// writes its log at the end.
    Serve {
        /// Where to write the server log.
        #[arg(long)]
        log: PathBuf,
    },
    /// Runs the mixed load through the relay(s) for SECS seconds; writes the client log.
    Load(load::LoadArgs),
    /// Compares every connection's bytes on both sides with what TCPMon relayed and
    /// recorded; prints the report; fails if anything unexpected happened.
    Check(audit::CheckArgs),
}

/// Runs one part.
pub fn run(command: SoakCommand) -> Result<()> {
    match command {
        SoakCommand::Serve { log } => serve::run(&log),
        SoakCommand::Load(args) => load::run(&args),
        SoakCommand::Check(args) => {
            if audit::run(&args)? {
                Ok(())
            } else {
                bail!("the soak found unexpected trouble (see above)")
            }
        }
    }
}
