//! Running the CLI as a process, as a user or a script would: started, signalled, read.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

pub const CLI: &str = env!("CARGO_BIN_EXE_tcpmon-cli");

/// A process killed when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_for_port(port: u16) {
    for _ in 0..500 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("nothing listens on {port}");
}

/// The cache folder every CLI the tests start uses (never the user's): a test that kills the
/// CLI leaves its capture log there, not in `~/.cache`.
pub fn test_cache() -> std::path::PathBuf {
    std::env::temp_dir().join("tcpmon-cli-tests-cache")
}

/// The CLI as a command, with the tests' cache folder.
pub fn cli() -> Command {
    let mut command = Command::new(CLI);
    command.env("XDG_CACHE_HOME", test_cache());
    command
}

/// Starts the CLI; returns it, its stdout, the port and the target from its first line.
pub fn start(args: &[&str]) -> (Guard, BufReader<ChildStdout>, u16, String) {
    start_command(cli().args(args))
}

/// Starts a prepared CLI command, as [`start`] does.
pub fn start_command(command: &mut Command) -> (Guard, BufReader<ChildStdout>, u16, String) {
    let (child, out, first) = spawn(command);
    let rest = first
        .strip_prefix("listening on 127.0.0.1:")
        .unwrap_or_else(|| panic!("{first:?}"));
    let (port, target) = rest.trim_end().split_once(" -> ").unwrap();
    (child, out, port.parse().unwrap(), target.to_string())
}

/// Starts a prepared CLI command; returns it, its stdout and its first line.
pub fn spawn(command: &mut Command) -> (Guard, BufReader<ChildStdout>, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    (Guard(child), out, first)
}

pub fn curl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl");
    assert!(out.status.success(), "curl {args:?}");
    out.stdout
}

/// Sends SIGTERM and returns (exit success, rest of stdout, stderr).
pub fn terminate(mut cli: Guard, mut out: BufReader<ChildStdout>) -> (bool, String, String) {
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

/// Runs the CLI to its end.
pub fn run(args: &[&str]) -> Output {
    cli().args(args).output().unwrap()
}

/// Asserts that `args` fail with exit code 2 and one line on stderr that contains `expected`.
pub fn fails(args: &[&str], expected: &str) {
    let out = run(args);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(
        err.starts_with("tcpmon-cli: ") && err.contains(expected),
        "{args:?}: {err}"
    );
}

/// Python's http.server serving `dir` on a free port.
pub fn http_server(dir: &Path) -> (u16, Guard) {
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
