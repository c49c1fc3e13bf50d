//! A decrypting proxy, origin first: the certificate a client gets carries the origin's names,
//! ALPN settles on what TCPMon follows, each side's certificate chain and trust is recorded,
//! an origin that fails is explained inside the client's TLS session, and hosts not to
//! decrypt pass through untouched. Real `openssl s_server` origins, curl and `s_client`
//! clients.

use crate::support::*;
use crate::tls::{ca, certificate, engine_with_ca, s_server};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use tcpmon_relay::{ConnectionRecord, Direction, Engine, ListenerConfig, TargetTls, Trust};

fn decrypting(tls: TargetTls) -> ListenerConfig {
    ListenerConfig {
        decrypt_tls: true,
        target_tls: Some(tls),
        ..ListenerConfig::http_proxy(0)
    }
}

/// curl through `proxy` to `url`, trusting `cacert`; then the finished connection.
async fn fetch(
    engine: &Engine,
    proxy: SocketAddr,
    cacert: &Path,
    url: &str,
) -> (bool, Vec<u8>, ConnectionRecord) {
    let via = format!("http://{proxy}");
    let (ok, body) = curl(&["-x", &via, "--cacert", &cacert.display().to_string(), url]).await;
    let all = connections(engine, 1).await;
    let last = all.last().unwrap().id;
    (ok, body, finished(engine, last).await)
}

/// `openssl x509 -fingerprint -sha256` of a PEM certificate, as `AB:CD:...`.
fn openssl_fingerprint(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim().rsplit_once('=').unwrap().1.to_string()
}

#[tokio::test]
async fn the_client_gets_a_certificate_with_the_origins_names_and_both_chains_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost,DNS:alt.test,IP:127.0.0.1");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine_with_ca(dir.path());
    let proxy = listen(&engine, decrypting(ca(&cert))).await;
    let tcpmon_ca = dir.path().join("ca/ca.pem");
    let url = format!("https://localhost:{}/", server.port());
    let (ok, _, record) = fetch(&engine, proxy, &tcpmon_ca, &url).await;
    assert!(ok);

    let client = record.client_tls.expect("client facts");
    assert_eq!(client.trust, Some(Trust::LocalCa));
    let [leaf, issuer] = client.chain.as_slice() else {
        panic!("TCPMon's leaf and its CA: {:?}", client.chain);
    };
    assert_eq!(leaf.names, ["localhost", "alt.test", "127.0.0.1"]);
    assert_eq!(leaf.issuer, issuer.subject);
    assert_eq!(issuer.sha256, openssl_fingerprint(&tcpmon_ca));

    let origin = record.target_tls.expect("origin facts");
    assert_eq!(origin.trust, Some(Trust::TargetCa));
    let leaf = &origin.chain[0];
    assert_eq!(leaf.subject, "CN=tcpmon test");
    assert_eq!(leaf.sha256, openssl_fingerprint(&cert));
    assert!(leaf.not_before < leaf.not_after, "{leaf:?}");
}

#[tokio::test]
async fn alpn_settles_on_the_origins_pick_from_the_clients_offer() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    // The client offers h2 and http/1.1; an origin that speaks only HTTP/1.1 picks that, and
    // the client is told the same. (An HTTP/2 origin: tests/clients/http2.test.mjs.)
    let (server, _s) = s_server(&cert, &key, &["-alpn", "http/1.1"]).await;
    let engine = engine_with_ca(dir.path());
    let proxy = listen(&engine, decrypting(ca(&cert))).await;
    let via = format!("http://{proxy}");
    let tcpmon_ca = dir.path().join("ca/ca.pem").display().to_string();
    let url = format!("https://localhost:{}/", server.port());
    let (ok, body) = curl(&["--http2", "-x", &via, "--cacert", &tcpmon_ca, &url]).await;
    assert!(ok && String::from_utf8_lossy(&body).contains("TLSv1.3"));
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    let alpn = |facts: Option<Box<tcpmon_relay::TlsFacts>>| facts.expect("facts").alpn;
    assert_eq!(alpn(record.target_tls.clone()).as_deref(), Some("http/1.1"));
    assert_eq!(alpn(record.client_tls.clone()).as_deref(), Some("http/1.1"));
    assert_eq!(
        record.exchanges.len(),
        2,
        "the CONNECT and the GET, in clear"
    );
}

