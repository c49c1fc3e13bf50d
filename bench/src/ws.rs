//! WebSocket figures: messages per second through a relay (a Python generator would be the
//! bottleneck, so both ends are here), and how fast TCPMon's frame reader goes.
//!
//! `ws-serve` accepts upgrades (any request head; it answers `101` without checking the key,
//! both ends being ours) and echoes each client frame back unmasked. `ws` opens one
//! connection and sends `count` small masked text messages in writes of `batch`, reading each
//! batch's echoes before the next and checking every byte: a relay in between sees `2 * count`
//! messages. `ws-decode` times `tcpmon_inspect::ws::Reader` over a generated stream.

use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use tcpmon_inspect::Direction;
use tcpmon_inspect::ws::{Opcode, Reader, frame};

const UPGRADE: &[u8] = b"GET /bench HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const SWITCHED: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
const KEY: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

/// One message as the client sends it (masked) and as the server echoes it (unmasked).
fn frames(size: usize) -> (Vec<u8>, Vec<u8>) {
    let payload: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    let mut masked = payload.clone();
    frame::unmask(&mut masked, KEY, 0);
    let mut sent = frame::head(Opcode::Text, size, Some(KEY));
    sent.extend(masked);
    let mut echoed = frame::head(Opcode::Text, size, None);
    echoed.extend(payload);
    (sent, echoed)
}

/// Serves upgrades until killed; prints `ws ADDR` first.
pub fn serve() -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the ws port")?;
    println!("ws {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    for socket in listener.incoming().flatten() {
        std::thread::spawn(move || {
            if let Err(e) = echo(socket) {
                eprintln!("tcpmon-bench ws-serve: connection failed: {e:#}");
            }
        });
    }
    Ok(())
}

/// Answers the upgrade, then echoes every frame's payload back unmasked.
fn echo(mut socket: TcpStream) -> Result<()> {
    socket.set_nodelay(true)?;
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if socket.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    socket.write_all(SWITCHED)?;
    let mut buf = vec![0; 64 << 10];
    let mut pending: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    loop {
        let n = socket.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        pending.extend_from_slice(&buf[..n]);
        out.clear();
        let mut at = 0;
        while let Some(h) = frame::parse_head(&pending[at..])? {
            let (start, len) = (at + usize::from(h.head_len), h.len as usize);
            if pending.len() < start + len {
                break;
            }
            let mut payload = pending[start..start + len].to_vec();
            if let Some(key) = h.mask {
                frame::unmask(&mut payload, key, 0);
            }
            out.extend(frame::head(h.opcode, len, None));
            out.extend(payload);
            at = start + len;
        }
        pending.drain(..at);
        socket.write_all(&out)?;
    }
}

/// Sends `count` messages of `size` bytes in batches of `batch`; prints messages/s.
pub fn run(to: SocketAddr, count: u64, size: usize, batch: u64) -> Result<()> {
    let mut socket = TcpStream::connect(to).with_context(|| format!("connecting to {to}"))?;
    socket.set_nodelay(true)?;
    socket.write_all(UPGRADE)?;
    let mut answer = vec![0; SWITCHED.len()];
    socket.read_exact(&mut answer).context("reading the 101")?;
    if answer != SWITCHED {
        bail!("no 101 from {to}");
    }
    let (sent, echoed) = frames(size);
    let secs = crate::pipeline::round_trips(&mut socket, &sent, &echoed, count, batch)?;
    println!(
        "ws messages={} size={size} secs={secs:.3} messages_per_s={:.0}",
        2 * count,
        2.0 * count as f64 / secs
    );
    Ok(())
}

/// Masked client messages of `size` bytes, as many as fit in `bytes`, as one stream; and
/// how many.
pub fn client_stream(size: usize, bytes: usize) -> (Vec<u8>, usize) {
    let (sent, _) = frames(size);
    let count = (bytes / sent.len()).max(1);
    (sent.repeat(count), count)
}

/// Seconds the frame reader takes over a [`client_stream`] of `count` messages fed in pieces,
/// counting them (as the tracker does) or keeping their payloads (as the CLI's `--ws` and
/// exports do); checks that it found every message.
pub fn read_secs(stream: &[u8], count: usize, keep: bool) -> Result<f64> {
    let mut reader = Reader::new(Direction::ClientToServer, 0, None, keep);
    let mut out = Vec::new();
    let mut messages = 0;
    let secs = crate::decoders::timed(|| {
        for chunk in stream.chunks(crate::decoders::PIECE) {
            reader.feed(chunk, 0, &mut out)?;
            messages += out.len();
            out.clear();
        }
        Ok(())
    })?;
    if messages != count {
        bail!("the frame reader found {messages} messages of {count}");
    }
    Ok(secs)
}

/// Times the frame reader over `mb` MiB of messages of `size` bytes, counting and keeping
/// payloads.
pub fn decode(mb: usize, size: usize) -> Result<()> {
    let (stream, count) = client_stream(size, mb << 20);
    for keep in [false, true] {
        let secs = read_secs(&stream, count, keep)?;
        let what = if keep { "keeping payloads" } else { "counting" };
        println!(
            "ws-decode {what}: {} MB in {secs:.3} s = {:.0} MB/s ({size}-byte messages)",
            stream.len() / 1_000_000,
            stream.len() as f64 / secs / 1e6
        );
    }
    Ok(())
}
