//! The soak's server: one port on 127.0.0.1, each connection dispatched by its first bytes.
//! `ECHO ` is echoed back byte for byte until the client half-closes; anything else is HTTP
//! keep-alive, each request answered as its path asks (sized, gzip'ed, chunked, hostile, or
//! cut short by a reset with `SO_LINGER 0`).
//!
//! It serves until its stdin ends (the script closes it), waits for open connections to end,
//! then writes one log line per connection: the id it saw, lengths and checksums of what it
//! received and sent, and how the connection ended.

use super::plan::Route;
use super::wire::{ServerRec, Tally, recv, send, write_log};
use anyhow::{Context, Result};
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A silence longer than this ends a connection as an error (slow clients pause ~ms).
const IDLE: Duration = Duration::from_secs(120);
/// A request head longer than this is an error (ours are a few hundred bytes).
const MAX_HEAD: usize = 64 << 10;
/// After stdin ends, open connections get this long to finish.
const DRAIN: Duration = Duration::from_secs(60);

/// Serves until stdin ends, then writes the log to `log`.
pub fn run(log: &Path) -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the soak server")?;
    let addr = listener.local_addr()?;
    {
        let mut out = io::stdout().lock();
        writeln!(out, "soak-serve {addr}")?;
        out.flush()?;
    }
    let records = Arc::new(Mutex::new(Vec::new()));
    let active = Arc::new(AtomicUsize::new(0));
    let stopping = Arc::new(AtomicBool::new(false));
    {
        let (records, active, stopping) = (records.clone(), active.clone(), stopping.clone());
        std::thread::spawn(move || accept_loop(&listener, &records, &active, &stopping));
    }
    io::copy(&mut io::stdin().lock(), &mut io::sink())?;
    stopping.store(true, Ordering::SeqCst);
    // Wakes the accept loop so it sees the flag.
    let _ = TcpStream::connect(addr);
    let start = Instant::now();
    while active.load(Ordering::SeqCst) > 0 && start.elapsed() < DRAIN {
        std::thread::sleep(Duration::from_millis(50));
    }
    let open = active.load(Ordering::SeqCst);
    if open > 0 {
        eprintln!("tcpmon-bench soak serve: {open} connections still open after {DRAIN:?}");
    }
    let records = std::mem::take(&mut *records.lock().unwrap_or_else(|p| p.into_inner()));
    write_log(log, records.iter().map(ServerRec::line))
}

