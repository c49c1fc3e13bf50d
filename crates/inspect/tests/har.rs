//! HAR export of exchanges found by the tracker in captured streams, checked against golden
//! files (which `tests/har/validate.test.mjs` runs through `har-validator`) and against the
//! rules the HAR schema cannot check; HAR import of our own files and of browsers' files.
//!
//! `UPDATE_GOLDEN=1 cargo test -p tcpmon-inspect --test har` rewrites the golden files.

#![allow(clippy::unwrap_used)] // test helpers, outside #[test] functions

use serde_json::Value;
use std::net::IpAddr;
use std::path::Path;
use tcpmon_inspect::Direction;
use tcpmon_inspect::exchange::{Exchange, Tracker};
use tcpmon_inspect::formats::har::{
    HarConnection, HarEntry, HarError, ImportedEntry, read_har, write_har,
};

/// 2023-11-14T22:13:20Z in µs: every capture below starts there.
const T: u64 = 1_700_000_000_000_000;

/// A chunk-free gzip (mtime 0) of [`JSON`].
const GZIPPED: &str = "1f8b0800000000000203ab562a4a2d2ecd292956b28a564a4e4c3bbc5221b154212731b3444987cefc58a0407e695e899295452d00ad74b8f097000000";
const JSON: &str = r#"{"results":["café au lait","café au lait","café au lait","café au lait","café au lait","café au lait","café au lait","café au lait"],"count":8}"#;

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// One connection's two streams as captured, and the exchanges the tracker found in them.
struct Capture {
    streams: [Vec<u8>; 2],
    exchanges: Vec<Exchange>,
}

impl Capture {
    /// Feeds `(side, bytes, µs after T)` in order; `finish`: the connection then closed.
    fn new(pieces: &[(Direction, &[u8], u64)]) -> Self {
        let mut tracker = Tracker::new();
        let mut exchanges = Vec::new();
        let mut streams = [Vec::new(), Vec::new()];
        for &(side, bytes, at) in pieces {
            tracker.feed(side, bytes, T + at, &mut exchanges);
            streams[side.index()].extend_from_slice(bytes);
        }
        tracker.finish(&mut exchanges);
        Self { streams, exchanges }
    }

    fn bytes(&self, i: usize, dir: Direction) -> &[u8] {
        self.exchanges[i].span(dir).map_or(&[][..], |s| {
            &self.streams[dir.index()][s.start as usize..s.end as usize]
        })
    }

    fn request(&self, i: usize) -> &[u8] {
        self.bytes(i, Direction::ClientToServer)
    }

    fn response(&self, i: usize) -> &[u8] {
        self.bytes(i, Direction::ServerToClient)
    }

    fn entries<'a>(&'a self, conn: &'a HarConnection<'a>) -> Vec<HarEntry<'a>> {
        (0..self.exchanges.len())
            .map(|i| HarEntry {
                conn,
                exchange: &self.exchanges[i],
                first_of_connection: i == 0,
                request: self.request(i),
                response: self.response(i),
                messages: &[],
                changed: &[],
            })
            .collect()
    }

    fn har(&self, conn: &HarConnection<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        write_har(&mut out, &self.entries(conn), "test").unwrap();
        out
    }
}

fn conn(server_ip: Option<&str>, connected_after: Option<u64>) -> HarConnection<'static> {
    HarConnection {
        id: 7,
        server_ip: server_ip.map(|ip| ip.parse().unwrap()),
        server: "127.0.0.1:8080",
        accepted_at: T,
        connected_at: connected_after.map(|d| T + d),
        tls: false,
        secured_at: None,
    }
}

/// Compares with `tests/golden/{name}`, or writes it under `UPDATE_GOLDEN`.
fn golden(name: &str, actual: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its golden file (review, then UPDATE_GOLDEN=1 rewrites it):\n{}",
        String::from_utf8_lossy(actual)
    );
}

