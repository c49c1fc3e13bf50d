//! A relay other machines can reach, driven as a process: the warning on stderr,
//! `--allow-loopback-targets`, `--proxy-auth`, `--idle-timeout` and `--max-connections`.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Guard, cli, fails, http_server};
use std::io::{BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::process::{ChildStdout, Command};
use std::time::{Duration, Instant};

/// A server that accepts and never says a word; connections stay open until the client goes.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0; 1024];
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

/// Starts the CLI; returns it, its stdout, and the first line's address (`0.0.0.0:41234`).
fn start(args: &[&str]) -> (Guard, BufReader<ChildStdout>, String) {
    let (child, out, first) = common::spawn(cli().args(args));
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_string();
    (child, out, addr)
}

/// The port of `addr`, for dialling it at 127.0.0.1.
fn port(addr: &str) -> u16 {
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

/// curl's output with `-w` appending the status code on a line of its own.
fn curl(args: &[&str]) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "20", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl");
    let out = String::from_utf8(out.stdout).unwrap();
    let (body, code) = out.rsplit_once('\n').unwrap();
    (code.to_string(), body.to_string())
}

/// Sends SIGTERM once the last lines are out; returns (rest of stdout, stderr).
fn terminate(cli: Guard, out: BufReader<ChildStdout>) -> (String, String) {
    std::thread::sleep(Duration::from_millis(300));
    let (ok, rest, err) = common::terminate(cli, out);
    assert!(ok, "{err}");
    (rest, err)
}

#[test]
fn binding_beyond_loopback_warns_on_stderr_and_localhost_does_not() {
    let (cli, out, addr) = start(&["--proxy", "0", "--bind", "0.0.0.0"]);
    assert!(addr.starts_with("0.0.0.0:"), "{addr}");
    let (_, err) = terminate(cli, out);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("tcpmon-cli: warning: "))
        .collect();
    assert!(
        warnings[0].contains("0.0.0.0 is not a loopback address: other machines can connect"),
        "{err}"
    );
    assert!(warnings[1].contains("--proxy-auth USER:PASS"), "{err}");

    let (cli, out, addr) = start(&["--proxy", "0", "--bind", "localhost"]);
    assert!(
        addr.starts_with("127.0.0.1:"),
        "localhost binds 127.0.0.1: {addr}"
    );
    let (_, err) = terminate(cli, out);
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn an_exposed_proxy_refuses_loopback_targets_until_allow_loopback_targets() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("a.txt"), "alpha").unwrap();
    let (server, _server) = http_server(site.path());
    let url = format!("http://127.0.0.1:{server}/a.txt");

    let (cli, out, addr) = start(&["--proxy", "0", "--bind", "0.0.0.0"]);
    let proxy = format!("http://127.0.0.1:{}", port(&addr));
    let (code, body) = curl(&["-x", &proxy, &url]);
    assert_eq!(code, "403", "{body}");
    assert!(body.contains("loopback"), "{body}");
    let (lines, _) = terminate(cli, out);
    assert!(
        lines.contains("failed: refused: 127.0.0.1:") && lines.contains("--allow-loopback-targets"),
        "{lines}"
    );

    let (cli, out, addr) = start(&[
        "--proxy",
        "0",
        "--bind",
        "0.0.0.0",
        "--allow-loopback-targets",
    ]);
    let proxy = format!("http://127.0.0.1:{}", port(&addr));
    assert_eq!(curl(&["-x", &proxy, &url]), ("200".into(), "alpha".into()));
    let (_, err) = terminate(cli, out);
    assert!(err.contains("warning: --allow-loopback-targets"), "{err}");
}

#[test]
fn proxy_auth_answers_407_without_the_credentials() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("a.txt"), "alpha").unwrap();
    let (server, _server) = http_server(site.path());
    let url = format!("http://127.0.0.1:{server}/a.txt");
    let (cli, out, addr) = start(&["--proxy", "0", "--proxy-auth", "alice:s3cret"]);
    let port = port(&addr);
    let (code, _) = curl(&["-x", &format!("http://127.0.0.1:{port}"), &url]);
    assert_eq!(code, "407");
    let (code, _) = curl(&["-x", &format!("http://alice:nope@127.0.0.1:{port}"), &url]);
    assert_eq!(code, "407");
    let with = format!("http://alice:s3cret@127.0.0.1:{port}");
    assert_eq!(curl(&["-x", &with, &url]), ("200".into(), "alpha".into()));
    let (lines, _) = terminate(cli, out);
    assert!(lines.contains("proxy authentication required"), "{lines}");
    assert!(lines.contains("wrong user name or password"), "{lines}");
    assert!(lines.contains("\"200 OK\""), "{lines}");
}

#[test]
fn idle_timeout_closes_a_silent_connection_and_says_so() {
    let server = silent_server();
    let (cli, out, addr) = start(&["0", "127.0.0.1", &server.to_string(), "--idle-timeout", "1"]);
    let mut client = TcpStream::connect(("127.0.0.1", port(&addr))).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    let (lines, _) = terminate(cli, out);
    assert!(lines.contains("failed: idle for 1 s"), "{lines}");
}

#[test]
fn max_connections_turns_the_next_one_away_at_once() {
    let server = silent_server();
    let (cli, out, addr) = start(&[
        "0",
        "127.0.0.1",
        &server.to_string(),
        "--max-connections",
        "1",
    ]);
    let relay = ("127.0.0.1", port(&addr));
    let _first = TcpStream::connect(relay).unwrap();
    let mut second = TcpStream::connect(relay).unwrap();
    second
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    let _ = second.read_to_end(&mut got); // end of stream, or a reset
    assert!(got.is_empty());
    assert!(started.elapsed() < Duration::from_secs(10));
    let (lines, _) = terminate(cli, out);
    assert!(
        lines.contains("failed: refused: this listener already has 1 connection open"),
        "{lines}"
    );
}

#[test]
fn the_new_options_are_checked_before_anything_starts() {
    fails(
        &["0", "h", "1", "--proxy-auth", "u:p"],
        "--proxy-auth works in proxy mode",
    );
    fails(
        &["0", "h", "1", "--allow-loopback-targets"],
        "--allow-loopback-targets works in proxy mode",
    );
    fails(
        &["--proxy", "0", "--proxy-auth", "nocolon"],
        "expected USER:PASS",
    );
    fails(
        &["--proxy", "0", "--max-connections", "0"],
        "--max-connections",
    );
    fails(
        &["--proxy", "0", "--idle-timeout", "soon"],
        "--idle-timeout",
    );
}
