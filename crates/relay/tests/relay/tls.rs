//! TLS to the target: a plain-HTTP client, TCPMon speaking TLS to a real `openssl s_server`
//! whose certificate `openssl req` made, verified against `--target-ca`, refused without it
//! (with the way out in the reason), taken with `--insecure`, and every failure in words.

use crate::support::*;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tcpmon_relay::{ConnectionState, Engine, Error, HostPort, ListenerConfig, TargetTls};

/// A self-signed certificate for `names` (subjectAltName entries such as `DNS:localhost`).
fn certificate(dir: &Path, names: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-subj", "/CN=tcpmon test", "-days", "2"])
        .args(["-addext", &format!("subjectAltName={names}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl must be installed");
    assert!(status.success());
    (cert, key)
}

/// `openssl s_server -www` on a free loopback port: it answers a GET with a page about the
/// session.
async fn s_server(cert: &Path, key: &Path, extra: &[&str]) -> (SocketAddr, Process) {
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0", "-www", "-cert"])
        .arg(cert)
        .arg("-key")
        .arg(key)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl must be installed");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Reads on to the end, so the server never writes into a closed pipe.
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("ACCEPT ") {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(addr.parse::<SocketAddr>().expect("address"));
                }
            }
        }
    });
    let process = Process(child);
    let addr = within(rx).await.expect("s_server ended without accepting");
    (addr, process)
}

fn to_target(port: u16, host: &str, tls: TargetTls) -> ListenerConfig {
    ListenerConfig {
        target_tls: Some(tls),
        ..ListenerConfig::forward(0, HostPort::new(host, port))
    }
}

/// One plain HTTP GET through a listener of `config`; the finished connection's state and
/// TLS facts, and the body curl got.
async fn get_through(config: ListenerConfig) -> (tcpmon_relay::ConnectionRecord, Vec<u8>) {
    let engine = engine();
    let relay = listen(&engine, config).await;
    let (_, body) = curl(&[&format!("http://{relay}/")]).await;
    let record = connections(&engine, 1).await.remove(0);
    (finished(&engine, record.id).await, body)
}

fn ca(cert: &Path) -> TargetTls {
    TargetTls {
        ca_files: vec![cert.display().to_string()],
        ..TargetTls::default()
    }
}

#[tokio::test]
async fn a_target_verified_with_its_ca_is_relayed_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let (record, body) = get_through(to_target(server.port(), "localhost", ca(&cert))).await;
    let page = String::from_utf8_lossy(&body);
    assert!(page.contains("Protocol  : TLSv1.3"), "{page}");
    let facts = record.target_tls.expect("TLS facts");
    assert_eq!((facts.version.as_str(), facts.verified), ("1.3", true));
    assert_eq!(facts.server_name.as_deref(), Some("localhost"));
    assert!(facts.cipher.starts_with("TLS13_"), "{}", facts.cipher);
    assert_eq!(record.state, ConnectionState::Done);
    assert_eq!(
        record.exchanges.len(),
        1,
        "the plaintext is tracked as HTTP"
    );
}

#[tokio::test]
async fn an_unknown_issuer_is_refused_with_the_way_out_and_insecure_takes_it_visibly() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let target = |tls| to_target(server.port(), "localhost", tls);
    let (record, body) = get_through(target(TargetTls::default())).await;
    assert!(body.is_empty(), "nothing reaches the client");
    let ConnectionState::Failed { reason } = &record.state else {
        panic!("{:?}", record.state)
    };
    assert!(reason.contains("unknown issuer"), "{reason}");
    assert!(
        reason.contains("--target-ca FILE") && reason.contains("--insecure"),
        "{reason}"
    );
    assert_eq!(record.target_tls, None);

    let insecure = TargetTls {
        insecure: true,
        ..TargetTls::default()
    };
    let (record, body) = get_through(target(insecure)).await;
    assert!(String::from_utf8_lossy(&body).contains("TLSv1.3"));
    assert!(
        !record.target_tls.expect("TLS facts").verified,
        "marked insecure"
    );
}

#[tokio::test]
async fn an_address_target_is_verified_by_the_name_given_and_tls12_is_spoken() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &["-tls1_2"]).await;
    let by_address = |tls| to_target(server.port(), "127.0.0.1", tls);
    let (record, _) = get_through(by_address(ca(&cert))).await;
    let ConnectionState::Failed { reason } = &record.state else {
        panic!("{:?}", record.state)
    };
    assert!(reason.contains("not valid for that name"), "{reason}");
    assert!(reason.contains("--tls-server-name"), "{reason}");

    let named = TargetTls {
        server_name: Some("localhost".into()),
        ..ca(&cert)
    };
    let (record, body) = get_through(by_address(named)).await;
    assert!(String::from_utf8_lossy(&body).contains("TLSv1.2"));
    assert_eq!(record.target_tls.expect("TLS facts").version, "1.2");
}

#[tokio::test]
async fn a_target_that_speaks_no_tls_ends_its_connection_with_a_reason() {
    let plain = echo_server().await;
    let (record, _) = get_through(to_target(plain.port(), "127.0.0.1", TargetTls::default())).await;
    let ConnectionState::Failed { reason } = &record.state else {
        panic!("{:?}", record.state)
    };
    assert!(
        reason.starts_with(&format!("TLS with 127.0.0.1:{}", plain.port())),
        "{reason}"
    );
    assert!(reason.contains("does not speak TLS"), "{reason}");
}

#[tokio::test]
async fn unusable_tls_files_fail_the_listener_start_with_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let engine = Engine::new(Default::default()).unwrap();
    let tls = TargetTls {
        ca_files: vec![missing.display().to_string()],
        ..TargetTls::default()
    };
    let err = engine
        .add_listener(to_target(443, "localhost", tls))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("--target-ca") && text.contains("missing.pem"),
        "{text}"
    );
}

#[tokio::test]
async fn tls_runs_inside_an_upstream_proxys_tunnel() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let (proxy, _p, _d) = tinyproxy().await;
    let config = ListenerConfig {
        upstream_proxy: Some(HostPort::new("127.0.0.1", proxy.port())),
        ..to_target(server.port(), "localhost", ca(&cert))
    };
    let (record, body) = get_through(config).await;
    assert!(
        String::from_utf8_lossy(&body).contains("TLSv1.3"),
        "{:?}",
        record.state
    );
    assert_eq!(record.target_tls.expect("TLS facts").version, "1.3");
}
