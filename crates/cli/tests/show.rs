//! `tcpmon-cli show` and `export` as processes, over captures the real CLI saved (a session and
//! a HAR file) of real traffic: curl against Python's http.server, and a raw TCP client.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{curl, fails, run, start, terminate};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Serves a folder over keep-alive HTTP/1.1; POST answers 201 with JSON echoing the body.
const SERVER: &str = r#"
import functools, http.server, json, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        out = json.dumps({"echo": body, "items": [1, 2]}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
handler = functools.partial(Handler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

const XML: &str = r#"<?xml version="1.0"?><order id="7"><item sku="a1">two</item><note/></order>"#;
const JSON: &str = r#"{"name":"tcpmon","tags":["relay","capture"]}"#;

/// A body of several raw and hex pages.
fn big() -> String {
    (0..25_000)
        .map(|i| format!("line {i:06} of a big body\n"))
        .collect()
}

/// A file the CLI saved, and the lines it printed live while capturing it.
struct Capture {
    path: PathBuf,
    live: Vec<String>,
}

impl Capture {
    /// The live lines of what the file holds: HAR keeps exchanges, not raw connections.
    fn held(&self) -> &[String] {
        let har = self.path.extension().is_some_and(|e| e == "har");
        &self.live[..if har { 5 } else { 6 }]
    }
}

struct Captures {
    _dir: tempfile::TempDir,
    session: Capture,
    har: Capture,
}

/// The same traffic captured twice, as a session and as HAR, in a folder removed when the
/// test ends (a fixture shared in a static would never be removed).
fn captures() -> Captures {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("doc.xml"), XML).unwrap();
    std::fs::write(dir.path().join("doc.json"), JSON).unwrap();
    std::fs::write(dir.path().join("big.txt"), big()).unwrap();
    // The server takes a free port itself and says which: tests run side by side, and a port
    // found free and bound later may be taken by then.
    let mut child = Command::new("python3")
        .args(["-c", SERVER])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _server = common::Guard(child);
    let server: u16 = line.trim().parse().expect("the server's port");
    let session = capture(server, &dir.path().join("capture.tcpmon"));
    let har = capture(server, &dir.path().join("capture.har"));
    Captures {
        _dir: dir,
        session,
        har,
    }
}

/// Runs the listener with `--save path` while a client makes: #1.1 GET XML and #1.2 GET JSON
/// on one keep-alive connection, #2.1 a JSON POST (201), #3.1 a body of several pages and
/// #3.2 a 404, #4 a raw connection.
fn capture(server: u16, path: &Path) -> Capture {
    let target = server.to_string();
    let (cli, out, port, _) = start(&["0", "127.0.0.1", &target, "--save", path.to_str().unwrap()]);
    let url = |p: &str| format!("http://127.0.0.1:{port}/{p}");
    curl(&[&url("doc.xml"), &url("doc.json")]);
    let json = [
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"order":7}"#,
    ];
    curl(&[&json[..], &[&url("api")]].concat());
    curl(&[&url("big.txt"), &url("missing")]);
    let mut raw = TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw.write_all(b"\x00\x01hello raw\r\n\r\n").unwrap();
    raw.read_to_end(&mut Vec::new()).unwrap();
    drop(raw);
    std::thread::sleep(Duration::from_millis(300));
    let (ok, live, err) = terminate(cli, out);
    assert!(ok && err.contains("saved"), "{err}");
    let live: Vec<String> = live.lines().map(String::from).collect();
    assert_eq!(live.len(), 6, "{live:?}");
    Capture {
        path: path.to_path_buf(),
        live,
    }
}

/// `tcpmon-cli ARGS` that must succeed: (stdout, stderr).
fn show(args: &[&str]) -> (String, String) {
    let out = run(args);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {err}");
    (String::from_utf8(out.stdout).unwrap(), err)
}

fn path(capture: &Capture) -> &str {
    capture.path.to_str().unwrap()
}

/// A line without what a HAR file does not keep as captured (time, client, target, duration).
fn row(line: &str) -> String {
    let id = line.split(' ').next().unwrap();
    let (_, after) = line.split_once(" -> ").unwrap();
    let (_target, rest) = after.split_once(' ').unwrap();
    let (rest, _ms) = rest.rsplit_once(' ').unwrap();
    format!("{id} {rest}")
}

fn rows(lines: &[impl AsRef<str>]) -> Vec<String> {
    lines.iter().map(|l| row(l.as_ref())).collect()
}