/// The rules of the issue that the HAR schema does not check, on every entry; the parsed file.
fn check(har: &[u8]) -> Value {
    let har: Value = serde_json::from_slice(har).unwrap();
    assert_eq!(har["log"]["version"], "1.2");
    for entry in har["log"]["entries"].as_array().unwrap() {
        let timings = &entry["timings"];
        let mut sum = 0.0;
        for phase in [
            "blocked", "dns", "connect", "ssl", "send", "wait", "receive",
        ] {
            let t = timings[phase].as_f64().unwrap();
            assert!(t == -1.0 || t >= 0.0, "{phase} = {t}");
            // ssl is inside connect, as the spec says: counted once.
            if t != -1.0 && phase != "ssl" {
                sum += t;
            }
        }
        for phase in ["send", "wait", "receive"] {
            assert!(timings[phase].as_f64().unwrap() >= 0.0, "{phase}");
        }
        assert_eq!(
            entry["time"].as_f64(),
            Some(sum),
            "time is the sum of the timings"
        );
        let content = &entry["response"]["content"];
        let size = content["size"].as_i64().unwrap();
        let body_size = entry["response"]["bodySize"].as_i64().unwrap();
        match content.get("compression") {
            Some(c) => {
                assert_eq!(c.as_i64(), Some(size - body_size));
                assert_ne!(c, 0);
            }
            None => assert!(body_size == -1 || size == body_size),
        }
        if let Some(text) = content["text"].as_str() {
            let decoded = if content["encoding"] == "base64" {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap()
            } else {
                assert!(content.get("encoding").is_none());
                text.as_bytes().to_vec()
            };
            // A charset other than UTF-8 makes the text longer or shorter than its bytes.
            if !content["mimeType"].as_str().unwrap().contains("charset=") {
                assert_eq!(
                    decoded.len() as i64,
                    size,
                    "content.size is the decoded size"
                );
            }
        } else {
            assert_eq!(size, 0);
        }
        if let Some(ip) = entry.get("serverIPAddress") {
            let ip = ip.as_str().unwrap();
            assert!(ip.parse::<IpAddr>().is_ok(), "{ip} is a bare IP address");
        }
        let started = entry["startedDateTime"].as_str().unwrap();
        assert_eq!(
            (started.len(), &started[19..20], &started[23..]),
            (24, ".", "Z")
        );
        assert!(
            entry["request"]["url"]
                .as_str()
                .unwrap()
                .starts_with("http")
        );
    }
    har
}

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn gzip_chunked_get() -> Capture {
    let gz = unhex(GZIPPED);
    let (a, b) = gz.split_at(20);
    let chunk = |data: &[u8]| {
        let mut c = format!("{:x}\r\n", data.len()).into_bytes();
        c.extend_from_slice(data);
        c.extend_from_slice(b"\r\n");
        c
    };
    let mut last = chunk(b);
    last.extend_from_slice(b"0\r\n\r\n");
    Capture::new(&[
        (
            Direction::ClientToServer,
            b"GET /search?q=caf%C3%A9+au+lait&n=1 HTTP/1.1\r\nHost: api.example.test:8080\r\n\
User-Agent: tests/1.0\r\nAccept-Encoding: gzip\r\nCookie: sid=abc123; theme=dark\r\n\r\n",
            300,
        ),
        (
            Direction::ServerToClient,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n\
Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\
Set-Cookie: sid=def456; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly\r\n\r\n",
            25_500,
        ),
        (Direction::ServerToClient, &chunk(a), 26_000),
        (Direction::ServerToClient, &last, 26_750),
    ])
}

