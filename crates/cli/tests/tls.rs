//! TLS to the target, driven as a process: `--target-tls` with `--target-ca`, the system store
//! through `SSL_CERT_FILE`, `--insecure`, `--tls-server-name`, `--client-cert`/`--client-key`
//! and `--target-alpn`, against `openssl s_server` with certificates `openssl` made (a private
//! CA and leaves it signed, as a company's dev servers have).

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Guard, cli, fails, start_command, terminate};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl must be installed");
    assert!(out.status.success(), "openssl {args:?}: {out:?}");
}

/// A private CA (`ca.pem`) and, signed by it, `NAME.pem` + `NAME-key.pem` for each
/// (name, extensions) asked.
fn pki(dir: &Path, leaves: &[(&str, &str)]) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-subj",
        "/CN=TCPMon test CA",
        "-days",
        "2",
        "-keyout",
        "ca-key.pem",
    ]);
    openssl(dir, &[&ca[..], &["-out", "ca.pem"]].concat());
    for (name, extensions) in leaves {
        let key = format!("{name}-key.pem");
        let (csr, cert, ext) = (
            format!("{name}.csr"),
            format!("{name}.pem"),
            format!("{name}.ext"),
        );
        std::fs::write(dir.join(&ext), extensions.replace("; ", "\n")).unwrap();
        let mut req = vec!["req"];
        req.extend(ec);
        req.extend(["-subj", "/CN=leaf", "-keyout", &key, "-out", &csr]);
        openssl(dir, &req);
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-days",
                "2",
                "-extfile",
                &ext,
                "-out",
                &cert,
            ],
        );
    }
}

const SERVER: &str = "subjectAltName=DNS:localhost; extendedKeyUsage=serverAuth";
const CLIENT: &str = "extendedKeyUsage=clientAuth";

/// `openssl s_server -www` with the `server` leaf, on a free port; its port.
fn s_server(dir: &Path, extra: &[&str]) -> (u16, Guard) {
    let mut child = Command::new("openssl")
        .current_dir(dir)
        .args(["s_server", "-accept", "127.0.0.1:0", "-www"])
        .args(["-cert", "server.pem", "-key", "server-key.pem"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = loop {
        let line = lines.next().expect("s_server ended").unwrap();
        if let Some(addr) = line.strip_prefix("ACCEPT ") {
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    // Reads on to the end, so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (port, Guard(child))
}

/// The CLI relaying to `localhost:port` (or `host`) with `flags`; its first line's target, the
/// page a plain GET through it got (empty when it failed), and its exchange or connection
/// line.
fn through(dir: &Path, host: &str, port: u16, flags: &[&str]) -> (String, String, String) {
    through_with(cli().current_dir(dir), host, port, flags)
}

fn through_with(
    command: &mut Command,
    host: &str,
    port: u16,
    flags: &[&str],
) -> (String, String, String) {
    let port = port.to_string();
    let (guard, out, relay, target) = start_command(command.args(["0", host, &port]).args(flags));
    let page = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "20",
            &format!("http://127.0.0.1:{relay}/"),
        ])
        .output()
        .unwrap()
        .stdout;
    let (_, lines, err) = terminate(guard, out);
    assert!(err.is_empty() || !err.contains("panic"), "{err}");
    (target, String::from_utf8_lossy(&page).into_owned(), lines)
}

fn files(dir: &Path) -> PathBuf {
    pki(dir, &[("server", SERVER), ("client", CLIENT)]);
    dir.to_path_buf()
}

#[test]
fn a_target_behind_a_private_ca_is_shown_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let dir = files(dir.path());
    let (port, _server) = s_server(&dir, &[]);
    let (target, page, lines) = through(
        &dir,
        "localhost",
        port,
        &["--target-tls", "--target-ca", "ca.pem"],
    );
    assert_eq!(target, format!("localhost:{port} over TLS"));
    assert!(page.contains("Protocol  : TLSv1.3"), "{page}");
    assert!(
        lines.contains(&format!("-> localhost:{port} tls=1.3 GET http://")),
        "{lines}"
    );

    // The system's store, as SSL_CERT_FILE names it, is trusted without --target-ca.
    let mut command = cli();
    command
        .current_dir(&dir)
        .env("SSL_CERT_FILE", dir.join("ca.pem"));
    let (_, page, _) = through_with(&mut command, "localhost", port, &["--target-tls"]);
    assert!(page.contains("TLSv1.3"), "{page}");
}

#[test]
fn names_and_untrusted_certificates_fail_with_the_way_out_and_insecure_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let dir = files(dir.path());
    let (port, _server) = s_server(&dir, &["-tls1_2"]);
    let (_, page, lines) = through(&dir, "localhost", port, &["--target-tls"]);
    assert!(page.is_empty());
    assert!(lines.contains("unknown issuer"), "{lines}");
    assert!(
        lines.contains("--target-ca FILE") && lines.contains("--insecure"),
        "{lines}"
    );

    let trusted = ["--target-tls", "--target-ca", "ca.pem"];
    let (_, _, lines) = through(&dir, "127.0.0.1", port, &trusted);
    assert!(lines.contains("not valid for that name"), "{lines}");
    let named = [&trusted[..], &["--tls-server-name", "localhost"]].concat();
    let (_, page, lines) = through(&dir, "127.0.0.1", port, &named);
    assert!(page.contains("TLSv1.2"), "{page}");
    assert!(lines.contains("tls=1.2 GET"), "{lines}");

    let (target, page, lines) = through(&dir, "127.0.0.1", port, &["--target-tls", "--insecure"]);
    assert_eq!(
        target,
        format!("127.0.0.1:{port} over TLS (any certificate accepted)")
    );
    assert!(page.contains("TLSv1.2"), "{page}");
    assert!(lines.contains("tls=1.2 insecure GET"), "{lines}");
}

