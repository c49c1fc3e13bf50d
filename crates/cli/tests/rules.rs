//! `--rules` driven as a user would: the CLI as a process between curl and a real nginx (or a
//! closed port, for mocks), rules files written to a folder, the lines, counts and capture read
//! back.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Guard, curl, fails, free_port, run, start, terminate, wait_for_port};
use std::path::Path;
use std::process::{Command, Stdio};
use tcpmon_files::session;
use tcpmon_relay::Direction;

/// A real nginx on a free port: files under its root, `/echo` answering with the request's
/// `X-Added` and `Cookie` headers, every response with `X-Server: nginx`.
fn nginx(dir: &Path, files: &[(&str, &str)]) -> (u16, Guard) {
    let root = dir.join("root");
    for (name, content) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let port = free_port();
    let conf = format!(
        "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
         server {{ listen 127.0.0.1:{port}; root {r}; add_header X-Server nginx;\n\
         location /echo {{ default_type text/plain; return 200 \"x-added=$http_x_added cookie=$http_cookie\\n\"; }} }} }}\n",
        d = dir.display(),
        r = root.display(),
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new("/usr/sbin/nginx")
        .args(["-p", &dir.display().to_string(), "-c"])
        .arg(&conf_path)
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx must be installed (apt-get install nginx-light)");
    wait_for_port(port);
    (port, Guard(child))
}

/// `rules` written as `rules.json` in `dir`; its path.
fn rules_file(dir: &Path, rules: &str) -> String {
    let path = dir.join("rules.json");
    std::fs::write(&path, rules).unwrap();
    path.display().to_string()
}

#[test]
fn mocks_answer_without_the_target_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bodies")).unwrap();
    std::fs::write(dir.path().join("bodies/b.json"), "{\"from\":\"file\"}").unwrap();
    let rules = rules_file(
        dir.path(),
        r#"[
        {"when": "path:/mocked", "then": {"mock": {"status": 201, "headers": {"X-Mock": "1"}, "body": "mocked!"}}},
        {"when": "method:POST path:/file", "then": {"mock": {"bodyFile": "bodies/b.json"}}},
        {"when": "path:/never", "then": {"mock": {}}}
    ]"#,
    );
    // Nothing listens there: a dial would fail the connection.
    let closed = free_port().to_string();
    let (cli, out, port, _) = start(&["0", "127.0.0.1", &closed, "--rules", &rules]);
    let base = format!("http://127.0.0.1:{port}");
    let head = curl(&["-i", &format!("{base}/mocked")]);
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 201 Created\r\n"), "{head}");
    assert!(
        head.contains("X-Mock: 1\r\n") && head.ends_with("\r\n\r\nmocked!"),
        "{head}"
    );
    // A body sent with the request is read and dropped; keep-alive goes on.
    let two = curl(&[
        "-d",
        "ignored",
        &format!("{base}/file"),
        "--next",
        &format!("{base}/mocked"),
    ]);
    assert_eq!(two, b"{\"from\":\"file\"}mocked!");
    let (ok, lines, err) = terminate(cli, out);
    assert!(ok, "{err}");
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("\"201 Created\"") && lines[0].ends_with(" (rule 1: mock)"));
    assert!(lines[1].starts_with("#2.1 ") && lines[1].ends_with(" (rule 2: mock)"));
    assert!(lines[2].starts_with("#2.2 ") && lines[2].ends_with(" (rule 1: mock)"));
    assert!(
        err.contains("rule 1 mock \"path:/mocked\": 2 hits\n"),
        "{err}"
    );
    assert!(
        err.contains("rule 2 mock \"method:POST path:/file\": 1 hit\n"),
        "{err}"
    );
    assert!(
        err.contains("rule 3 mock \"path:/never\": 0 hits\n"),
        "{err}"
    );
}

#[test]
fn modify_rules_change_requests_and_responses_and_the_capture_keeps_the_clients_side() {
    let dir = tempfile::tempdir().unwrap();
    let (nginx_port, _nginx) = nginx(dir.path(), &[("hello.txt", "hello world from nginx")]);
    let rules = rules_file(
        dir.path(),
        r#"[
        {"when": "path:/echo", "then": {"setHeader": {"X-Added": "yes"}}},
        {"when": "header:Cookie", "then": {"removeHeader": ["Cookie"]}},
        {"when": "path:/hello status:200", "on": "response", "then": {"setHeader": {"X-Debug": "1"}}},
        {"when": "", "on": "response", "then": {"removeHeader": ["X-Server"]}},
        {"when": "path:/hello", "on": "response", "then": {"replaceBody": {"find": "world", "with": "there"}}},
        {"when": "body:world", "on": "response", "then": {"replaceBody": {"find": "(\\w+) from", "with": "$1 via", "regex": true}}},
        {"when": "path:/echo", "then": {"setHeader": {"X-Unused": "1"}}, "enabled": false}
    ]"#,
    );
    let saved = dir.path().join("capture.tcpmon");
    let (cli, out, port, _) = start(&[
        "0",
        "127.0.0.1",
        &nginx_port.to_string(),
        "--rules",
        &rules,
        "--save",
        saved.to_str().unwrap(),
    ]);
    let base = format!("http://127.0.0.1:{port}");
    let echoed = curl(&["-H", "Cookie: a=1", &format!("{base}/echo")]);
    assert_eq!(echoed, b"x-added=yes cookie=\n", "the server got the edits");
    let hello = String::from_utf8(curl(&["-i", &format!("{base}/hello.txt")])).unwrap();
    assert!(hello.ends_with("\r\n\r\nhello there via nginx"), "{hello}");
    assert!(hello.contains("X-Debug: 1\r\n"), "{hello}");
    assert!(hello.contains("Content-Length: 21\r\n"), "{hello}");
    assert!(!hello.contains("X-Server"), "{hello}");
    let (ok, lines, err) = terminate(cli, out);
    assert!(ok, "{err}");
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].ends_with(" (rule 1: setHeader) (rule 2: removeHeader) (rule 4: removeHeader)"),
        "{}",
        lines[0]
    );
    assert!(lines[1].ends_with(" (rule 3: setHeader) (rule 4: removeHeader) (rule 5: replaceBody) (rule 6: replaceBody)"), "{}", lines[1]);
    assert!(err.contains("rule 4 removeHeader \"\": 2 hits\n"), "{err}");
    assert!(
        err.contains("rule 7 setHeader \"path:/echo\" (disabled): 0 hits\n"),
        "{err}"
    );

    let opened = session::open(&saved).unwrap();
    let record = &opened.store.records()[0];
    let sent = opened
        .store
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    let sent = String::from_utf8(sent).unwrap();
    assert!(
        sent.contains("Cookie: a=1\r\n") && !sent.contains("X-Added"),
        "{sent}"
    );
    let said: Vec<&str> = record.rules.iter().map(|r| r.what.as_str()).collect();
    assert_eq!(
        said[..2],
        [
            "set X-Added in the request (as the server got it; the capture keeps the client's)",
            "removed Cookie in the request (as the server got it; the capture keeps the client's)"
        ]
    );
    let got = (opened.store)
        .read_server_side(record, 0, Direction::ClientToServer)
        .unwrap()
        .expect("the request as the server got it is kept");
    let got = String::from_utf8(got).unwrap();
    assert!(
        got.contains("X-Added: yes\r\n") && !got.contains("Cookie"),
        "{got}"
    );
    let record = &opened.store.records()[1];
    let received = opened
        .store
        .read(record.id, Direction::ServerToClient, 0, usize::MAX)
        .unwrap();
    assert!(received.ends_with(b"hello there via nginx"));
    let sent = (opened.store)
        .read_server_side(record, 0, Direction::ServerToClient)
        .unwrap()
        .expect("the response as nginx sent it is kept");
    let sent = String::from_utf8(sent).unwrap();
    assert!(sent.contains("X-Server: nginx\r\n"), "{sent}");
    assert!(sent.ends_with("\r\n\r\nhello world from nginx"), "{sent}");
    assert!(
        (opened.store)
            .read_server_side(record, 0, Direction::ClientToServer)
            .unwrap()
            .is_none(),
        "no rule changed that request"
    );

    // What `show` and a HAR export make of it, run as a user would.
    let file = saved.to_str().unwrap();
    let shown = run(&["show", file, "#2.1"]);
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(
        shown.contains(
            "--- #2.1 response (changed by TCPMon; --server-side shows the server's): raw ---"
        ),
        "{shown}"
    );
    assert!(shown.contains("hello there via nginx"), "{shown}");
    let server = run(&["show", file, "#2.1", "--server-side", "--view", "raw"]);
    let server = String::from_utf8(server.stdout).unwrap();
    assert!(server.contains("--- #2.1 request: raw ---"), "{server}");
    assert!(
        server.contains("--- #2.1 response as the server sent it: raw ---"),
        "{server}"
    );
    assert!(
        server.contains("X-Server: nginx\n") && server.contains("hello world from nginx"),
        "{server}"
    );
    let har = dir.path().join("out.har");
    assert!(
        run(&["export", file, har.to_str().unwrap()])
            .status
            .success()
    );
    let har: serde_json::Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    let comment = har["log"]["entries"][1]["comment"].as_str().unwrap();
    assert!(
        comment.starts_with("changed by TCPMon (rule 3 setHeader: set X-Debug in the response"),
        "{comment}"
    );
    assert!(
        comment.ends_with("the server's side is kept in the TCPMon capture): this entry has what the client sent and received"),
        "{comment}"
    );
}