#[test]
fn gzip_chunked_get_is_decoded_and_sized() {
    let capture = gzip_chunked_get();
    let conn = conn(Some("127.0.0.1"), Some(1_250));
    let har = capture.har(&conn);
    golden("get_gzip_chunked.har", &har);
    let har = check(&har);
    let entry = &har["log"]["entries"][0];
    assert_eq!(entry["startedDateTime"], "2023-11-14T22:13:20.000Z");
    assert_eq!(entry["connection"], "7");
    assert_eq!(entry["serverIPAddress"], "127.0.0.1");
    let request = &entry["request"];
    assert_eq!(
        request["url"],
        "http://api.example.test:8080/search?q=caf%C3%A9+au+lait&n=1"
    );
    assert_eq!(request["httpVersion"], "HTTP/1.1");
    assert_eq!(find(&request["queryString"], "q")["value"], "café au lait");
    assert_eq!(find(&request["cookies"], "theme")["value"], "dark");
    assert_eq!(request["headers"].as_array().unwrap().len(), 4);
    assert_eq!(request["bodySize"], 0);
    assert!(request.get("postData").is_none());
    let response = &entry["response"];
    let content = &response["content"];
    assert_eq!(content["text"], JSON);
    assert_eq!(content["size"], JSON.len());
    let wire = capture.exchanges[0]
        .response
        .as_ref()
        .unwrap()
        .body_wire_len();
    assert_eq!(response["bodySize"], wire);
    assert_eq!(content["compression"], JSON.len() as i64 - wire as i64);
    assert_eq!(content["mimeType"], "application/json; charset=utf-8");
    assert!(
        content["comment"]
            .as_str()
            .unwrap()
            .contains("gzip decoded")
    );
    let cookie = find(&response["cookies"], "sid");
    assert_eq!(cookie["expires"], "2026-10-21T07:28:00.000Z");
    assert_eq!(cookie["httpOnly"], true);
    // Accepted at 0, connected at 1.25 ms (the request was in by 0.3 ms), response head at
    // 25.5 ms, its last byte at 26.75 ms.
    let t = &entry["timings"];
    assert_eq!(
        [
            &t["blocked"],
            &t["connect"],
            &t["send"],
            &t["wait"],
            &t["receive"]
        ],
        [-1.0, 1.25, 0.0, 24.25, 1.25]
    );
    assert_eq!(entry["time"], 26.75);

    // Imported again: the body is the decoded text, with headers to match.
    let imported = read_har(&serde_json::to_vec(&har).unwrap()).unwrap();
    let ImportedEntry {
        request,
        response,
        request_at,
        response_at,
        server_ip,
        connection,
        note,
    } = &imported[0];
    assert_eq!(request, capture.request(0));
    let expected = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n\
Set-Cookie: sid=def456; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly\r\n\
Content-Length: {}\r\n\r\n{JSON}",
        JSON.len()
    );
    assert_eq!(String::from_utf8_lossy(response), expected);
    assert_eq!(
        note.as_deref(),
        Some(
            "response: Transfer-Encoding: chunked removed, Content-Encoding: gzip removed, \
             Content-Length: 151 added (HAR stores bodies decoded)"
        )
    );
    assert_eq!(*request_at, (T + 1_250, T + 1_250));
    assert_eq!(*response_at, (T + 25_500, T + 26_750));
    assert_eq!(
        (server_ip.as_deref(), connection.as_deref()),
        (Some("127.0.0.1"), Some("7"))
    );
}

fn binary_post() -> (Capture, Vec<u8>, Vec<u8>) {
    let upload: Vec<u8> = (0..=255u8).collect();
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xfe".to_vec();
    let head = b"POST /upload?id=7 HTTP/1.1\r\nHost: files.test\r\n\
Content-Type: application/octet-stream\r\nContent-Length: 256\r\n\r\n";
    let response_head = format!(
        "HTTP/1.1 201 Created\r\nLocation: /files/7\r\nContent-Type: image/png\r\n\
Content-Length: {}\r\n\r\n",
        png.len()
    );
    let capture = Capture::new(&[
        (Direction::ClientToServer, head, 100),
        (Direction::ClientToServer, &upload[..100], 150),
        (Direction::ClientToServer, &upload[100..], 1_151),
        (Direction::ServerToClient, response_head.as_bytes(), 3_000),
        (Direction::ServerToClient, &png, 3_001),
    ]);
    (capture, upload, png)
}

#[test]
fn binary_post_round_trips_byte_for_byte() {
    let (capture, upload, png) = binary_post();
    let conn = conn(Some("2001:db8::1"), None);
    let har = capture.har(&conn);
    golden("post_binary.har", &har);
    let har = check(&har);
    let entry = &har["log"]["entries"][0];
    assert_eq!(entry["serverIPAddress"], "2001:db8::1");
    let post = &entry["request"]["postData"];
    assert_eq!(post["encoding"], "base64");
    assert_eq!(post["mimeType"], "application/octet-stream");
    assert_eq!(entry["request"]["bodySize"], upload.len());
    let content = &entry["response"]["content"];
    assert_eq!(content["encoding"], "base64");
    assert_eq!(
        (&content["size"], content.get("compression")),
        (&png.len().into(), None)
    );
    assert_eq!(entry["response"]["redirectURL"], "/files/7");
    // No connect time known: the entry runs from the accept (0) to the last byte (3.001 ms).
    let t = &entry["timings"];
    assert_eq!(
        [&t["connect"], &t["send"], &t["wait"], &t["receive"]],
        [-1.0, 1.151, 1.849, 0.001]
    );

    let imported = read_har(&serde_json::to_vec(&har).unwrap()).unwrap();
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].request, capture.request(0));
    assert_eq!(imported[0].response, capture.response(0));
    assert_eq!(imported[0].note, None);
    assert_eq!(imported[0].server_ip.as_deref(), Some("2001:db8::1"));
    assert_eq!(imported[0].request_at, (T, T + 1_151));
    assert_eq!(imported[0].response_at, (T + 3_000, T + 3_001));
}

