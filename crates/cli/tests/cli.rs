//! The CLI driven as a process, as a user or a script would: real server (Python's
//! http.server), real client (curl), signals, saved files.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{curl, fails, http_server, start, terminate};
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;
use tcpmon_files::session;
use tcpmon_relay::{ConnectionState, Direction};

#[test]
fn relays_prints_a_line_per_connection_and_saves_a_session_on_sigterm() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("hello.txt"), "hello from python").unwrap();
    let (server, _server) = http_server(site.path());
    let saved = tempfile::tempdir().unwrap();
    let file = saved.path().join("capture.tcpmon");
    let (cli, out, port, _) = start(&[
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
    let (cli, out, port, _) = start(&[
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
    let (cli, out, port, _) = start(&["--proxy", "0"]);
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
fn bad_input_is_one_clear_line_and_exit_code_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let cases: [(&[&str], &str); 10] = [
        (&["8080", "example.org"], "no target port given"),
        (
            &["0", "127.0.0.1", "0"],
            "target port 0 cannot be dialled: use a port from 1 to 65535",
        ),
        (
            &["--proxy", "0", "--rewrite-host"],
            "Host rewriting works in forward mode: in proxy mode each request names its own host",
        ),
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
        (
            &["99999", "h", "1"],
            "listen port \"99999\" is not a port: use a number from 0 to 65535",
        ),
        (&["0", "h", "1", "--bogus"], "unexpected argument '--bogus'"),
        // A target host named like a subcommand is a host (unit tests parse one that resolves).
        (&["0", "show", "80"], "cannot resolve show"),
    ];
    for (args, expected) in cases {
        fails(args, expected);
    }
}

#[test]
fn the_listener_forms_start_beside_the_subcommands() {
    let cases: [(&[&str], &str); 4] = [
        (&["0", "127.0.0.1", "9"], "127.0.0.1:9"),
        (&["0"], "http proxy"),
        (&["--proxy", "0"], "http proxy"),
        (&["--quiet", "0", "127.0.0.1", "9"], "127.0.0.1:9"),
    ];
    for (args, expected) in cases {
        let (cli, out, _, target) = start(args);
        assert_eq!(target, expected, "{args:?}");
        let (ok, _, err) = terminate(cli, out);
        assert!(ok, "{args:?}: {err}");
    }
}

#[test]
fn faults_cut_and_answer_as_told_and_each_line_says_which() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("page.txt"), "x".repeat(10_000)).unwrap();
    let (server, _server) = http_server(dir.path());
    let server = server.to_string();
    // The response cut after 300 bytes toward the client (its head and the body's start):
    // curl sees a short body.
    let args = [
        "0",
        "127.0.0.1",
        &server,
        "--fault",
        "close-after=300,dir=down",
    ];
    let (cli, out, port, _) = start(&args);
    let cut = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "20",
            &format!("http://127.0.0.1:{port}/page.txt"),
        ])
        .output()
        .unwrap();
    assert!(!cut.status.success(), "curl notices the cut");
    let (_, lines, _) = terminate(cli, out);
    assert!(
        lines.contains("received=300B")
            && lines.contains("fault: closed after 300 bytes toward the client"),
        "the capture holds what the client received: {lines}"
    );

    // Every request answered 503 without the target, which is not even listening.
    let args = ["0", "127.0.0.1", "9", "--fault", "status=503"];
    let (cli, out, port, _) = start(&args);
    let answer = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&answer.stdout), "503");
    let (_, lines, _) = terminate(cli, out);
    assert!(lines.contains("\"503 TCPMon fault\""), "{lines}");

    fails(
        &["0", "127.0.0.1", "9", "--fault", "refuse,p=3"],
        "p=3: give a fraction from 0 to 1",
    );
}

/// The relay's worker threads, as `/proc` names them.
fn worker_threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter(|task| {
            let comm = std::fs::read_to_string(task.as_ref().unwrap().path().join("comm"));
            comm.is_ok_and(|name| name.trim_end() == "tokio-rt-worker")
        })
        .count()
}

/// Half the cores by default (the client and server watched need the rest); the README's
/// `TOKIO_WORKER_THREADS=N` gives N.
#[test]
fn runs_on_half_the_cores_unless_tokio_worker_threads_says() {
    let cores = std::thread::available_parallelism().unwrap().get();
    for (set, expected) in [(None, (cores / 2).max(1)), (Some("3"), 3)] {
        let mut command = common::cli();
        command.args(["0", "127.0.0.1", "9", "--quiet"]);
        command.env_remove("TOKIO_WORKER_THREADS");
        if let Some(n) = set {
            command.env("TOKIO_WORKER_THREADS", n);
        }
        let (cli, _out, _port, _) = common::start_command(&mut command);
        assert_eq!(
            worker_threads(cli.0.id()),
            expected,
            "TOKIO_WORKER_THREADS={set:?}"
        );
    }
}