#[tokio::test]
async fn another_alpn_protocol_is_relayed_decrypted_as_a_raw_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &["-alpn", "postgresql"]).await;
    let engine = engine_with_ca(dir.path());
    let proxy = listen(&engine, decrypting(ca(&cert))).await;
    let tcpmon_ca = dir.path().join("ca/ca.pem");
    let mut client = Command::new("openssl")
        .args(["s_client", "-proxy", &proxy.to_string()])
        .args(["-connect", &format!("localhost:{}", server.port())])
        .args([
            "-servername",
            "localhost",
            "-alpn",
            "postgresql",
            "-ign_eof",
        ])
        .arg("-CAfile")
        .arg(&tcpmon_ca)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    client
        .stdin
        .take()
        .unwrap()
        .write_all(b"GET /raw HTTP/1.0\r\n\r\n")
        .unwrap();
    let out = within(tokio::task::spawn_blocking(move || {
        client.wait_with_output()
    }))
    .await
    .unwrap()
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("ALPN protocol: postgresql"), "{said}");
    assert!(said.contains("Verify return code: 0"), "{said}");
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    assert_eq!(
        record.exchanges.len(),
        1,
        "the CONNECT only: no HTTP is followed"
    );
    let sent = engine
        .store()
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    let sent = String::from_utf8_lossy(&sent);
    assert!(
        sent.contains("GET /raw HTTP/1.0"),
        "the plaintext is captured: {sent}"
    );
}

#[tokio::test]
async fn an_origin_that_fails_is_explained_to_the_client_inside_its_session() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine_with_ca(dir.path());
    // No --target-ca: the origin's self-signed certificate is not trusted.
    let proxy = listen(&engine, decrypting(TargetTls::default())).await;
    let tcpmon_ca = dir.path().join("ca/ca.pem");
    let url = format!("https://localhost:{}/", server.port());
    let (_, body, record) = fetch(&engine, proxy, &tcpmon_ca, &url).await;
    let page = String::from_utf8_lossy(&body);
    assert!(
        page.contains("--target-ca") && page.contains("--insecure"),
        "{page}"
    );
    let exchanges: Vec<_> = record.exchanges.iter().collect();
    assert_eq!(
        exchanges.len(),
        2,
        "the CONNECT, then the GET TCPMon answered"
    );
    assert_eq!(exchanges[1].status, Some(502));
    assert!(reason(&record.state).contains("--target-ca"));
    assert_eq!(
        record.client_tls.expect("facts").trust,
        Some(Trust::LocalCa)
    );
}

#[tokio::test]
async fn hosts_not_to_decrypt_pass_through_by_sni_or_connect_host() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost,IP:127.0.0.1");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine_with_ca(dir.path());
    let config = ListenerConfig {
        no_decrypt: vec!["LOCAL*".into(), "127.0.0.*".into()],
        ..decrypting(ca(&cert))
    };
    let proxy = listen(&engine, config).await;
    for host in ["localhost", "127.0.0.1"] {
        // Trusting the origin's own certificate only: it must reach the client untouched.
        let url = format!("https://{host}:{}/", server.port());
        let (ok, body, record) = fetch(&engine, proxy, &cert, &url).await;
        assert!(
            ok && String::from_utf8_lossy(&body).contains("TLSv1.3"),
            "{host}"
        );
        assert_eq!(record.client_tls, None, "{host}: not decrypted");
        assert_eq!(record.exchanges.len(), 1, "{host}: one raw tunnel");
    }
}

#[tokio::test]
async fn a_host_passed_through_by_its_sni_keeps_its_client_hello_in_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "DNS:localhost");
    let (server, _s) = s_server(&cert, &key, &[]).await;
    let engine = engine_with_ca(dir.path());
    let config = ListenerConfig {
        no_decrypt: vec!["localhost".into()],
        ..decrypting(ca(&cert))
    };
    let proxy = listen(&engine, config).await;
    // CONNECT to the address (no match), SNI localhost (a match): the hello decides.
    let port = server.port();
    let (ok, body) = curl(&[
        "-x",
        &format!("http://{proxy}"),
        "--connect-to",
        &format!("localhost:{port}:127.0.0.1:{port}"),
        "--cacert",
        &cert.display().to_string(),
        &format!("https://localhost:{port}/"),
    ])
    .await;
    assert!(ok && String::from_utf8_lossy(&body).contains("TLSv1.3"));
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    assert_eq!(record.client_tls, None, "not decrypted");
    let connect = record.exchanges.get(0).unwrap();
    assert_eq!(connect.target, format!("127.0.0.1:{port}"));
    assert_eq!(
        connect.note(),
        Some("TLS to localhost (SNI), not decrypted"),
        "the ClientHello is in the capture"
    );
}
