//! The bulk client: one connection per direction, a checksum verified by the receiving side.
//!
//! Prints one line per direction, `up bytes=N secs=S mb_per_s=R` (MB = 10^6 bytes). A checksum
//! that differs, a short stream or extra bytes end the run with an error naming them.

use crate::data::{Stream, receive};
use crate::serve::{DOWNLOAD, IDLE_LIMIT, UPLOAD, header};
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Which transfers to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
    /// Up, then down (two connections, one after the other).
    Both,
}

/// Runs the transfers and prints their rates.
pub fn run(to: SocketAddr, size: u64, direction: Direction) -> Result<()> {
    let stream = Stream::new();
    if direction != Direction::Down {
        let secs = upload(to, size, &stream)?;
        report("up", size, secs);
    }
    if direction != Direction::Up {
        let secs = download(to, size, &stream)?;
        report("down", size, secs);
    }
    Ok(())
}

fn report(label: &str, size: u64, secs: Duration) {
    let secs = secs.as_secs_f64();
    println!(
        "{label} bytes={size} secs={secs:.6} mb_per_s={:.1}",
        size as f64 / secs / 1e6
    );
}

fn connect(to: SocketAddr) -> Result<TcpStream> {
    let socket = TcpStream::connect_timeout(&to, Duration::from_secs(10))
        .with_context(|| format!("connecting to {to}"))?;
    socket.set_nodelay(true)?;
    socket.set_read_timeout(Some(IDLE_LIMIT))?;
    socket.set_write_timeout(Some(IDLE_LIMIT))?;
    Ok(socket)
}

/// From the first byte sent to the receiver's verdict.
fn upload(to: SocketAddr, size: u64, stream: &Stream) -> Result<Duration> {
    // Computed before the clock starts: during the transfer the sender only writes.
    let sum = stream.checksum(size);
    let mut socket = connect(to)?;
    let start = Instant::now();
    socket.write_all(&header(UPLOAD, size))?;
    stream
        .send(&mut socket, size)
        .with_context(|| format!("upload through {to}: sending"))?;
    socket.write_all(&sum.to_le_bytes())?;
    let mut verdict = String::new();
    socket
        .read_to_string(&mut verdict)
        .with_context(|| format!("upload through {to}: reading the receiver's verdict"))?;
    let secs = start.elapsed();
    match verdict.trim_end() {
        "OK" => Ok(secs),
        "" => bail!("upload through {to}: the connection closed without a verdict"),
        other => bail!("upload through {to}: {other}"),
    }
}

/// From the server's go byte to the checksum after the last byte.
fn download(to: SocketAddr, size: u64, stream: &Stream) -> Result<Duration> {
    let expected = stream.checksum(size);
    let mut socket = connect(to)?;
    socket.write_all(&header(DOWNLOAD, size))?;
    let mut go = [0; 1];
    socket
        .read_exact(&mut go)
        .with_context(|| format!("download through {to}: waiting for the server"))?;
    if go != *b"G" {
        bail!("download through {to}: the server answered {go:?}, not G");
    }
    let start = Instant::now();
    let got = receive(&mut socket, size).with_context(|| format!("download through {to}"))?;
    let mut sent = [0; 8];
    socket
        .read_exact(&mut sent)
        .with_context(|| format!("download through {to}: reading the sender's checksum"))?;
    let secs = start.elapsed();
    let sent = u64::from_le_bytes(sent);
    let mut extra = Vec::new();
    socket
        .read_to_end(&mut extra)
        .with_context(|| format!("download through {to}: waiting for the end"))?;
    if got != sent || sent != expected {
        bail!(
            "download through {to}: CHECKSUM MISMATCH: received {size} bytes with checksum \
             {got:016x}; the sender's is {sent:016x}, the stream's {expected:016x}"
        );
    }
    if !extra.is_empty() {
        bail!(
            "download through {to}: {} bytes more than the {size} sent",
            extra.len()
        );
    }
    Ok(secs)
}
