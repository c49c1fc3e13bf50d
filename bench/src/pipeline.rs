//! Many requests on one keep-alive connection, pipelined: what a relay keeps per exchange.
//!
//! Server (one thread per connection, inside `serve`): answers every request head (a blank
//! line) with a fixed tiny response, as the heads arrive. Client: sends `count` requests in
//! writes of `batch`, reading each batch's answers before the next, and checks every byte of
//! them. A relay in between sees `count` exchanges on one connection.

use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

/// Each request.
pub const REQUEST: &[u8] = b"GET /item HTTP/1.1\r\nHost: bench\r\n\r\n";
/// Each answer.
pub const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Serves one connection: a response per request head, until the client closes.
pub fn answer(mut socket: TcpStream) -> Result<()> {
    socket.set_nodelay(true)?;
    let mut buf = vec![0; 64 << 10];
    // The last 3 bytes of the previous read: a blank line may straddle two reads.
    let mut carry: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    loop {
        let n = socket.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        carry.extend_from_slice(&buf[..n]);
        let heads = carry.windows(4).filter(|w| w == b"\r\n\r\n").count();
        carry.drain(..carry.len().saturating_sub(3));
        out.clear();
        for _ in 0..heads {
            out.extend_from_slice(RESPONSE);
        }
        socket.write_all(&out)?;
    }
}

/// Sends `count` requests in batches of `batch` and prints requests/s.
pub fn run(to: SocketAddr, count: u64, batch: u64) -> Result<()> {
    let mut socket = TcpStream::connect(to).with_context(|| format!("connecting to {to}"))?;
    socket.set_nodelay(true)?;
    let secs = round_trips(&mut socket, REQUEST, RESPONSE, count, batch)?;
    println!(
        "requests={count} batch={batch} secs={secs:.2} req_per_s={:.0}",
        count as f64 / secs
    );
    Ok(())
}

/// Sends `ask` `count` times on `socket`, `batch` per write, reading each batch's answers
/// (`answer` each) before the next and checking every byte; returns the seconds it took.
pub fn round_trips(
    socket: &mut TcpStream,
    ask: &[u8],
    answer: &[u8],
    count: u64,
    batch: u64,
) -> Result<f64> {
    let batch = batch.max(1);
    let asks = ask.repeat(batch as usize);
    let expected = answer.repeat(batch as usize);
    let mut got = vec![0; expected.len()];
    let start = Instant::now();
    let mut done = 0;
    while done < count {
        let n = batch.min(count - done) as usize;
        socket.write_all(&asks[..n * ask.len()])?;
        let answers = &mut got[..n * answer.len()];
        socket.read_exact(answers).context("reading the answers")?;
        if answers != &expected[..answers.len()] {
            bail!(
                "the answers to round trips {done}..{} were changed",
                done + n as u64
            );
        }
        done += n as u64;
    }
    Ok(start.elapsed().as_secs_f64())
}