#[test]
fn map_sends_a_proxys_requests_to_another_origin_and_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let (nginx_port, _nginx) = nginx(dir.path(), &[("v2/hello.txt", "hello from v2")]);
    let rules = rules_file(
        dir.path(),
        &format!(
            r#"[{{"when": "host:api.test", "then": {{"map": "127.0.0.1:{nginx_port}/v2"}}}}]"#
        ),
    );
    let (cli, out, port, _) = start(&["--proxy", "0", "--rules", &rules]);
    let proxy = format!("http://127.0.0.1:{port}");
    assert_eq!(
        curl(&["-x", &proxy, "http://api.test/hello.txt"]),
        b"hello from v2"
    );
    let (ok, lines, err) = terminate(cli, out);
    assert!(ok, "{err}");
    assert!(
        lines.contains(&format!(
            " -> 127.0.0.1:{nginx_port} GET http://api.test/hello.txt \"200 OK\""
        )),
        "{lines}"
    );
    assert!(lines.trim_end().ends_with(" (rule 1: map)"), "{lines}");
    assert!(
        err.contains("rule 1 map \"host:api.test\": 1 hit\n"),
        "{err}"
    );
}

#[test]
fn wrong_rules_files_are_refused_with_the_file_the_rule_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "x").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link")).unwrap();
    let cases = [
        (
            r#"[{"when": "", "then": {"break": "request"}}]"#,
            "rule 1: break needs the app",
        ),
        (
            r#"[{"when": "", "then": {"removeHeader": ["A"]}}, {"when": "", "then": {"map": "a.test:80"}}]"#,
            "rule 2: map needs proxy mode",
        ),
        (
            r#"[{"when": "status:500", "then": {"setHeader": {"A": "b"}}}]"#,
            "rule 1: when \"status:500\": status: is a response term",
        ),
        (
            r#"[{"when": "", "then": {"mock": {"bodyFile": "../x"}}}]"#,
            "rule 1: bodyFile \"../x\" is outside the rules file's folder",
        ),
        (
            r#"[{"when": "", "then": {"mock": {"bodyFile": "link"}}}]"#,
            "rule 1: bodyFile",
        ),
        (r#"{"when": ""}"#, "not a JSON array of rules"),
    ];
    for (text, says) in cases {
        let rules = rules_file(dir.path(), text);
        fails(
            &["0", "127.0.0.1", "9", "--rules", &rules],
            &format!("rules file {rules}: {says}"),
        );
    }
    let missing = dir.path().join("missing.json").display().to_string();
    fails(
        &["0", "127.0.0.1", "9", "--rules", &missing],
        &format!("rules file {missing}: cannot read it"),
    );
}

