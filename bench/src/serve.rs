//! The server side: a bulk sink/source, a fixed-size echo responder and a pipelined HTTP
//! responder ([`crate::pipeline`]), each on its own port of 127.0.0.1, so a relay can be put
//! in front of any.
//!
//! Bulk protocol, one transfer per connection. The client sends a 16-byte header: an 8-byte
//! operation name and the size as a little-endian `u64`.
//! - `UPLOAD`: the client sends `size` bytes of the stream and the stream's checksum (8 bytes,
//!   little endian); the server checksums what it received and answers `OK\n`, or `BAD ...\n`.
//! - `DOWNLOAD`: the server answers `G` (go: the client's clock starts), then `size` bytes of
//!   the stream and their checksum, and closes; the client verifies.
//!
//! Echo responder: reads exactly `reply_size` bytes, sends them back, closes.

use crate::data::{Stream, receive};
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Length of the bulk request header.
pub const HEADER_LEN: usize = 16;
/// The bulk operations.
pub const UPLOAD: &[u8; 8] = b"UPLOAD\0\0";
/// See [`UPLOAD`].
pub const DOWNLOAD: &[u8; 8] = b"DOWNLOAD";
/// Longer silences than this end a connection (the run then fails instead of hanging).
pub const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// At most this many failed echo connections are described on stderr.
const ERRORS_SHOWN: u64 = 20;

/// A bulk request header.
pub fn header(op: &[u8; 8], size: u64) -> [u8; HEADER_LEN] {
    let mut h = [0; HEADER_LEN];
    h[..8].copy_from_slice(op);
    h[8..].copy_from_slice(&size.to_le_bytes());
    h
}

/// Binds both ports, prints `bulk ADDR` and `reply ADDR`, and serves until killed.
pub fn run(reply_size: usize, reply_workers: usize) -> Result<()> {
    let bulk = TcpListener::bind("127.0.0.1:0").context("binding the bulk port")?;
    let reply = TcpListener::bind("127.0.0.1:0").context("binding the reply port")?;
    let http = TcpListener::bind("127.0.0.1:0").context("binding the http port")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "bulk {}", bulk.local_addr()?)?;
        writeln!(out, "reply {}", reply.local_addr()?)?;
        writeln!(out, "http {}", http.local_addr()?)?;
        out.flush()?;
    }
    std::thread::spawn(move || {
        for socket in http.incoming().flatten() {
            std::thread::spawn(move || {
                if let Err(e) = crate::pipeline::answer(socket) {
                    eprintln!("tcpmon-bench serve: http connection failed: {e:#}");
                }
            });
        }
    });

    // The echo responder: a pool of threads that each accept and serve one short connection
    // at a time, so a connection costs no thread start.
    let reply = Arc::new(reply);
    let failed = Arc::new(AtomicU64::new(0));
    for _ in 0..reply_workers.max(1) {
        let (reply, failed) = (Arc::clone(&reply), Arc::clone(&failed));
        std::thread::spawn(move || {
            let mut buf = vec![0; reply_size];
            loop {
                let Ok((socket, _)) = reply.accept() else {
                    // Out of file descriptors, say: back off instead of spinning.
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                if let Err(e) = echo(socket, &mut buf) {
                    if failed.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                        eprintln!("tcpmon-bench serve: echo connection failed: {e:#}");
                    }
                }
            }
        });
    }

    let stream = Arc::new(Stream::new());
    for socket in bulk.incoming() {
        let Ok(socket) = socket else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let stream = Arc::clone(&stream);
        std::thread::spawn(move || {
            if let Err(e) = bulk_transfer(socket, &stream) {
                eprintln!("tcpmon-bench serve: bulk transfer failed: {e:#}");
            }
        });
    }
    Ok(())
}

fn echo(mut socket: TcpStream, buf: &mut [u8]) -> Result<()> {
    socket.set_nodelay(true)?;
    socket.set_read_timeout(Some(IDLE_LIMIT))?;
    socket.set_write_timeout(Some(IDLE_LIMIT))?;
    socket.read_exact(buf).context("reading the request")?;
    socket.write_all(buf).context("sending the reply")?;
    // Dropping closes: the server ends the connection first, as an HTTP server with
    // `Connection: close` does.
    Ok(())
}

fn bulk_transfer(mut socket: TcpStream, stream: &Stream) -> Result<()> {
    socket.set_nodelay(true)?;
    socket.set_read_timeout(Some(IDLE_LIMIT))?;
    socket.set_write_timeout(Some(IDLE_LIMIT))?;
    let mut head = [0; HEADER_LEN];
    socket.read_exact(&mut head).context("reading the header")?;
    let mut size = [0; 8];
    size.copy_from_slice(&head[8..]);
    let size = u64::from_le_bytes(size);
    if &head[..8] == UPLOAD {
        let got = receive(&mut socket, size).context("receiving the upload")?;
        let mut sent = [0; 8];
        socket
            .read_exact(&mut sent)
            .context("reading the upload's checksum")?;
        let sent = u64::from_le_bytes(sent);
        if got == sent {
            socket.write_all(b"OK\n")?;
        } else {
            let why = format!(
                "CHECKSUM MISMATCH: received {size} bytes with checksum {got:016x}, \
                 the sender's is {sent:016x}"
            );
            eprintln!("tcpmon-bench serve: upload: {why}");
            socket.write_all(format!("BAD {why}\n").as_bytes())?;
        }
    } else if &head[..8] == DOWNLOAD {
        let sum = stream.checksum(size);
        socket.write_all(b"G")?;
        stream
            .send(&mut socket, size)
            .context("sending the download")?;
        socket.write_all(&sum.to_le_bytes())?;
        socket.shutdown(Shutdown::Write)?;
    } else {
        bail!(
            "unknown operation {:?}",
            String::from_utf8_lossy(&head[..8])
        );
    }
    Ok(())
}