#[test]
fn continue_100_is_one_entry_with_the_final_response() {
    let capture = Capture::new(&[
        (
            Direction::ClientToServer,
            b"PUT /doc HTTP/1.1\r\nHost: h.test\r\nExpect: 100-continue\r\nContent-Type: text/plain\r\n\
Content-Length: 11\r\n\r\n",
            0,
        ),
        (Direction::ServerToClient, b"HTTP/1.1 100 Continue\r\n\r\n", 2_000),
        (Direction::ClientToServer, b"hello world", 3_000),
        (
            Direction::ServerToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            10_000,
        ),
    ]);
    let conn = conn(None, Some(500));
    let har = capture.har(&conn);
    golden("continue_100.har", &har);
    let har = check(&har);
    let entry = &har["log"]["entries"][0];
    assert!(entry.get("serverIPAddress").is_none());
    assert_eq!(entry["response"]["status"], 200);
    assert_eq!(entry["response"]["headersSize"], 38);
    assert_eq!(entry["response"]["content"]["mimeType"], "x-unknown");
    assert_eq!(entry["request"]["postData"]["text"], "hello world");
    assert_eq!(
        entry["comment"],
        "interim responses before the final one: 100"
    );
    // The 100 came before the body went: no wait; the final response came 7 ms after it.
    let t = &entry["timings"];
    assert_eq!(
        [&t["connect"], &t["send"], &t["wait"], &t["receive"]],
        [0.5, 2.5, 0.0, 7.0]
    );
    let imported = read_har(&serde_json::to_vec(&har).unwrap()).unwrap();
    assert_eq!(imported[0].request, capture.request(0));
    assert_eq!(imported[0].response, &capture.response(0)[25..]);
    assert_eq!(
        imported[0].note.as_deref(),
        Some("interim responses before the final one: 100")
    );
}

fn keep_alive() -> Capture {
    Capture::new(&[
        (
            Direction::ClientToServer,
            b"GET /a HTTP/1.1\r\nHost: h.test\r\n\r\n",
            0,
        ),
        (
            Direction::ServerToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nfirst",
            4_000,
        ),
        (
            Direction::ClientToServer,
            b"GET /b HTTP/1.1\r\nHost: h.test\r\n\r\n",
            1_000_000,
        ),
        (
            Direction::ServerToClient,
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\nContent-Type: text/plain\r\n\r\nmissing",
            1_002_500,
        ),
    ])
}

#[test]
fn a_tls_handshake_with_the_server_is_ssl_inside_connect_on_the_first_exchange() {
    let capture = keep_alive();
    let conn = HarConnection {
        secured_at: Some(T + 1_800),
        ..conn(Some("127.0.0.1"), Some(1_000))
    };
    let har = check(&capture.har(&conn));
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries[0]["timings"]["connect"], 1.8);
    assert_eq!(entries[0]["timings"]["ssl"], 0.8);
    assert_eq!(entries[1]["timings"]["ssl"], -1.0, "a reused connection");
}

