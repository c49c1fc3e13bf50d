//! curl commands run by a real shell and a real `curl` against a listener on 127.0.0.1 that
//! records what arrives: the server must see the captured request's method, target, version,
//! headers and body (header order and chunk sizes aside).

#![allow(clippy::unwrap_used)] // test helpers, outside #[test] functions

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tcpmon_inspect::Direction;
use tcpmon_inspect::exchange::Tracker;
use tcpmon_inspect::formats::curl::{CurlRequest, curl_command, write_curl_script};
use tcpmon_inspect::http1::{BodyDecoder, Framing, parse_request};

/// A request as a server understands it.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    method: String,
    target: String,
    version: u8,
    /// Sorted, names lowercased.
    headers: Vec<(String, String)>,
    /// Chunked framing removed.
    body: Vec<u8>,
}

fn seen(bytes: &[u8]) -> Seen {
    let head = parse_request(bytes)
        .unwrap()
        .unwrap_or_else(|| panic!("no whole head in {:?}", String::from_utf8_lossy(bytes)));
    let mut body = Vec::new();
    BodyDecoder::new(Framing::for_request(&head).unwrap())
        .feed(&bytes[head.head.len..], &mut |part| {
            body.extend_from_slice(part)
        })
        .unwrap();
    let mut headers: Vec<(String, String)> = head
        .head
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.to_ascii_lowercase(),
                String::from_utf8_lossy(v).into_owned(),
            )
        })
        .collect();
    headers.sort();
    Seen {
        method: head.method,
        target: head.target,
        version: head.head.version,
        headers,
        body,
    }
}

/// Accepts `count` connections one after the other and answers each request (a `100
/// Continue` first when asked for); the bytes of each request.
fn serve(listener: TcpListener, count: usize) -> JoinHandle<Vec<Vec<u8>>> {
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        listener.set_nonblocking(true).unwrap();
        let mut requests = Vec::new();
        while requests.len() < count {
            let mut stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "curl never connected");
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                Err(e) => panic!("{e}"),
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let (mut tracker, mut exchanges, mut bytes) = (Tracker::new(), Vec::new(), Vec::new());
            let mut continued = false;
            let mut buf = [0u8; 65536];
            loop {
                let n = stream.read(&mut buf).expect("the request arrives");
                assert!(
                    n > 0,
                    "curl closed early: {:?}",
                    String::from_utf8_lossy(&bytes)
                );
                bytes.extend_from_slice(&buf[..n]);
                tracker.feed(Direction::ClientToServer, &buf[..n], 0, &mut exchanges);
                let Some(exchange) = exchanges.first() else {
                    continue;
                };
                if exchange.request.complete() {
                    break;
                }
                let expects = parse_request(&bytes)
                    .ok()
                    .flatten()
                    .is_some_and(|h| h.head.header("expect").is_some());
                if expects && !continued {
                    stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap();
                    continued = true;
                }
            }
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .unwrap();
            requests.push(bytes);
        }
        requests
    })
}

fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = listener.local_addr().unwrap().to_string();
    (listener, server)
}

fn command(request: &[u8], server: &str) -> String {
    let mut tracker = Tracker::new();
    let mut exchanges = Vec::new();
    tracker.feed(Direction::ClientToServer, request, 1, &mut exchanges);
    assert_eq!(exchanges.len(), 1);
    assert!(exchanges[0].request.complete());
    curl_command(&CurlRequest {
        exchange: &exchanges[0],
        request,
        server,
        tls: false,
    })
}

/// The shells the commands must work in: the POSIX `sh` (dash on Debian) and bash.
const SHELLS: [&str; 2] = ["sh", "bash"];

