//! The CLI driven as a process, as a user or a script would: real server (Python's
//! http.server), real client (curl), signals, saved files.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;
use tcpmon_relay::{ConnectionState, Direction, session};

const CLI: &str = env!("CARGO_BIN_EXE_tcpmon-cli");

/// A process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    for _ in 0..500 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("nothing listens on {port}");
}

/// Python's http.server serving `dir` on a free port.
fn http_server(dir: &Path) -> (u16, Guard) {
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3");
    wait_for_port(port);
    (port, Guard(child))
}

/// Starts the CLI; returns it, its stdout, and the port from its first line.
fn start(args: &[&str]) -> (Guard, BufReader<ChildStdout>, u16) {
    let mut child = Command::new(CLI)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with("listening on 127.0.0.1:"), "{first:?}");
    let port = first["listening on 127.0.0.1:".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (Guard(child), out, port)
}

fn curl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl");
    assert!(out.status.success(), "curl {args:?}");
    out.stdout
}

/// Sends SIGTERM and returns (exit success, rest of stdout, stderr).
fn terminate(mut cli: Guard, mut out: BufReader<ChildStdout>) -> (bool, String, String) {
    let status = Command::new("kill")
        .args(["-TERM", &cli.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    cli.0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let exit = cli.0.wait().unwrap();
    (exit.success(), rest, err)
}

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(CLI).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn relays_prints_a_line_per_connection_and_saves_a_session_on_sigterm() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("hello.txt"), "hello from python").unwrap();
    let (server, _server) = http_server(site.path());
    let saved = tempfile::tempdir().unwrap();
    let file = saved.path().join("capture.tcpmon");
    let (cli, out, port) = start(&[
        "0",
        "127.0.0.1",
        &server.to_string(),
        "--save",
        file.to_str().unwrap(),
    ]);

    assert_eq!(
        curl(&[&format!("http://127.0.0.1:{port}/hello.txt")]),
        b"hello from python"
    );
    assert_eq!(
        curl(&[&format!("http://127.0.0.1:{port}/hello.txt")]),
        b"hello from python"
    );
    std::thread::sleep(Duration::from_millis(300));
    let (ok, lines, err) = terminate(cli, out);
    assert!(ok, "exit status; stderr: {err}");
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (i, line) in lines.iter().enumerate() {
        assert!(line.starts_with(&format!("#{}.1 ", i + 1)), "{line}");
        assert!(
            line.contains(&format!(
                " -> 127.0.0.1:{server} GET http://127.0.0.1:{port}/hello.txt \"200 OK\" req=0B resp=17B "
            )),
            "{line}"
        );
        assert!(line.ends_with("ms"), "{line}");
    }
    assert!(err.contains("saved 2 connections"), "{err}");

    let opened = session::open(&file).unwrap();
    let records = opened.store.records();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.state == ConnectionState::Done));
    let response = opened
        .store
        .read(records[0].id, Direction::ServerToClient, 0, usize::MAX)
        .unwrap();
    assert!(response.starts_with(b"HTTP/1.0 200 OK") && response.ends_with(b"hello from python"));
}

#[test]
fn a_txt_file_is_written_in_apache_tcpmon_text_format() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("a.xml"), "<a>1</a>").unwrap();
    let (server, _server) = http_server(site.path());
    let saved = tempfile::tempdir().unwrap();
    let file = saved.path().join("capture.txt");
    let (cli, out, port) = start(&[
        "0",
        "127.0.0.1",
        &server.to_string(),
        "--quiet",
        "--save",
        file.to_str().unwrap(),
    ]);
    curl(&[&format!("http://127.0.0.1:{port}/a.xml")]);
    std::thread::sleep(Duration::from_millis(300));
    let (ok, lines, _) = terminate(cli, out);
    assert!(ok);
    assert!(
        lines.is_empty(),
        "--quiet prints only the first line: {lines}"
    );
    let text = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
    let header = format!(
        "\n==============\nListen Port: {port}\nTarget Host: 127.0.0.1\nTarget Port: {server}\n==== Request ====\nGET /a.xml HTTP/1.1\r\n"
    );
    assert!(text.starts_with(&header), "{text}");
    assert!(
        text.contains("==== Response ====\nHTTP/1.0 200 OK\r\n"),
        "{text}"
    );
    assert!(text.ends_with("<a>1</a>\n==============\n"), "{text}");
}

#[test]
fn proxy_mode_lines_name_the_real_target() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("p.txt"), "proxied").unwrap();
    let (server, _server) = http_server(site.path());
    let (cli, out, port) = start(&["--proxy", "0"]);
    let url = format!("http://127.0.0.1:{server}/p.txt");
    assert_eq!(
        curl(&["-x", &format!("http://127.0.0.1:{port}"), &url]),
        b"proxied"
    );
    std::thread::sleep(Duration::from_millis(300));
    let (ok, lines, _) = terminate(cli, out);
    assert!(ok);
    assert!(
        lines.contains(&format!("-> 127.0.0.1:{server} GET {url} \"200 OK\"")),
        "{lines}"
    );
}

#[test]
fn bad_input_is_one_clear_line_and_a_failing_exit() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let cases: [(&[&str], &str); 5] = [
        (&["8080"], "give LISTEN_PORT TARGET_HOST TARGET_PORT"),
        (
            &["--proxy", "0", "example.org", "80"],
            "--proxy takes only LISTEN_PORT",
        ),
        (&[&port, "127.0.0.1", "80"], "Address already in use"),
        (
            &["0", "127.0.0.1", "80", "--save", "/no/such/folder/x.tcpmon"],
            "does not exist",
        ),
        (
            &["0", "127.0.0.1", "80", "--bind", "my.host"],
            "bind address must be an IP address",
        ),
    ];
    for (args, expected) in cases {
        let (ok, err) = run(args);
        assert!(!ok, "{args:?} should fail");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("tcpmon-cli: ") && err.contains(expected),
            "{args:?}: {err}"
        );
    }
    let (ok, err) = run(&["99999", "h", "1"]);
    assert!(
        !ok && err.contains("99999"),
        "clap rejects ports out of range: {err}"
    );
}