#[test]
fn keep_alive_second_exchange_has_no_connect() {
    let capture = keep_alive();
    let conn = conn(Some("::ffff:127.0.0.1"), Some(1_000));
    let har = capture.har(&conn);
    golden("keep_alive.har", &har);
    let har = check(&har);
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["timings"]["connect"], 1.0);
    assert_eq!(entries[0]["serverIPAddress"], "127.0.0.1");
    assert_eq!(entries[1]["timings"]["connect"], -1.0);
    assert_eq!(entries[1]["startedDateTime"], "2023-11-14T22:13:21.000Z");
    assert_eq!(entries[1]["time"], 2.5);
    assert_eq!(entries[1]["response"]["statusText"], "Not Found");
    assert_eq!(entries[0]["connection"], entries[1]["connection"]);

    // Imported again, one connection's messages in order are what the tracker finds.
    let imported = read_har(&serde_json::to_vec(&har).unwrap()).unwrap();
    let mut tracker = Tracker::new();
    let mut found = Vec::new();
    for entry in &imported {
        assert_eq!(entry.connection.as_deref(), Some("7"));
        tracker.feed(
            Direction::ClientToServer,
            &entry.request,
            entry.request_at.0,
            &mut found,
        );
        tracker.feed(
            Direction::ServerToClient,
            &entry.response,
            entry.response_at.0,
            &mut found,
        );
    }
    tracker.finish(&mut found);
    let summary: Vec<_> = found
        .iter()
        .map(|e| (e.target.as_str(), e.status, e.note().map(str::to_string)))
        .collect();
    assert_eq!(summary, [("/a", Some(200), None), ("/b", Some(404), None)]);
    assert_eq!(imported[1].request_at.0, T + 1_000_000);
}

#[test]
fn an_exchange_without_response_still_validates() {
    let capture = Capture::new(&[(
        Direction::ClientToServer,
        b"POST /slow HTTP/1.1\r\nHost: h.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
Content-Length: 13\r\n\r\nx=1&msg=hi+yo",
        200,
    )]);
    assert!(capture.exchanges[0].response.is_none());
    let conn = conn(Some("127.0.0.1"), Some(100));
    let har = capture.har(&conn);
    golden("no_response.har", &har);
    let har = check(&har);
    let entry = &har["log"]["entries"][0];
    let response = &entry["response"];
    assert_eq!(
        (
            &response["status"],
            &response["statusText"],
            &response["httpVersion"]
        ),
        (&0.into(), &"".into(), &"".into())
    );
    assert_eq!(
        (&response["headersSize"], &response["bodySize"]),
        (&(-1).into(), &(-1).into())
    );
    assert_eq!(entry["comment"], "no response");
    assert_eq!(
        entry["request"]["postData"]["params"][1],
        serde_json::json!({"name": "msg", "value": "hi yo"})
    );
    let t = &entry["timings"];
    assert_eq!(
        [&t["connect"], &t["send"], &t["wait"], &t["receive"]],
        [0.1, 0.1, 0.0, 0.0]
    );
    let imported = read_har(&serde_json::to_vec(&har).unwrap()).unwrap();
    assert_eq!(imported[0].request, capture.request(0));
    assert!(imported[0].response.is_empty());
}

/// Found by the `writers` fuzz target: a status under 100 (three digits on the wire) was
/// written, and the reader then refused the whole file.
#[test]
fn a_status_under_100_reads_back() {
    let capture = Capture::new(&[
        (
            Direction::ClientToServer,
            b"GET / HTTP/1.1\r\nHost: h.test\r\n\r\n",
            100,
        ),
        (
            Direction::ServerToClient,
            b"HTTP/1.1 017 Odd\r\nContent-Length: 2\r\n\r\nok",
            200,
        ),
    ]);
    assert_eq!(capture.exchanges[0].status, Some(17));
    let har = capture.har(&conn(None, Some(50)));
    assert_eq!(check(&har)["log"]["entries"][0]["response"]["status"], 17);
    let imported = read_har(&har).unwrap();
    assert_eq!(
        imported[0].response,
        b"HTTP/1.1 017 Odd\r\nContent-Length: 2\r\n\r\nok"
    );
}

#[test]
fn tunnels_leave_their_raw_bytes_out() {
    let capture = Capture::new(&[
        (
            Direction::ClientToServer,
            b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n\x16\x03\x01hello",
            0,
        ),
        (
            Direction::ServerToClient,
            b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03srv",
            10,
        ),
    ]);
    let conn = conn(None, None);
    let har = check(&capture.har(&conn));
    let entry = &har["log"]["entries"][0];
    assert_eq!(entry["request"]["url"], "https://a.test:443");
    assert_eq!(entry["request"]["bodySize"], 0);
    assert_eq!(entry["response"]["bodySize"], 0);
    assert_eq!(
        entry["comment"],
        "8 bytes sent through the tunnel are not in this file; \
         6 bytes received through the tunnel are not in this file"
    );
    let imported = read_har(&serde_json::to_vec(&har).unwrap()).unwrap();
    assert_eq!(
        imported[0].request,
        b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n"
    );
    assert_eq!(
        imported[0].response,
        b"HTTP/1.1 200 Connection established\r\n\r\n"
    );
}