#[test]
fn a_target_that_asks_for_a_client_certificate_gets_the_one_given() {
    let dir = tempfile::tempdir().unwrap();
    let dir = files(dir.path());
    let (port, _server) = s_server(&dir, &["-Verify", "1", "-CAfile", "ca.pem"]);
    let trusted = ["--target-tls", "--target-ca", "ca.pem"];
    let (_, page, lines) = through(&dir, "localhost", port, &trusted);
    assert!(page.is_empty(), "{page}");
    assert!(
        lines.contains("asks for a client certificate: give one with --client-cert FILE"),
        "{lines}"
    );
    let with_cert = [
        &trusted[..],
        &[
            "--client-cert",
            "client.pem",
            "--client-key",
            "client-key.pem",
        ],
    ]
    .concat();
    let (_, page, _) = through(&dir, "localhost", port, &with_cert);
    assert!(page.contains("TLSv1.3"), "{page}");
}

#[test]
fn alpn_offers_what_it_is_told_and_a_server_that_wants_another_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let dir = files(dir.path());
    let (port, _server) = s_server(&dir, &["-alpn", "h2"]);
    let trusted = ["--target-tls", "--target-ca", "ca.pem"];
    let (_, page, _) = through(&dir, "localhost", port, &trusted);
    assert!(
        page.contains("TLSv1.3"),
        "no ALPN offered, none needed: {page}"
    );
    let offered = [&trusted[..], &["--target-alpn", "http/1.1"]].concat();
    let (_, page, lines) = through(&dir, "localhost", port, &offered);
    assert!(page.is_empty(), "{page}");
    assert!(lines.contains("refused the handshake"), "{lines}");
}

#[test]
fn tls_flags_without_target_tls_and_unusable_files_are_one_line_errors() {
    fails(
        &["0", "localhost", "443", "--insecure"],
        "--insecure goes with --target-tls (or --decrypt-tls in proxy mode)",
    );
    fails(
        &["0", "localhost", "443", "--target-ca", "ca.pem"],
        "--target-ca goes with --target-tls",
    );
    fails(
        &[
            "0",
            "localhost",
            "443",
            "--target-tls",
            "--client-key",
            "k.pem",
        ],
        "--client-key goes with --client-cert",
    );
    fails(
        &[
            "0",
            "localhost",
            "443",
            "--target-tls",
            "--target-ca",
            "/no/such/ca.pem",
        ],
        "--target-ca /no/such/ca.pem",
    );
    fails(
        &["--proxy", "0", "--target-tls"],
        "TLS to the target works in forward mode",
    );
    fails(
        &["0", "localhost", "443", "--decrypt-tls"],
        "decrypting HTTPS works in proxy mode",
    );
}

/// The CLI started in `dir` with `args`, its local CA in `dir/config`; the CLI, its stdout,
/// its port, and the CA's certificate, with which `curl_args` (curl's own, then the URL) are
/// fetched: the page.
fn fetch_through_ca(
    dir: &Path,
    args: &[&str],
    curl_args: &[String],
) -> (
    Guard,
    std::io::BufReader<std::process::ChildStdout>,
    PathBuf,
    String,
) {
    let config_home = dir.join("config");
    let mut command = cli();
    command
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", &config_home)
        // Used when no --keylog is given, as Wireshark users set it.
        .env("SSLKEYLOGFILE", dir.join("env-keys.log"))
        .args(args);
    let (guard, out, relay, _) = start_command(&mut command);
    let ca = config_home.join("org.tcpmon.desktop/ca/ca.pem");
    let curl_args: Vec<String> = curl_args
        .iter()
        .map(|a| a.replace("{relay}", &relay.to_string()))
        .collect();
    let page = Command::new("curl")
        .args(["-s", "--max-time", "20", "--cacert"])
        .arg(&ca)
        .args(&curl_args)
        .output()
        .unwrap()
        .stdout;
    (guard, out, ca, String::from_utf8_lossy(&page).into_owned())
}