fn accept_loop(
    listener: &TcpListener,
    records: &Arc<Mutex<Vec<ServerRec>>>,
    active: &Arc<AtomicUsize>,
    stopping: &AtomicBool,
) {
    for sock in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(sock) = sock else {
            // Out of file descriptors, say: back off instead of spinning.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        active.fetch_add(1, Ordering::SeqCst);
        let (records, active) = (records.clone(), active.clone());
        std::thread::spawn(move || {
            let rec = serve(sock);
            records.lock().unwrap_or_else(|p| p.into_inner()).push(rec);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// How a server connection ended.
enum End {
    /// The client closed between requests.
    Ok,
    /// We reset it on purpose, mid-body.
    ResetSent,
    /// It ended inside a request (the client's reset, expected of some kinds).
    Cut(String),
    /// Anything else.
    Error(String),
}

/// One server connection: what came in, what went out, counted.
struct Conn {
    sock: TcpStream,
    buf: Vec<u8>,
    scratch: Vec<u8>,
    recv: Tally,
    sent: Tally,
    id: Option<u64>,
}

impl Conn {
    /// Reads more into `buf`; `Ok(false)` at the end of the stream.
    fn fill(&mut self) -> io::Result<bool> {
        let n = recv(&mut self.sock, &mut self.scratch, &mut self.recv)?;
        self.buf.extend_from_slice(&self.scratch[..n]);
        Ok(n > 0)
    }

    /// The next request head, `None` when the client closed between requests.
    fn head(&mut self) -> Result<Option<Vec<u8>>, End> {
        loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                return Ok(Some(self.buf.drain(..at + 4).collect()));
            }
            if self.buf.len() > MAX_HEAD {
                return Err(End::Error("request head too long".into()));
            }
            match self.fill() {
                Ok(true) => {}
                Ok(false) if self.buf.is_empty() => return Ok(None),
                Ok(false) => return Err(End::Cut("the stream ended inside a head".into())),
                Err(e) if self.buf.is_empty() => return Err(End::Error(e.to_string())),
                Err(e) => return Err(End::Cut(e.to_string())),
            }
        }
    }

    /// The next `len` bytes (a request body).
    fn body(&mut self, len: usize) -> Result<Vec<u8>, End> {
        while self.buf.len() < len {
            match self.fill() {
                Ok(true) => {}
                Ok(false) => return Err(End::Cut("the stream ended inside a body".into())),
                Err(e) => return Err(End::Cut(e.to_string())),
            }
        }
        Ok(self.buf.drain(..len).collect())
    }

    fn send(&mut self, data: &[u8]) -> Result<(), End> {
        send(&mut self.sock, data, &mut self.sent).map_err(|e| End::Error(e.to_string()))
    }
}

/// Serves one connection and says what it saw.
fn serve(sock: TcpStream) -> ServerRec {
    let _ = sock.set_nodelay(true);
    let _ = sock.set_read_timeout(Some(IDLE));
    let _ = sock.set_write_timeout(Some(IDLE));
    let mut c = Conn {
        sock,
        buf: Vec::new(),
        scratch: vec![0; 64 << 10],
        recv: Tally::default(),
        sent: Tally::default(),
        id: None,
    };
    let end = dispatch(&mut c);
    let outcome = match end {
        End::Ok => "ok".to_string(),
        End::ResetSent => "reset-sent".to_string(),
        End::Cut(why) => format!("cut: {why}"),
        End::Error(why) => format!("error: {why}"),
    };
    ServerRec {
        id: c.id,
        recv: c.recv.seen(),
        sent: c.sent.seen(),
        outcome,
    }
}

/// Echo or HTTP, by the first five bytes.
fn dispatch(c: &mut Conn) -> End {
    while c.buf.len() < 5 {
        match c.fill() {
            Ok(true) => {}
            Ok(false) if c.buf.is_empty() => return End::Ok,
            Ok(false) => return End::Cut("the stream ended in its first bytes".into()),
            Err(e) => return End::Cut(e.to_string()),
        }
    }
    let result = if c.buf.starts_with(b"ECHO ") {
        echo(c)
    } else {
        http(c)
    };
    result.err().unwrap_or(End::Ok)
}

/// Sends back every byte, the `ECHO id len` line included, until the client half-closes.
fn echo(c: &mut Conn) -> Result<(), End> {
    loop {
        if c.id.is_none() {
            if let Some(line_end) = c.buf.iter().position(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(&c.buf[..line_end]).to_string();
                c.id = line.split(' ').nth(1).and_then(|id| id.parse().ok());
            }
        }
        let pending = std::mem::take(&mut c.buf);
        c.send(&pending)?;
        match c.fill() {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(End::Error(e.to_string())),
        }
    }
}

/// Answers requests until the client closes between two of them.
fn http(c: &mut Conn) -> Result<(), End> {
    loop {
        let Some(head) = c.head()? else {
            return Ok(());
        };
        let (path, len, id) = parse_head(&head).map_err(End::Error)?;
        if c.id.is_none() {
            c.id = id;
        }
        c.body(len)?;
        let Some(route) = Route::parse(&path) else {
            c.send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")?;
            return Err(End::Error(format!("no such route: {path}")));
        };
        let (response, reset_after) = route.response();
        match reset_after {
            None => c.send(&response)?,
            Some(n) => {
                c.send(&response[..n])?;
                // Lets the relay take the partial body before the reset overtakes it.
                std::thread::sleep(Duration::from_millis(20));
                let _ = socket2::SockRef::from(&c.sock).set_linger(Some(Duration::ZERO));
                return Err(End::ResetSent);
            }
        }
    }
}

/// The path, `Content-Length` and `X-Soak-Id` of a request head.
fn parse_head(head: &[u8]) -> Result<(String, usize, Option<u64>), String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        other => return Err(format!("bad request head ({other:?})")),
    }
    let value = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::to_string)
    };
    let len = match value("content-length") {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("bad Content-Length {v:?}"))?,
        None => 0,
    };
    let id = value("x-soak-id").and_then(|v| v.trim().parse().ok());
    Ok((req.path.unwrap_or("/").to_string(), len, id))
}