#[test]
fn all_exchanges_in_one_file() {
    let get = gzip_chunked_get();
    let (post, _, _) = binary_post();
    let alive = keep_alive();
    let c1 = conn(Some("127.0.0.1"), Some(1_250));
    let c2 = HarConnection {
        id: 8,
        ..conn(Some("2001:db8::1"), None)
    };
    let c3 = HarConnection {
        id: 9,
        ..conn(Some("127.0.0.1"), Some(1_000))
    };
    let mut entries = get.entries(&c1);
    entries.extend(post.entries(&c2));
    entries.extend(alive.entries(&c3));
    let mut out = Vec::new();
    write_har(&mut out, &entries, "test").unwrap();
    golden("session.har", &out);
    let har = check(&out);
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 4);
    assert_eq!(
        har["log"]["creator"],
        serde_json::json!({"name": "TCPMon", "version": "test"})
    );
    assert_eq!(read_har(&out).unwrap().len(), 4);
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn chrome_har_is_imported() {
    let entries = read_har(&fixture("chrome.har")).unwrap();
    assert_eq!(entries.len(), 3);

    let js = &entries[0];
    assert_eq!(
        text(&js.request),
        "GET /static/app.js?v=3 HTTP/1.1\r\nHost: www.example.test\r\nConnection: keep-alive\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0\r\nAccept: */*\r\n\
Accept-Encoding: gzip, deflate, br\r\nCookie: sid=abc\r\n\r\n"
    );
    assert_eq!(
        text(&js.response),
        "HTTP/1.1 200 OK\r\nContent-Type: application/javascript; charset=utf-8\r\n\
Content-Length: 24\r\nCache-Control: max-age=3600\r\n\r\nconsole.log(\"hi\");\n// é"
    );
    assert_eq!(
        js.note.as_deref(),
        Some(
            "response: Content-Encoding: br removed, Content-Length set to 24 \
             (HAR stores bodies decoded)"
        )
    );
    // 10:00:00.123 + blocked 1.5 + dns 2 + connect 10.25 (ssl is inside connect), send 0.25,
    // wait 30, receive 5.5.
    let start = 1_709_287_200_123_000;
    assert_eq!(js.request_at, (start + 13_750, start + 14_000));
    assert_eq!(js.response_at, (start + 44_000, start + 49_500));
    assert_eq!(js.server_ip.as_deref(), Some("93.184.216.34"));
    assert_eq!(js.connection.as_deref(), Some("4711"));

    let api = &entries[1];
    assert_eq!(
        text(&api.request),
        "POST /v1/items?x=1 HTTP/1.1\r\nHost: api.example.test\r\n\
content-type: application/json\r\naccept: application/json\r\ncontent-length: 16\r\n\r\n\
{\"name\":\"café\"}"
    );
    assert_eq!(
        text(&api.response),
        "HTTP/1.1 201 \r\ncontent-type: application/json\r\nContent-Length: 8\r\n\r\n{\"id\":1}"
    );
    let note = api.note.as_deref().unwrap();
    for part in [
        "request: h2 shown as HTTP/1.1",
        "request: HTTP/2 pseudo-headers dropped",
        "request: Host header added from the URL",
        "response: h2 shown as HTTP/1.1",
    ] {
        assert!(note.contains(part), "{note}");
    }
    assert_eq!(api.server_ip.as_deref(), Some("2001:db8::1"));

    let png = &entries[2];
    assert!(png.response.ends_with(b"\r\n\r\n\x89PNG\r\n\x1a\n"));
    assert!(text(&png.response).contains("Content-Length: 8\r\n"));
    // Every message is one the tracker reads as one exchange.
    for entry in &entries {
        let mut tracker = Tracker::new();
        let mut found = Vec::new();
        tracker.feed(Direction::ClientToServer, &entry.request, 1, &mut found);
        tracker.feed(Direction::ServerToClient, &entry.response, 2, &mut found);
        assert_eq!(found.len(), 1);
        assert!(found[0].request.complete() && found[0].response.as_ref().unwrap().complete());
        assert_eq!(found[0].note(), None);
    }
}