#[test]
fn the_list_is_the_lines_the_listener_printed_live() {
    let Captures { session, har, .. } = &captures();
    let (list, _) = show(&["show", path(session)]);
    assert_eq!(list.lines().collect::<Vec<_>>(), session.live);
    assert!(
        session.live[5].contains(" raw sent=15B received="),
        "{}",
        session.live[5]
    );

    let (list, err) = show(&["show", path(har)]);
    assert!(err.contains("imported from HAR: 5 entries"), "{err}");
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(rows(&lines), rows(har.held()));
    assert!(har.live[2].contains(" POST ") && har.live[2].contains("\"201 Created\" req=11B"));
}

#[test]
fn a_selector_with_or_without_hash_shows_request_and_response() {
    let Captures { session, har, .. } = &captures();
    for capture in [session, har] {
        let (bare, _) = show(&["show", path(capture), "1.2"]);
        let (hashed, _) = show(&["show", path(capture), "#1.2"]);
        assert_eq!(bare, hashed);
        assert_eq!(row(bare.lines().next().unwrap()), row(&capture.live[1]));
        let request = "--- #1.2 request: raw ---\nGET /doc.json HTTP/1.1\nHost: 127.0.0.1:";
        assert!(bare.contains(request), "{bare}");
        let response = "--- #1.2 response: json ---\nHTTP/1.1 200 OK\n";
        let pretty = "\n\n{\n  \"name\": \"tcpmon\",\n  \"tags\": [\n    \"relay\",\n    \"capture\"\n  ]\n}\n";
        assert!(bare.contains(response) && bare.ends_with(pretty), "{bare}");

        let (connection, _) = show(&["show", path(capture), "#1"]);
        let lines: Vec<&str> = connection.lines().collect();
        assert_eq!(rows(&lines), rows(&capture.live[..2]));
    }
}

#[test]
fn every_view_renders_as_the_panes_do() {
    let Captures { session, har, .. } = &captures();
    for capture in [session, har] {
        let file = path(capture);
        let (auto, _) = show(&["show", file, "1.1"]);
        let xml = "\n\n<?xml version=\"1.0\"?>\n<order id=\"7\">\n  <item sku=\"a1\">two</item>\n  <note/>\n</order>\n";
        assert!(
            auto.contains("--- #1.1 response: xml ---") && auto.ends_with(xml),
            "{auto}"
        );
        // Asked for, XML shows a request without a body as its head.
        let (asked, _) = show(&["show", file, "1.1", "--view", "xml"]);
        let head = "--- #1.1 request: xml ---\nGET /doc.xml HTTP/1.1\n";
        assert!(asked.contains(head) && asked.ends_with(xml), "{asked}");

        let (json, _) = show(&["show", file, "2.1", "--view", "json"]);
        let request = "--- #2.1 request: json ---\nPOST /api HTTP/1.1\n";
        assert!(
            json.contains(request)
                && json.contains(
                    "\n\n{\n  \"order\": 7\n}\n--- #2.1 response: json ---\nHTTP/1.1 201 Created\n"
                ),
            "{json}"
        );
        assert!(
            json.ends_with(
                "{\n  \"echo\": {\n    \"order\": 7\n  },\n  \"items\": [\n    1,\n    2\n  ]\n}\n"
            ),
            "{json}"
        );

        let (raw, _) = show(&["show", file, "1.1", "--view", "raw"]);
        assert!(
            raw.contains("--- #1.1 response: raw ---\nHTTP/1.1 200 OK\n"),
            "{raw}"
        );
        assert!(raw.ends_with(&format!("\n\n{XML}\n")), "{raw}");

        // A view that does not fit falls back to raw, and says why.
        let (fallback, notes) = show(&["show", file, "1.2", "--view", "xml"]);
        assert!(
            fallback.contains("--- #1.2 response: raw ---")
                && fallback.ends_with(&format!("\n\n{JSON}\n")),
            "{fallback}"
        );
        assert!(
            notes
                .lines()
                .any(|l| l.starts_with("#1.2 response: not XML")),
            "{notes}"
        );

        let (hex, _) = show(&["show", file, "1.1", "--view", "hex"]);
        let request = "--- #1.1 request: hex ---\n00000000  47 45 54 20 2f 64 6f 63  2e 78 6d 6c 20 48 54 54  GET /doc.xml HTT\n";
        assert!(
            hex.contains(request)
                && hex.contains("--- #1.1 response: hex ---\n00000000  48 54 54 50 2f 31 2e 31"),
            "{hex}"
        );
    }
}

