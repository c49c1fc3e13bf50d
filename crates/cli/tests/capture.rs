//! The capture log as a user meets it: a `kill -9` loses nothing captured a moment before
//! (`recover` lists and exports what it left), a session `--save` file is written as the
//! bytes come, a clean exit leaves nothing behind, and the capture limit and a full disk stop
//! recording visibly while relaying goes on.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CLI, Guard, curl, http_server, start_command, terminate};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

/// The CLI with its own cache folder.
fn cli_in(cache: &Path) -> Command {
    let mut command = Command::new(CLI);
    command.env("XDG_CACHE_HOME", cache);
    command
}

fn run_in(cache: &Path, args: &[&str]) -> Output {
    let out = cli_in(cache).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn kill_9(mut cli: Guard) {
    let status = Command::new("kill")
        .args(["-KILL", &cli.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = cli.0.wait();
}

fn logs(cache: &Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(cache.join("tcpmon/captures")) {
        Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn kill_9_loses_nothing_and_recover_lists_and_exports_it() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("a.txt"), "first body").unwrap();
    std::fs::write(site.path().join("b.txt"), "second body").unwrap();
    let (server, _server) = http_server(site.path());
    let cache = tempfile::tempdir().unwrap();
    let (cli, _out, port, _) =
        start_command(cli_in(cache.path()).args(["0", "127.0.0.1", &server.to_string()]));
    assert_eq!(logs(cache.path()).len(), 1, "one log while it runs");
    let listed = run_in(cache.path(), &["recover"]);
    assert!(listed.stdout.is_empty(), "a running capture is not listed");
    curl(&[&format!("http://127.0.0.1:{port}/a.txt")]);
    curl(&[&format!("http://127.0.0.1:{port}/b.txt")]);
    // Well within the second the issue allows.
    std::thread::sleep(Duration::from_millis(300));
    kill_9(cli);

    let listed = String::from_utf8(run_in(cache.path(), &["recover"]).stdout).unwrap();
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 1, "{listed}");
    assert!(lines[0].ends_with(" 2 connections"), "{listed}");
    let log = lines[0].split(' ').next().unwrap();
    let out = tempfile::tempdir().unwrap();
    let har = out.path().join("recovered.har");
    let recovered = run_in(cache.path(), &["recover", log, har.to_str().unwrap()]);
    let err = String::from_utf8(recovered.stderr).unwrap();
    assert!(
        err.contains("wrote 2 exchanges") && err.contains("removed"),
        "{err}"
    );
    let har = std::fs::read_to_string(&har).unwrap();
    assert!(
        har.contains("first body") && har.contains("second body"),
        "{har}"
    );
    assert_eq!(logs(cache.path()), Vec::<std::path::PathBuf>::new());
    let again = run_in(cache.path(), &["recover"]);
    assert!(again.stdout.is_empty());
    // A log that is not one left by a crash is refused.
    let refused = cli_in(cache.path())
        .args(["recover", "/etc/hostname", "x.har"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn a_session_save_file_is_written_as_the_bytes_come() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("a.xml"), "<a>kept</a>").unwrap();
    let (server, _server) = http_server(site.path());
    let cache = tempfile::tempdir().unwrap();
    let saved = tempfile::tempdir().unwrap();
    let file = saved.path().join("live.tcpmon");
    let (cli, _out, port, _) = start_command(cli_in(cache.path()).args([
        "0",
        "127.0.0.1",
        &server.to_string(),
        "--save",
        file.to_str().unwrap(),
    ]));
    assert_eq!(
        logs(cache.path()),
        Vec::<std::path::PathBuf>::new(),
        "FILE is the log"
    );
    curl(&[&format!("http://127.0.0.1:{port}/a.xml")]);
    std::thread::sleep(Duration::from_millis(300));
    kill_9(cli);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let shown = run_in(
        cache.path(),
        &["show", file.to_str().unwrap(), "1.1", "--view", "raw"],
    );
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.contains("GET /a.xml") && text.contains("<a>kept</a>"),
        "{text}"
    );
}

#[test]
fn a_clean_exit_leaves_no_capture_log() {
    let cache = tempfile::tempdir().unwrap();
    let (cli, out, _, _) = start_command(cli_in(cache.path()).args(["--proxy", "0"]));
    assert_eq!(logs(cache.path()).len(), 1);
    let (ok, _, err) = terminate(cli, out);
    assert!(ok, "{err}");
    assert_eq!(logs(cache.path()), Vec::<std::path::PathBuf>::new());
}

#[test]
fn the_capture_limit_stops_recording_visibly_and_relaying_goes_on() {
    let site = tempfile::tempdir().unwrap();
    let body: String = (0..20_000).map(|i| format!("{i:09}\n")).collect();
    std::fs::write(site.path().join("big.txt"), &body).unwrap();
    let (server, _server) = http_server(site.path());
    let cache = tempfile::tempdir().unwrap();
    let saved = tempfile::tempdir().unwrap();
    let file = saved.path().join("limited.tcpmon");
    let (cli, out, port, _) = start_command(cli_in(cache.path()).args([
        "0",
        "127.0.0.1",
        &server.to_string(),
        "--capture-limit",
        "64KiB",
        "--keep-free",
        "0",
        "--save",
        file.to_str().unwrap(),
    ]));
    for _ in 0..2 {
        let got = curl(&[&format!("http://127.0.0.1:{port}/big.txt")]);
        assert!(got == body.as_bytes(), "relayed whole");
    }
    std::thread::sleep(Duration::from_millis(600));
    let (ok, lines, err) = terminate(cli, out);
    assert!(ok, "{err}");
    assert!(
        err.contains(
            "recording stopped: the capture limit of 64.0 KiB was reached (relaying goes on)"
        ),
        "{err}"
    );
    assert!(
        lines.contains("recording stopped"),
        "the exchange line says so: {lines}"
    );
    assert!(std::fs::metadata(&file).unwrap().len() <= 80 << 10);
}

#[test]
fn a_full_disk_is_a_visible_truncation_never_a_silent_loss() {
    let site = tempfile::tempdir().unwrap();
    let body = vec![b'x'; 6 << 20];
    std::fs::write(site.path().join("big.bin"), &body).unwrap();
    let (server, _server) = http_server(site.path());
    // A 2 MiB disk of its own, in a mount namespace that dies with the process: a failed
    // test leaves no mount behind.
    let cache = tempfile::tempdir().unwrap();
    let script = format!(
        "mount -t tmpfs -o size=2m tmpfs '{dir}' && XDG_CACHE_HOME='{dir}' exec '{CLI}' 0 127.0.0.1 {server} --keep-free 0",
        dir = cache.path().display()
    );
    let (cli, out, port, _) =
        start_command(Command::new("unshare").args(["-m", "sh", "-c", &script]));
    let got = curl(&[&format!("http://127.0.0.1:{port}/big.bin")]);
    assert!(got == body, "relayed whole");
    std::thread::sleep(Duration::from_millis(600));
    let (ok, lines, err) = terminate(cli, out);
    assert!(ok, "{err}");
    assert!(
        err.contains("recording stopped: the capture's disk is full"),
        "{err}"
    );
    assert!(lines.contains("recording stopped"), "{lines}");
    let mut nothing = String::new();
    let _ = std::fs::File::open(cache.path()).map(|mut f| f.read_to_string(&mut nothing));
    assert_eq!(
        logs(cache.path()),
        Vec::<std::path::PathBuf>::new(),
        "the tmpfs went with it"
    );
}