/// Runs `script` from a file with `shell` (a command line holding a long body would be too
/// long for `sh -c`).
fn run(shell: &str, script: &str) {
    let dir = std::env::temp_dir().join(format!("tcpmon-curl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{:?}.{shell}", std::thread::current().id()));
    std::fs::write(&path, script).unwrap();
    let out = Command::new("timeout")
        .args(["60", shell])
        .arg(&path)
        .output()
        .expect("sh runs (and curl is installed: scripts/test.sh installs it)");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{shell}: {}\n{}",
        &script[..script.len().min(2000)],
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the command for `request` and returns what the server saw, with the command.
fn replay(shell: &str, request: &[u8], server: &str, listener: TcpListener) -> (Seen, String) {
    let server_thread = serve(listener, 1);
    let cmd = command(request, server);
    run(
        shell,
        &format!("{cmd} --silent --show-error --output /dev/null --max-time 20"),
    );
    let got = server_thread.join().unwrap();
    (seen(&got[0]), cmd)
}

/// Requests that exercise every rule of the command, with `{server}` for the listener.
fn requests(server: &str) -> Vec<Vec<u8>> {
    let mut list: Vec<Vec<u8>> = [
        // Host as curl would send it; curl's own headers present; an empty header.
        format!(
            "GET /search?q=a+b&x=%41 HTTP/1.1\r\nHost: {server}\r\nUser-Agent: Mozilla/5.0\r\n\
Accept: text/html\r\nCookie: a=1; b=2\r\nX-Empty:\r\n\r\n"
        ),
        // Another Host; HTTP/1.0 without User-Agent or Accept.
        "DELETE /items/7 HTTP/1.0\r\nHost: api.test\r\n\r\n".into(),
        // No Host at all.
        "GET /old HTTP/1.0\r\n\r\n".into(),
        // A chunked body, no Content-Type.
        "PUT /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\
5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
            .into(),
        // Proxy form, with a fragment curl would drop.
        "GET http://origin.test/p?q=1#frag HTTP/1.1\r\nHost: origin.test\r\nAccept: */*\r\n\r\n"
            .into(),
        "HEAD /big HTTP/1.1\r\nHost: h\r\n\r\n".into(),
        // Characters curl would glob or encode.
        "GET /a%20b/{x}[1]|/caf\u{e9}/../c HTTP/1.1\r\nHost: h\r\n\r\n".into(),
        "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n".into(),
        "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n".into(),
        // A body that looks like a file name to curl, and an empty one with a length.
        "POST /at HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n@/etc/"
            .into(),
        "GET /empty HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n".into(),
        // A client that waited for 100 Continue.
        "POST /wait HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Type: text/plain\r\n\
Content-Length: 3\r\n\r\nabc"
            .into(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    // Binary body: NUL, newlines, quotes, %, backslash, every byte value.
    let body: Vec<u8> = (0..=255u8).chain(*b"'%\\\n\0'").collect();
    let mut post = format!(
        "POST /bin?id=1 HTTP/1.1\r\nHost: files.test\r\nContent-Type: application/octet-stream\r\n\
Content-Length: {}\r\nX-Obs: caf\u{e9}\tx\r\n\r\n",
        body.len()
    )
    .into_bytes();
    post.extend_from_slice(&body);
    list.push(post);
    // A printable body longer than curl's threshold for adding Expect by itself.
    let big = "x".repeat(2 << 20);
    list.push(
        format!(
            "PATCH /big HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{big}",
            big.len()
        )
        .into_bytes(),
    );
    list
}

#[test]
fn curl_sends_what_was_captured() {
    let (_, server) = listener();
    for shell in SHELLS {
        for i in 0..requests(&server).len() {
            let (listener, server) = listener();
            let request = &requests(&server)[i];
            let (got, cmd) = replay(shell, request, &server, listener);
            assert_eq!(
                got,
                seen(request),
                "{shell}: {}",
                &cmd[..cmd.len().min(2000)]
            );
        }
    }
}

#[test]
fn a_script_replays_every_request_in_order() {
    let (listener, server) = listener();
    let list: Vec<Vec<u8>> = requests(&server).into_iter().take(4).collect();
    let exchanges: Vec<_> = list
        .iter()
        .map(|r| {
            let mut tracker = Tracker::new();
            let mut found = Vec::new();
            tracker.feed(Direction::ClientToServer, r, 1, &mut found);
            found.remove(0)
        })
        .collect();
    let items: Vec<CurlRequest<'_>> = exchanges
        .iter()
        .zip(&list)
        .map(|(exchange, request)| CurlRequest {
            exchange,
            request,
            server: &server,
            tls: false,
        })
        .collect();
    let mut script = Vec::new();
    write_curl_script(&mut script, &items).unwrap();
    let script = String::from_utf8(script).unwrap();
    assert!(script.starts_with("#!/bin/sh\n# 4 request(s)"));
    assert_eq!(script.lines().count(), 2 + 4);
    let server_thread = serve(listener, 4);
    run("sh", &script);
    let got = server_thread.join().unwrap();
    for (got, request) in got.iter().zip(&list) {
        assert_eq!(seen(got), seen(request));
    }
}