#[test]
fn a_body_over_the_cap_passes_unchanged_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("{}world", "a".repeat(17 << 20));
    let (nginx_port, _nginx) = nginx(dir.path(), &[("big.txt", &big)]);
    let rules = rules_file(
        dir.path(),
        r#"[{"when": "", "on": "response", "then": {"replaceBody": {"find": "world", "with": "there"}}}]"#,
    );
    let saved = dir.path().join("capture.tcpmon");
    let (cli, out, port, _) = start(&[
        "0",
        "127.0.0.1",
        &nginx_port.to_string(),
        "--rules",
        &rules,
        "--save",
        saved.to_str().unwrap(),
    ]);
    let got = curl(&[&format!("http://127.0.0.1:{port}/big.txt")]);
    assert!(got == big.as_bytes(), "{} bytes", got.len());
    let (ok, _, err) = terminate(cli, out);
    assert!(ok, "{err}");
    let opened = session::open(&saved).unwrap();
    let said: Vec<String> = opened.store.records()[0]
        .rules
        .iter()
        .map(|r| r.what.clone())
        .collect();
    assert_eq!(
        said,
        ["the body was not held: not replaced; the response body went on as it was"]
    );
}

#[test]
fn a_long_keep_alive_connection_lists_its_first_rule_actions_and_counts_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(
        dir.path(),
        r#"[{"when": "path:/m", "then": {"mock": {"body": "m"}}}]"#,
    );
    let closed = free_port().to_string();
    let (cli, out, port, _) = start(&["0", "127.0.0.1", &closed, "--rules", &rules]);
    let url = format!("http://127.0.0.1:{port}/m");
    let urls: Vec<&str> = std::iter::repeat_n(url.as_str(), 100).collect();
    assert_eq!(curl(&urls), b"m".repeat(100), "one connection, 100 mocks");
    let (ok, lines, err) = terminate(cli, out);
    assert!(ok, "{err}");
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 100, "{lines:?}");
    let marked = lines
        .iter()
        .filter(|l| l.ends_with(" (rule 1: mock)"))
        .count();
    assert_eq!(marked, 64, "the record lists the first 64 actions");
    assert!(err.contains("rule 1 mock \"path:/m\": 100 hits\n"), "{err}");
}