#[test]
fn a_tls_listener_in_front_of_a_tls_target_with_the_ca_its_clients_trust() {
    let dir = tempfile::tempdir().unwrap();
    let dir = files(dir.path());
    let (port, _server) = s_server(&dir, &[]);
    let port_text = port.to_string();
    let args = ["0", "localhost", &port_text, "--listen-tls", "--target-tls"];
    let args = [
        &args[..],
        &["--target-ca", "ca.pem", "--keylog", "keys.log"],
    ]
    .concat();
    let url = "https://localhost:{relay}/".to_string();
    let (guard, out, ca, page) = fetch_through_ca(&dir, &args, &[url]);
    assert!(page.contains("TLSv1.3"), "{page}");
    let (_, lines, err) = terminate(guard, out);
    assert!(
        err.contains(&format!("they must trust TCPMon's CA {}", ca.display())),
        "{err}"
    );
    let exchange = format!(" tls=1.3 -> localhost:{port} tls=1.3 GET https://localhost:");
    assert!(lines.contains(&exchange), "{lines}");
    // Both legs' secrets, for Wireshark: two TLS 1.3 sessions, two client randoms.
    let keys = std::fs::read_to_string(dir.join("keys.log")).unwrap();
    assert_eq!(sessions_logged(&keys), 2, "{keys}");
    assert!(
        !dir.join("env-keys.log").exists(),
        "--keylog wins over SSLKEYLOGFILE"
    );
}

/// How many TLS 1.3 sessions (client randoms) a key log holds secrets of.
fn sessions_logged(keys: &str) -> usize {
    let randoms: std::collections::HashSet<&str> = keys
        .lines()
        .filter(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 "))
        .filter_map(|l| l.split(' ').nth(1))
        .collect();
    randoms.len()
}

#[test]
fn a_decrypting_proxy_shows_https_in_clear_to_a_client_that_trusts_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let dir = files(dir.path());
    let (port, _server) = s_server(&dir, &[]);
    let args = ["--proxy", "0", "--decrypt-tls", "--target-ca", "ca.pem"];
    let curl_args = [
        "-x".to_string(),
        "http://127.0.0.1:{relay}".to_string(),
        format!("https://localhost:{port}/"),
    ];
    let (guard, out, _, page) = fetch_through_ca(&dir, &args, &curl_args);
    assert!(page.contains("TLSv1.3"), "{page}");
    let (_, lines, _) = terminate(guard, out);
    let exchange = format!(" tls=1.3 GET https://localhost:{port}/ \"200 ok\"");
    assert!(lines.contains(&exchange), "{lines}");
    // SSLKEYLOGFILE: both legs of the decrypted tunnel.
    let keys = std::fs::read_to_string(dir.join("env-keys.log")).unwrap();
    assert_eq!(sessions_logged(&keys), 2, "{keys}");
}

#[test]
fn hosts_not_to_decrypt_pass_through_and_patterns_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let dir = files(dir.path());
    let (port, _server) = s_server(&dir, &[]);
    let args = ["--proxy", "0", "--decrypt-tls", "--target-ca", "ca.pem"];
    let args = [
        &args[..],
        &["--no-decrypt", "*.example", "--no-decrypt", "LOCAL*"],
    ]
    .concat();
    // The client trusts the origin's CA only: the origin's own certificate must reach it.
    let origin_ca = dir.join("ca.pem").display().to_string();
    let curl_args = [
        "--cacert".to_string(),
        origin_ca,
        "-x".to_string(),
        "http://127.0.0.1:{relay}".to_string(),
        format!("https://localhost:{port}/"),
    ];
    let (guard, out, _, page) = fetch_through_ca(&dir, &args, &curl_args);
    assert!(page.contains("TLSv1.3"), "{page}");
    let (_, lines, _) = terminate(guard, out);
    assert!(
        lines.contains("(TLS to localhost (SNI), not decrypted)"),
        "{lines}"
    );
    assert!(!lines.contains("GET https://"), "not decrypted: {lines}");

    fails(
        &["--proxy", "0", "--no-decrypt", "*.example"],
        "hosts not to decrypt (--no-decrypt) go with decrypting HTTPS (--decrypt-tls)",
    );
    fails(
        &["--proxy", "0", "--decrypt-tls", "--no-decrypt", "[a-z]*"],
        "host pattern \"[a-z]*\" for --no-decrypt",
    );
}
