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
pub(crate) fn certificate(dir: &Path, names: &str) -> (PathBuf, PathBuf) {
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
pub(crate) async fn s_server(cert: &Path, key: &Path, extra: &[&str]) -> (SocketAddr, Process) {
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

pub(crate) fn ca(cert: &Path) -> TargetTls {
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
    let reason = reason(&record.state);
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
    let reason = reason(&record.state);
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
    let reason = reason(&record.state);
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

/// An engine whose local CA lives in `dir` (never the user's).
pub(crate) fn engine_with_ca(dir: &Path) -> Engine {
    Engine::new(tcpmon_relay::EngineOptions {
        capture_dir: None,
        ca_dir: Some(dir.join("ca")),
        ..Default::default()
    })
    .unwrap()
}

fn tls_listener(target: SocketAddr) -> ListenerConfig {
    ListenerConfig {
        listen_tls: true,
        ..ListenerConfig::forward(0, HostPort::new("127.0.0.1", target.port()))
    }
}

#[tokio::test]
async fn a_tls_listener_shows_a_certificate_its_clients_can_trust_by_name_or_address() {
    let dir = tempfile::tempdir().unwrap();
    let (origin, _nginx, _root) = nginx(&[("index.html", b"plain origin")]).await;
    let engine = engine_with_ca(dir.path());
    let relay = listen(&engine, tls_listener(origin)).await;
    let ca = dir.path().join("ca/ca.pem").display().to_string();
    let by_name = format!("https://localhost:{}/", relay.port());
    let (ok, body) = curl(&["--cacert", &ca, &by_name]).await;
    assert!(ok && body == b"plain origin", "{ok} {body:?}");
    let by_address = format!("https://127.0.0.1:{}/", relay.port());
    let (ok, _) = curl(&["--cacert", &ca, &by_address]).await;
    assert!(ok, "no SNI: the certificate names the bind address");
    let records = connections(&engine, 2).await;
    let first = finished(&engine, records[0].id).await;
    let facts = first.client_tls.expect("client TLS facts");
    assert_eq!(
        (facts.version.as_str(), facts.server_name.as_deref()),
        ("1.3", Some("localhost"))
    );
    assert_eq!(first.exchanges.len(), 1, "the plaintext is tracked as HTTP");
    let second = finished(&engine, records[1].id).await;
    assert_eq!(second.client_tls.expect("facts").server_name, None);
}

#[tokio::test]
async fn https_in_front_of_https() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine_with_ca(dir.path());
    let config = ListenerConfig {
        listen_tls: true,
        ..to_target(server.port(), "localhost", ca(&cert))
    };
    let relay = listen(&engine, config).await;
    let ca = dir.path().join("ca/ca.pem").display().to_string();
    let (ok, body) = curl(&[
        "--cacert",
        &ca,
        &format!("https://localhost:{}/", relay.port()),
    ])
    .await;
    assert!(ok && String::from_utf8_lossy(&body).contains("TLSv1.3"));
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    assert!(record.client_tls.is_some() && record.target_tls.is_some());
}

#[tokio::test]
async fn clients_that_fail_the_handshake_are_rows_that_say_why_and_the_listener_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (origin, _nginx, _root) = nginx(&[("index.html", b"ok")]).await;
    let engine = engine_with_ca(dir.path());
    let relay = listen(&engine, tls_listener(origin)).await;
    let url = format!("https://localhost:{}/", relay.port());
    let (ok, _) = curl(&[&url]).await;
    assert!(!ok, "curl does not trust TCPMon's CA by default");
    let (ok, _) = curl(&[&format!("http://localhost:{}/", relay.port())]).await;
    assert!(!ok);
    let ca = dir.path().join("ca/ca.pem").display().to_string();
    let (ok, _) = curl(&["--cacert", &ca, &url]).await;
    assert!(ok, "the listener carries on");
    let records = connections(&engine, 3).await;
    let reason_of = |i: usize| {
        let id = records[i].id;
        let engine = engine.clone();
        async move { reason(&finished(&engine, id).await.state).to_string() }
    };
    let untrusted = reason_of(0).await;
    assert!(
        untrusted.contains("does not trust TCPMon's CA"),
        "{untrusted}"
    );
    assert!(untrusted.contains("tcpmon-cli ca path"), "{untrusted}");
    let plain = reason_of(1).await;
    assert!(plain.contains("plain bytes to a TLS listener"), "{plain}");
}

#[tokio::test]
async fn a_proxy_names_an_encrypted_tunnel_by_the_sni_its_client_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine();
    let proxy = listen(&engine, ListenerConfig::http_proxy(0)).await;
    let cacert = cert.display().to_string();
    let url = format!("https://localhost:{}/", server.port());
    let (ok, body) = curl(&["-x", &format!("http://{proxy}"), "--cacert", &cacert, &url]).await;
    assert!(ok && String::from_utf8_lossy(&body).contains("TLSv1.3"));
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    let connect = record.exchanges.get(0).expect("the CONNECT");
    assert_eq!(
        connect.note(),
        Some("TLS to localhost (SNI), not decrypted")
    );
}

