//! Connection churn: many short connections, each sending `size` bytes to the echo responder
//! and reading the same bytes back before the server closes, a few at a time, paced when asked.
//!
//! Prints `conns count=N ok=N failed=N secs=S per_sec=R p50_ms=.. p99_ms=.. max_ms=..` and,
//! on stderr, how the failed ones failed (grouped by message). Any failure makes the exit
//! status 1, after the figures are printed.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `count` connections, `concurrency` at a time, started at `rate` a second at most
/// (0: no pacing).
pub fn run(to: SocketAddr, count: u64, size: usize, concurrency: usize, rate: f64) -> Result<()> {
    let next = AtomicU64::new(0);
    let failures: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());
    let start = Instant::now();
    let mut micros: Vec<u32> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..concurrency.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut times = Vec::new();
                    let mut sent = vec![0; size];
                    let mut back = vec![0; size];
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            return times;
                        }
                        if rate > 0.0 {
                            let due = start + Duration::from_secs_f64(i as f64 / rate);
                            std::thread::sleep(due.saturating_duration_since(Instant::now()));
                        }
                        let t = Instant::now();
                        match one(to, i, &mut sent, &mut back) {
                            Ok(()) => times
                                .push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX)),
                            Err(e) => {
                                let mut f = failures.lock().unwrap_or_else(|p| p.into_inner());
                                *f.entry(format!("{e:#}")).or_insert(0) += 1;
                            }
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    micros.sort_unstable();
    let ok = micros.len() as u64;
    let failed = count - ok;
    let ms = |q: f64| {
        let i = ((micros.len() as f64 * q).ceil() as usize).clamp(1, micros.len().max(1)) - 1;
        micros.get(i).map_or(f64::NAN, |&m| f64::from(m) / 1000.0)
    };
    println!(
        "conns count={count} ok={ok} failed={failed} secs={secs:.3} per_sec={:.0} \
         p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        ok as f64 / secs,
        ms(0.50),
        ms(0.99),
        ms(1.0),
    );
    let failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut by_count: Vec<_> = failures.into_iter().collect();
    by_count.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (why, n) in by_count.iter().take(10) {
        eprintln!("tcpmon-bench conns: {n} failed: {why}");
    }
    if failed > 0 {
        bail!("{failed} of {count} connections through {to} failed");
    }
    Ok(())
}

/// Connection `i`: sends bytes particular to it, expects them back, then the server's close.
fn one(to: SocketAddr, i: u64, sent: &mut [u8], back: &mut [u8]) -> Result<()> {
    let mut socket = TcpStream::connect_timeout(&to, TIMEOUT).context("connect")?;
    socket.set_nodelay(true)?;
    socket.set_read_timeout(Some(TIMEOUT))?;
    socket.set_write_timeout(Some(TIMEOUT))?;
    let stamp = i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes();
    for (j, b) in sent.iter_mut().enumerate() {
        *b = stamp[j % 8] ^ (j / 8) as u8;
    }
    socket.write_all(sent).context("send")?;
    socket.read_exact(back).context("read the reply")?;
    if back != sent {
        bail!("the reply differs from what was sent");
    }
    let mut extra = [0; 1];
    match socket.read(&mut extra).context("wait for the close")? {
        0 => Ok(()),
        _ => bail!("more bytes than were sent"),
    }
}