#[test]
fn firefox_har_is_imported() {
    let entries = read_har(&fixture("firefox.har")).unwrap();
    assert_eq!(entries.len(), 4);
    // A time zone offset in startedDateTime.
    assert_eq!(entries[0].request_at.0, 1_709_287_200_123_000 + 1_000);
    // 304 and HEAD: no body, headers as they were.
    assert_eq!(
        text(&entries[0].response),
        "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 120\r\n\r\n"
    );
    assert_eq!(
        text(&entries[1].response),
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n"
    );
    assert_eq!(entries[0].note, None);
    // Latin-1 text goes back into Latin-1.
    assert!(
        entries[2].response.ends_with(b"\r\n\r\ncaf\xe9"),
        "{:?}",
        text(&entries[2].response)
    );
    assert!(text(&entries[2].response).contains("Content-Length: 4\r\n"));
    // Blocked: no response at all.
    assert!(entries[3].response.is_empty());
    assert_eq!(
        entries[3].note.as_deref(),
        Some("blocked by CSP; request: Host header added from the URL")
    );
}

fn error(har: &str) -> String {
    read_har(har.as_bytes()).unwrap_err().to_string()
}

#[test]
fn garbage_gets_a_clear_error() {
    assert_eq!(
        error("garbage"),
        "not a HAR file: expected value at line 1 column 1"
    );
    assert_eq!(
        error("{}"),
        "not a HAR file: missing field `log` at line 1 column 2"
    );
    assert_eq!(
        error(r#"{"log": {"entries": {}}}"#),
        "not a HAR file: invalid type: map, expected an array of entries at line 1 column 20"
    );
    let one = r#"{"request": {"method": "GET", "url": "http://a/"}}"#;
    assert_eq!(
        error(&format!(
            r#"{{"log": {{"entries": [{one}, {{"request": {{"url": "x"}}}}]}}}}"#
        )),
        "entry 2: missing field `method`"
    );
    assert_eq!(
        error(r#"{"log": {"entries": [{"request": {"method": "G T", "url": "/"}}]}}"#),
        "entry 1: request method \"G T\" is not an HTTP method"
    );
    assert_eq!(
        error(
            r#"{"log": {"entries": [{"request": {"method": "GET", "url": "/"},
            "response": {"status": 200, "content": {"text": "!!", "encoding": "base64"}}}]}}"#
        ),
        "entry 1: response body is not valid base64: Invalid symbol 33, offset 0."
    );
    assert_eq!(
        error(
            r#"{"log": {"entries": [{"request": {"method": "GET", "url": "/"},
            "response": {"status": 1234}}]}}"#
        ),
        "entry 1: response status 1234 is not an HTTP status"
    );
    assert_eq!(
        error(
            r#"{"log": {"entries": [{"request": {"method": "GET", "url": "/"},
            "response": {"status": -200}}]}}"#
        ),
        "entry 1: response status -200 is not an HTTP status"
    );
    assert!(matches!(
        read_har(b"{\"log\":{\"entries\":[]}}"),
        Ok(list) if list.is_empty()
    ));
    assert!(matches!(read_har(b"\xff\xfe"), Err(HarError::NotHar(_))));
}

#[test]
fn a_minimal_entry_is_enough() {
    let entries = read_har(
        br#"{"log": {"entries": [{"request": {"method": "GET", "url": "http://a.test:81"},
        "response": {"status": 200, "statusText": "OK\r\nX-Injected: 1"}}]}}"#,
    )
    .unwrap();
    assert_eq!(
        text(&entries[0].request),
        "GET / HTTP/1.1\r\nHost: a.test:81\r\n\r\n"
    );
    assert_eq!(
        text(&entries[0].response),
        "HTTP/1.1 200 OK  X-Injected: 1\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(entries[0].request_at, (0, 0));
}