#[test]
fn search_filters_the_list_in_the_apps_language() {
    let Captures { session, har, .. } = &captures();
    for capture in [session, har] {
        let file = path(capture);
        let cases: [(&[&str], &[usize]); 5] = [
            (&["--search", "method:POST"], &[2]),
            (&["--search", "status:4xx"], &[4]),
            (&["--search", "body:TCPMON"], &[1]),
            (&["--search", "-status:200 -method:POST"], &[4, 5]),
            (&["#1", "--search", "doc.json"], &[1]),
        ];
        for (args, expected) in cases {
            let (list, _) = show(&[&["show", file][..], args].concat());
            let lines: Vec<&str> = list.lines().collect();
            let held: Vec<&String> = expected
                .iter()
                .filter_map(|&i| capture.held().get(i))
                .collect();
            assert_eq!(rows(&lines), rows(&held), "{args:?}");
        }
    }
}

#[test]
fn a_raw_connection_shows_its_two_streams() {
    let captures = captures();
    let session = &captures.session;
    let (hex, _) = show(&["show", path(session), "4", "--view", "hex"]);
    let expected = format!(
        "{}\n--- #4 client to server: hex ---\n00000000  00 01 68 65 6c 6c 6f 20  72 61 77 0d 0a 0d 0a     ..hello raw....\n--- #4 server to client: hex ---\n",
        session.live[5]
    );
    assert!(hex.starts_with(&expected), "{hex}");
    let (raw, _) = show(&["show", path(session), "#4", "--view", "raw"]);
    assert!(raw.contains("--- #4 server to client: raw ---\n"), "{raw}");
    assert!(raw.contains("Error code: 400"), "{raw}");
    fails(
        &["show", path(session), "4.1"],
        "connection #4 has 0 exchanges: there is no #4.1",
    );
}

#[test]
fn export_writes_every_format_from_a_session_and_from_a_har() {
    let Captures { session, har, .. } = &captures();
    let out = tempfile::tempdir().unwrap();
    for (capture, name) in [(session, "session"), (har, "har")] {
        let file = path(capture);
        let (list, _) = show(&["show", file]);
        let target = |ext: &str| out.path().join(format!("{name}.{ext}"));

        let copy = target("tcpmon");
        let (_, err) = show(&["export", file, copy.to_str().unwrap()]);
        let connections = if name == "session" { 4 } else { 3 };
        assert!(
            err.ends_with(&format!(
                "wrote {connections} connections to {}\n",
                copy.display()
            )),
            "{err}"
        );
        assert_eq!(show(&["show", copy.to_str().unwrap()]).0, list);

        let har_out = target("har");
        let (_, err) = show(&["export", file, har_out.to_str().unwrap()]);
        assert!(err.contains("wrote 5 exchanges"), "{err}");
        let text = std::fs::read_to_string(&har_out).unwrap();
        assert!(
            text.contains("\"version\": \"1.2\"")
                && text.contains("\"text\": \"{\\\"order\\\":7}\""),
            "{text}"
        );
        let again = show(&["show", har_out.to_str().unwrap()]).0;
        assert_eq!(
            rows(&again.lines().collect::<Vec<_>>()),
            rows(&list.lines().take(5).collect::<Vec<_>>())
        );

        let txt = target("txt");
        show(&["export", file, txt.to_str().unwrap()]);
        let text = std::fs::read_to_string(&txt).unwrap();
        assert!(
            text.starts_with("\n==============\nListen Port: "),
            "{text}"
        );
        assert!(
            text.contains("==== Request ====\nPOST /api HTTP/1.1\r\n"),
            "{text}"
        );
        assert!(
            text.contains("\r\n\r\n{\"order\":7}==== Response ====\nHTTP/1.1 201 Created\r\n"),
            "{text}"
        );
        assert!(text.contains(JSON) && text.contains(XML), "{text}");

        let script = target("curl");
        show(&["export", file, script.to_str().unwrap()]);
        let text = std::fs::read_to_string(&script).unwrap();
        let curls: Vec<&str> = text.lines().filter(|l| l.starts_with("curl ")).collect();
        assert_eq!(curls.len(), 5, "{text}");
        assert!(
            curls[2].contains("--data-binary '{\"order\":7}'") && curls[2].ends_with("/api"),
            "{text}"
        );
    }
}

