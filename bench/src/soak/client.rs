//! One soak client connection, playing its [`Plan`]: it sends what the plan says, reads
//! exactly the bytes the server's answers are made of (they are known from the plan too), and
//! counts both ways. A response that never completes ends in the read timeout, an error.

use super::plan::{Kind, Plan, Step};
use super::wire::{ClientRec, Tally, recv, send};
use std::io;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Longer silences than this fail the connection.
const TIMEOUT: Duration = Duration::from_secs(60);
/// A slow client's pause between two bytes.
const SLOW_PAUSE: Duration = Duration::from_millis(2);
/// A resetting client's pause after its last bytes, so the relay takes them before the reset.
const RESET_PAUSE: Duration = Duration::from_millis(30);

/// Counts of one client connection.
#[derive(Default)]
struct Counts {
    sent: Tally,
    recv: Tally,
}

/// Runs connection `plan` through `to` (relay number `relay`) and says how it went.
pub fn run(plan: &Plan, to: SocketAddr, relay: u8) -> ClientRec {
    let start_us = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    let started = Instant::now();
    let mut counts = Counts::default();
    let mut port = 0;
    let outcome = match TcpStream::connect_timeout(&to, TIMEOUT) {
        Ok(sock) => {
            port = sock.local_addr().map_or(0, |a| a.port());
            converse(plan, sock, &mut counts)
        }
        Err(e) => format!("error: connect: {e}"),
    };
    ClientRec {
        id: plan.id,
        kind: plan.kind,
        relay,
        port,
        start_us,
        millis: started.elapsed().as_millis() as u64,
        sent: counts.sent.seen(),
        recv: counts.recv.seen(),
        outcome,
    }
}

/// The conversation of the plan's kind; its outcome for the log.
fn converse(plan: &Plan, mut sock: TcpStream, c: &mut Counts) -> String {
    let setup = sock
        .set_nodelay(true)
        .and_then(|()| sock.set_read_timeout(Some(TIMEOUT)))
        .and_then(|()| sock.set_write_timeout(Some(TIMEOUT)));
    if let Err(e) = setup {
        return format!("error: {e}");
    }
    let result = match plan.kind {
        Kind::Echo => echo(plan, &sock, c),
        Kind::Pipelined => pipelined(plan, &mut sock, c),
        Kind::KeepAlive | Kind::Slow | Kind::Hostile => {
            steps(plan, &plan.steps, &mut sock, c, plan.kind == Kind::Slow)
        }
        Kind::ClientReset => client_reset(plan, sock, c),
        Kind::ServerReset => return server_reset(plan, &mut sock, c),
    };
    match result {
        Ok(()) => "ok".into(),
        Err(e) => format!("error: {e}"),
    }
}

/// Reads exactly `len` bytes.
fn recv_exact(sock: &mut TcpStream, mut len: usize, tally: &mut Tally) -> io::Result<()> {
    let mut buf = vec![0; len.min(64 << 10)];
    while len > 0 {
        let want = len.min(buf.len());
        match recv(sock, &mut buf[..want], tally)? {
            0 => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "early end")),
            n => len -= n,
        }
    }
    Ok(())
}

/// Request, whole response, next request: keep-alive (a byte at a time when `slow`).
fn steps(
    plan: &Plan,
    steps: &[Step],
    sock: &mut TcpStream,
    c: &mut Counts,
    slow: bool,
) -> io::Result<()> {
    for step in steps {
        let request = step.request(plan.id);
        if slow {
            for byte in request.chunks(1) {
                send(sock, byte, &mut c.sent)?;
                std::thread::sleep(SLOW_PAUSE);
            }
        } else {
            send(sock, &request, &mut c.sent)?;
        }
        recv_exact(sock, step.route.response().0.len(), &mut c.recv)?;
    }
    Ok(())
}

/// All requests in one write, then all responses.
fn pipelined(plan: &Plan, sock: &mut TcpStream, c: &mut Counts) -> io::Result<()> {
    let mut burst = Vec::new();
    let mut expect = 0;
    for step in &plan.steps {
        burst.extend_from_slice(&step.request(plan.id));
        expect += step.route.response().0.len();
    }
    send(sock, &burst, &mut c.sent)?;
    recv_exact(sock, expect, &mut c.recv)
}

/// Sends the line and payload from a second thread while reading the echo, half-closes,
/// reads to the end.
fn echo(plan: &Plan, sock: &TcpStream, c: &mut Counts) -> io::Result<()> {
    let data = plan.echo_bytes();
    let mut writer = sock.try_clone()?;
    let mut reader = sock.try_clone()?;
    let (sent, read) = std::thread::scope(|s| {
        let sending = s.spawn(|| {
            let mut tally = Tally::default();
            let mut result = Ok(());
            for piece in data.chunks(64 << 10) {
                result = send(&mut writer, piece, &mut tally);
                if result.is_err() {
                    break;
                }
            }
            (
                tally,
                result.and_then(|()| writer.shutdown(Shutdown::Write)),
            )
        });
        let mut buf = vec![0; 64 << 10];
        let read = loop {
            match recv(&mut reader, &mut buf, &mut c.recv) {
                Ok(0) => break Ok(()),
                Ok(_) => {}
                Err(e) => break Err(e),
            }
        };
        (sending.join(), read)
    });
    let (tally, wrote) = sent.map_err(|_| io::Error::other("the sending thread panicked"))?;
    c.sent = tally;
    wrote.and(read)
}

/// The usual steps, then a body cut short: part of it, a pause, a reset.
fn client_reset(plan: &Plan, mut sock: TcpStream, c: &mut Counts) -> io::Result<()> {
    let (last, before) = plan.steps.split_last().ok_or(io::ErrorKind::InvalidInput)?;
    steps(plan, before, &mut sock, c, false)?;
    let request = last.request(plan.id);
    send(&mut sock, &request[..last.sent_len(plan.id)], &mut c.sent)?;
    std::thread::sleep(RESET_PAUSE);
    socket2::SockRef::from(&sock).set_linger(Some(Duration::ZERO))?;
    drop(sock);
    Ok(())
}

/// The usual steps, then a request the server answers in part before resetting: reads
/// until the end or the reset. A response that arrives whole is an error.
fn server_reset(plan: &Plan, sock: &mut TcpStream, c: &mut Counts) -> String {
    let Some((last, before)) = plan.steps.split_last() else {
        return "error: no steps".into();
    };
    if let Err(e) = steps(plan, before, sock, c, false) {
        return format!("error: {e}");
    }
    if let Err(e) = send(sock, &last.request(plan.id), &mut c.sent) {
        return format!("error: {e}");
    }
    let whole = last.route.response().0.len() as u64;
    let before = c.recv.seen().len;
    let mut buf = vec![0; 64 << 10];
    let end = loop {
        match recv(sock, &mut buf, &mut c.recv) {
            Ok(0) => break "the stream ended".to_string(),
            Ok(_) => {}
            Err(e) => break e.to_string(),
        }
    };
    if c.recv.seen().len - before >= whole {
        return format!("error: the whole response came, then {end}");
    }
    format!("cut: {end}")
}
