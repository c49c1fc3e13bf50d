//! `tcpmon-bench`: the measuring tools behind `bench/relay.sh`, `bench/soak.sh`,
//! `bench/ws.sh`, `bench/h2.sh` and `bench/app-scale.sh`, `tcpmon-bench inspect` (HTTP
//! inspection figures) and `tcpmon-bench decoders` (the protocol decoders' MB/s).
//!
//! `serve` runs a bulk sink/source and a fixed-size echo responder on 127.0.0.1; the clients
//! (`bulk`, `conns`) connect to them directly or through a relay started in front of them.
//! Everything prints figures; nothing here judges them, except `soak check`, whose
//! byte-for-byte accounting fails on anything unexpected.

mod bulk;
mod checksum;
mod conns;
mod data;
mod decoders;
mod inspect;
mod pipeline;
mod serve;
mod soak;
mod ws;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::Instant;

/// Measuring tools for relay benchmarks (see bench/relay.sh).
#[derive(Debug, Parser)]
#[command(name = "tcpmon-bench", version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves a bulk sink/source, an echo responder and a pipelined HTTP responder on
    /// 127.0.0.1 until killed; prints `bulk ADDR`, `reply ADDR` and `http ADDR` first.
    Serve {
        /// Bytes the echo responder reads, then sends back.
        #[arg(long, default_value = "1024", value_parser = parse_size)]
        reply_size: u64,
        /// Echo connections served at once.
        #[arg(long, default_value_t = 64)]
        reply_workers: usize,
    },
    /// Transfers SIZE bytes over one connection per direction, checksummed; prints MB/s.
    Bulk {
        /// The bulk port of `serve`, or a relay in front of it.
        #[arg(long)]
        to: SocketAddr,
        /// Bytes per direction: a number, optionally with K, M or G (powers of 1024).
        #[arg(long, value_parser = parse_size)]
        size: u64,
        #[arg(long, value_enum, default_value = "both")]
        direction: bulk::Direction,
    },
    /// Opens COUNT short connections to the echo responder, CONCURRENCY at a time; each
    /// sends SIZE bytes and reads them back. Prints connections/s and latency.
    Conns {
        /// The reply port of `serve`, or a relay in front of it.
        #[arg(long)]
        to: SocketAddr,
        #[arg(long, default_value_t = 100_000)]
        count: u64,
        /// Must match `serve --reply-size`.
        #[arg(long, default_value = "1024", value_parser = parse_size)]
        size: u64,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Starts at most this many connections a second (connection i not before i/RATE s
        /// from the start); 0: as fast as they go.
        #[arg(long, default_value_t = 0.0)]
        rate: f64,
    },
    /// Sends COUNT requests on one keep-alive connection to `serve`'s HTTP responder, BATCH
    /// per write (pipelined), checking every answer; prints requests/s.
    Pipeline {
        /// The http port of `serve`, or a relay in front of it.
        #[arg(long)]
        to: SocketAddr,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 100)]
        batch: u64,
    },
    /// Measures HTTP inspection: parse + decode MB/s, building the exchange list, search
    /// over ROWS rows of a real engine, and the first page of a big XML body.
    Inspect {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Size of the XML body, in MiB.
        #[arg(long, default_value_t = 100)]
        xml_mb: usize,
    },
    /// Times each protocol decoder (HTTP/2, WebSocket, SSE, gRPC, protobuf) over about MB MiB
    /// of generated input; prints MB/s of input, one line each.
    Decoders {
        #[arg(long, default_value_t = 64)]
        mb: usize,
    },
    /// The soak behind bench/soak.sh: servers, a mixed load through tcpmon-cli, and the
    /// byte-for-byte accounting at the end.
    Soak {
        #[command(subcommand)]
        command: soak::SoakCommand,
    },
    /// Serves WebSocket upgrades on 127.0.0.1 and echoes every message; prints `ws ADDR`.
    WsServe,
    /// Sends COUNT masked text messages of SIZE bytes on one WebSocket, BATCH per write,
    /// checking every echo; prints messages/s (both ways counted).
    Ws {
        /// The port of `ws-serve`, or a relay in front of it.
        #[arg(long)]
        to: SocketAddr,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 32)]
        size: usize,
        #[arg(long, default_value_t = 100)]
        batch: u64,
    },
    /// Times TCPMon's WebSocket frame reader over MB MiB of SIZE-byte messages.
    WsDecode {
        #[arg(long, default_value_t = 256)]
        mb: usize,
        #[arg(long, default_value_t = 32)]
        size: usize,
    },
    /// Prints a TCP port that is free on 127.0.0.1 now (for configs that need a number).
    FreePort,
    /// Prints how fast this machine generates and checksums the bulk stream (one core), to
    /// show the bulk figures measure the path, not the tool.
    ChecksumSpeed {
        #[arg(long, default_value = "1G", value_parser = parse_size)]
        size: u64,
    },
}

fn main() -> ExitCode {
    match run(Args::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tcpmon-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve {
            reply_size,
            reply_workers,
        } => serve::run(usize::try_from(reply_size)?, reply_workers),
        Command::Bulk {
            to,
            size,
            direction,
        } => bulk::run(to, size, direction),
        Command::Conns {
            to,
            count,
            size,
            concurrency,
            rate,
        } => conns::run(to, count, usize::try_from(size)?, concurrency, rate),
        Command::Pipeline { to, count, batch } => pipeline::run(to, count, batch),
        Command::Inspect { rows, xml_mb } => inspect::run(rows, xml_mb),
        Command::Decoders { mb } => decoders::run(mb),
        Command::Soak { command } => soak::run(command),
        Command::WsServe => ws::serve(),
        Command::Ws {
            to,
            count,
            size,
            batch,
        } => ws::run(to, count, size, batch),
        Command::WsDecode { mb, size } => ws::decode(mb, size),
        Command::FreePort => {
            println!("{}", TcpListener::bind("127.0.0.1:0")?.local_addr()?.port());
            Ok(())
        }
        Command::ChecksumSpeed { size } => {
            let stream = data::Stream::new();
            let start = Instant::now();
            let sum = stream.checksum(size);
            let secs = start.elapsed().as_secs_f64();
            println!(
                "checksum bytes={size} secs={secs:.3} mb_per_s={:.0} value={sum:016x}",
                size as f64 / secs / 1e6
            );
            Ok(())
        }
    }
}

/// `1024`, `64K`, `64M`, `1G` (also `KiB`, `MiB`, `GiB`): bytes, in powers of 1024.
fn parse_size(s: &str) -> Result<u64> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(digits);
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KIB" => 10,
        "M" | "MIB" => 20,
        "G" | "GIB" => 30,
        _ => bail!("{s:?}: use a number of bytes, optionally with K, M or G"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("{s:?}: not a size"))?;
    n.checked_shl(shift)
        .filter(|v| v >> shift == n)
        .ok_or_else(|| anyhow::anyhow!("{s:?}: too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024").ok(), Some(1024));
        assert_eq!(parse_size("64M").ok(), Some(64 << 20));
        assert_eq!(parse_size("1GiB").ok(), Some(1 << 30));
        assert!(parse_size("1T").is_err());
        assert!(parse_size("M").is_err());
    }
}