/// xorshift64*: the same "random" bytes on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn hostile_input_never_panics() {
    // Deep nesting, inside and outside the entries.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(read_har(deep.as_bytes()).is_err());
    let deep = format!(
        r#"{{"log":{{"entries":[{{"request":{{"method":"GET","url":"/","x":{}{}}}}}]}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Skipped without recursion.
    assert!(read_har(deep.as_bytes()).is_ok());
    let deep = format!(
        r#"{{"log":{{"entries":[{{"request":{{"method":"GET","url":"/"}},"connection":{}{}}}]}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let err = read_har(deep.as_bytes()).unwrap_err().to_string();
    assert_eq!(err, "entry 1: recursion limit exceeded");
    // Every cut of real files, and bytes flipped at random in them.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for name in ["chrome.har", "firefox.har"] {
        let file = fixture(name);
        for cut in 0..file.len() {
            let _ = read_har(&file[..cut]);
        }
        for _ in 0..3_000 {
            let mut bytes = file.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = (rng.next() % bytes.len() as u64) as usize;
                let alphabet = b"\"{}[],:0-9e.\\u\x00\xff az";
                bytes[at] = alphabet[(rng.next() % alphabet.len() as u64) as usize];
            }
            if let Ok(entries) = read_har(&bytes) {
                for e in entries {
                    assert!(e.request_at.0 <= e.request_at.1);
                }
            }
        }
    }
    // Values at the edges of their types.
    let edges = r#"{"log": {"entries": [{"startedDateTime": "9999-12-31T23:59:59.999999-23:59",
        "timings": {"send": 1e308, "wait": -5, "receive": 1e308, "blocked": 1e308},
        "request": {"method": "GET", "url": "http://[::1]:99999999/\u0000\u202e",
                    "headers": [{"name": "X", "value": "\u0000\r\n"}, {"name": ":a", "value": null}],
                    "postData": {"text": "AAAA", "encoding": "BASE64"}},
        "response": {"status": 999, "content": {"size": -1e308, "text": null}},
        "connection": [1, 2]}]}}"#;
    let entries = read_har(edges.as_bytes()).unwrap();
    assert_eq!(entries[0].response_at.1, u64::MAX);
    assert!(text(&entries[0].request).starts_with("GET /%00%E2%80%AE HTTP/1.1\r\n"));
}

#[test]
fn too_many_entries_are_refused_without_reading_them_all() {
    let count = tcpmon_inspect::formats::har::MAX_ENTRIES + 1;
    let mut file = String::from(r#"{"log":{"entries":["#);
    file.push_str(&"0,".repeat(count - 1));
    file.push_str("0]}}");
    let err = read_har(file.as_bytes()).unwrap_err().to_string();
    assert!(
        err.starts_with("not a HAR file: more than 1000000 entries"),
        "{err}"
    );
}

#[test]
fn proxy_credentials_are_redacted() {
    let capture = Capture::new(&[
        (
            Direction::ClientToServer,
            b"GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\nProxy-Authorization: Basic dXNlcjpzZWNyZXQ=\r\nProxy-Connection: keep-alive\r\n\r\n",
            0,
        ),
        (Direction::ServerToClient, b"HTTP/1.1 204 No Content\r\n\r\n", 3_000),
    ]);
    let har = capture.har(&conn(None, Some(1_000)));
    let text = String::from_utf8(har.clone()).unwrap();
    assert!(!text.contains("dXNlcjpzZWNyZXQ="), "{text}");
    let har = check(&har);
    let headers = &har["log"]["entries"][0]["request"]["headers"];
    assert_eq!(find(headers, "Proxy-Authorization")["value"], "[redacted]");
    assert_eq!(find(headers, "Proxy-Connection")["value"], "keep-alive");
}

/// Found by the `writers` fuzz target: an HTTP/2 stream whose request head was never seen (here
/// the server answers a stream the client did not open) has no method; written as an entry
/// with method "", the file did not read back. It is left out, and the log says so.
#[test]
fn an_exchange_without_a_method_is_left_out_and_said() {
    let client = [
        &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
        &unhex("000000040000000000"), // SETTINGS
    ]
    .concat();
    // SETTINGS, then HEADERS on stream 1 (END_STREAM, END_HEADERS): ":status: 200" (static 8).
    let server = unhex("00000004000000000000000101050000000188");
    let capture = Capture::new(&[
        (Direction::ClientToServer, &client, 100),
        (Direction::ServerToClient, &server, 200),
    ]);
    assert!(
        capture.exchanges.iter().any(|e| e.method.is_empty()),
        "{:?}",
        capture.exchanges
    );
    let har = capture.har(&conn(None, None));
    let json = check(&har);
    let kept = capture
        .exchanges
        .iter()
        .filter(|e| !e.method.is_empty())
        .count();
    assert_eq!(json["log"]["entries"].as_array().unwrap().len(), kept);
    let comment = json["log"]["comment"].as_str().unwrap();
    assert!(
        comment.contains("without a request method left out"),
        "{comment}"
    );
    assert_eq!(read_har(&har).unwrap().len(), kept);
}