#[test]
fn errors_are_one_line_and_exit_code_2() {
    let captures = captures();
    let session = path(&captures.session);
    let missing = "/no/such/capture.tcpmon";
    let cases: [(&[&str], &str); 10] = [
        (&["show", missing], "/no/such/capture.tcpmon: No such file"),
        (
            &["show", session, "3.x"],
            "invalid value '3.x' for '[SELECTOR]': give #CONNECTION, #CONNECTION.EXCHANGE or #CONNECTION.EXCHANGE.mMESSAGE, like #3.2",
        ),
        (&["show", session, "#1.0"], "invalid value '#1.0'"),
        (&["show", session, "9"], "no connection #9"),
        (
            &["show", session, "#1.3"],
            "connection #1 has 2 exchanges: there is no #1.3",
        ),
        (
            &["show", session, "1.1", "--view", "pdf"],
            "invalid value 'pdf' for '--view <VIEW>' [possible values: auto, raw, xml, json, hex, grpc]",
        ),
        (
            &["show", session, "--view", "json"],
            "--view shows messages",
        ),
        (
            &["show", session, "--search", "/(/"],
            "--search: invalid regular expression",
        ),
        (
            &["export", missing, "/tmp/x.har"],
            "/no/such/capture.tcpmon: No such file",
        ),
        (
            &["export", session, "/no/such/out.har"],
            "folder /no/such does not exist",
        ),
    ];
    for (args, expected) in cases {
        fails(args, expected);
    }
}

#[test]
fn a_message_of_many_pages_is_shown_whole() {
    let Captures { session, har, .. } = &captures();
    let body = big();
    for capture in [session, har] {
        let (raw, _) = show(&["show", path(capture), "3.1", "--view", "raw"]);
        assert!(raw.ends_with(&format!("\n\n{body}")), "{}", &raw[..300]);

        let (hex, _) = show(&["show", path(capture), "3.1", "--view", "hex"]);
        let (_, response) = hex.split_once("--- #3.1 response: hex ---\n").unwrap();
        for (i, line) in response.lines().enumerate() {
            assert!(line.starts_with(&format!("{:08x}  ", i * 16)), "{line}");
        }
        let last = response.lines().last().unwrap();
        assert!(last.ends_with("  of a big body."), "{last}");
    }
}

#[test]
fn diff_compares_two_exchanges_in_one_file_or_across_two() {
    let c = captures();
    let (session, har) = (path(&c.session), path(&c.har));
    // The same exchange: nothing printed, exit 0.
    let same = run(&["diff", session, "#1.1", "1.1"]);
    assert_eq!((same.status.code(), same.stdout.len()), (Some(0), 0));

    // The XML and the JSON GET: the request lines and the bodies differ, exit 1.
    let out = run(&["diff", session, "#1.1", "#1.2"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "--- {session}#1.1 request\n+++ {session}#1.2 request\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("-GET /doc.xml HTTP/1.1\n+GET /doc.json HTTP/1.1\n"),
        "{text}"
    );
    assert!(
        text.contains("+  \"name\": \"tcpmon\","),
        "the JSON body indented: {text}"
    );

    // The same POST captured as a session and as HAR (through another listener port): what
    // differs is the Host's port and the Date, and nothing else once they are ignored.
    let (a, b) = (format!("{session}#2.1"), format!("{har}#2.1"));
    let across = run(&["diff", &a, &b]);
    let text = String::from_utf8(across.stdout).unwrap();
    assert_eq!(across.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("--- {a} request\n+++ {b} request\n")),
        "{text}"
    );
    assert!(text.contains("-Host: 127.0.0.1:"), "{text}");
    let across = run(&[
        "diff",
        &a,
        &b,
        "--ignore-header",
        "host",
        "--ignore-header",
        "Date",
    ]);
    let text = String::from_utf8(across.stdout).unwrap();
    assert_eq!(across.status.code(), Some(0), "{text}");

    fails(
        &["diff", session, "#1", "#1.2"],
        "name an exchange, like #3.2",
    );
    fails(&["diff", session, "#1.1"], "give FILE#C.N");
    fails(&["diff", session, "#9.1", "#1.1"], "no connection #9");
}

#[test]
fn diff_can_ignore_the_order_of_json_keys() {
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("two.har");
    let entry = |body: &str| {
        serde_json::json!({
            "startedDateTime": "2026-12-06T10:00:00.000Z", "time": 1,
            "request": {"method": "GET", "url": "http://api.test/item", "httpVersion": "HTTP/1.1",
                "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                "headers": [{"name": "Content-Type", "value": "application/json"}],
                "content": {"size": body.len(), "mimeType": "application/json", "text": body},
                "redirectURL": "", "headersSize": -1, "bodySize": body.len()},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}
        })
    };
    let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
        "entries": [entry(r#"{"a":1,"b":[2,3]}"#), entry(r#"{"b":[2,3],"a":1}"#)]}});
    std::fs::write(&har, doc.to_string()).unwrap();
    let file = har.to_str().unwrap();
    let ordered = run(&["diff", file, "#1.1", "#2.1"]);
    assert_eq!(ordered.status.code(), Some(1), "key order shows by default");
    let sorted = run(&["diff", file, "#1.1", "#2.1", "--ignore-key-order"]);
    let text = String::from_utf8(sorted.stdout).unwrap();
    assert_eq!(sorted.status.code(), Some(0), "{text}");
}