#[tokio::test]
async fn the_sender_speaks_tls_to_https_urls_and_resend_as_the_listener_did() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine();
    let composed = tcpmon_inspect::compose::Composed {
        method: "GET".into(),
        url: format!("https://localhost:{}/", server.port()),
        headers: Vec::new(),
        body: String::new(),
    };
    let prepared = tcpmon_inspect::compose::prepare(&composed).unwrap();
    let target = HostPort::new(prepared.host.as_str(), prepared.port);
    let id = engine.send(target, prepared.tls, prepared.bytes);
    let record = finished(&engine, id).await;
    let reason = reason(&record.state); // a self-signed server is not in the system's store
    assert!(
        reason.contains("TLS with localhost") && reason.contains("--target-ca"),
        "{reason}"
    );

    // A resend goes out as its listener's connections do: over TLS, trusted by its CA.
    let relay = listen(&engine, to_target(server.port(), "localhost", ca(&cert))).await;
    let (_, body) = curl(&[&format!("http://{relay}/")]).await;
    assert!(String::from_utf8_lossy(&body).contains("TLSv1.3"));
    let original = connections(&engine, 2).await[1].id;
    finished(&engine, original).await;
    let resent = engine
        .resend(
            original,
            b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec(),
        )
        .await
        .unwrap();
    let record = finished(&engine, resent).await;
    assert_eq!(record.target_tls.expect("TLS facts").version, "1.3");
}

#[tokio::test]
async fn a_decrypting_proxy_shows_https_exchanges_in_clear_and_leaves_other_tunnels_raw() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine_with_ca(dir.path());
    let config = ListenerConfig {
        decrypt_tls: true,
        target_tls: Some(ca(&cert)),
        ..ListenerConfig::http_proxy(0)
    };
    let proxy = listen(&engine, config).await;
    let tcpmon_ca = dir.path().join("ca/ca.pem").display().to_string();
    let url = format!("https://localhost:{}/", server.port());
    let via = format!("http://{proxy}");
    let (ok, body) = curl(&["-x", &via, "--cacert", &tcpmon_ca, &url]).await;
    assert!(
        ok && String::from_utf8_lossy(&body).contains("TLSv1.3"),
        "{ok}"
    );
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    let exchanges: Vec<_> = record.exchanges.iter().collect();
    assert_eq!(
        exchanges.len(),
        2,
        "the CONNECT, then the request inside it"
    );
    assert_eq!(exchanges[1].method, "GET");
    assert_eq!(exchanges[1].status, Some(200));
    assert_eq!(
        exchanges[1].url("-", record.client_tls.is_some()),
        format!("{url}")
    );
    assert_eq!(
        record
            .client_tls
            .expect("client facts")
            .server_name
            .as_deref(),
        Some("localhost")
    );
    assert!(record.target_tls.expect("origin facts").verified);

    // A tunnel whose client does not speak TLS stays a raw tunnel.
    let plain = echo_server().await;
    let mut stream = tokio::net::TcpStream::connect(proxy).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let connect = format!(
        "CONNECT 127.0.0.1:{0} HTTP/1.1\r\nHost: 127.0.0.1:{0}\r\n\r\n",
        plain.port()
    );
    stream.write_all(connect.as_bytes()).await.unwrap();
    let mut answer = vec![0; 39];
    within(stream.read_exact(&mut answer)).await.unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    stream.write_all(b"ping").await.unwrap();
    let mut echoed = [0; 4];
    within(stream.read_exact(&mut echoed)).await.unwrap();
    assert_eq!(&echoed, b"ping");
}
