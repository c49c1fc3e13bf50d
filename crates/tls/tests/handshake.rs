//! Real handshakes against a tokio-rustls server presenting the local CA's leaves: curl and
//! `openssl s_client` as clients, trusting only the CA file, and `openssl` reading what they
//! were given.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use tcpmon_tls::ca::Ca;
use tcpmon_tls::leaf::Leaves;
use tcpmon_tls::server::{IssuingResolver, server_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A TLS server answering every request with `ok`, on 127.0.0.1; returns its port.
async fn serve(leaves: Arc<Leaves>, alpn: &[&str]) -> u16 {
    let fallback = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let resolver = Arc::new(IssuingResolver::new(leaves, fallback).unwrap());
    let alpn: Vec<String> = alpn.iter().map(|p| p.to_string()).collect();
    let acceptor = TlsAcceptor::from(server_config(resolver, &alpn).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that gives up on the handshake is no failure of this server.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                let _ = tls.write_all(reply).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn setup() -> (tempfile::TempDir, PathBuf, Arc<Leaves>) {
    let config = tempfile::tempdir().unwrap();
    let ca = Ca::load_or_create(&config.path().join("ca")).unwrap();
    let ca_file = ca.cert_path();
    (config, ca_file, Arc::new(Leaves::new(ca).unwrap()))
}

/// Runs a command to its end off the runtime's threads; returns (success, stdout + stderr).
async fn run(program: &str, args: Vec<String>) -> (bool, String) {
    let program = program.to_string();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(&program)
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    })
    .await
    .unwrap()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

async fn curl(ca: &Path, port: u16, host: &str, extra: &[&str]) -> (bool, String) {
    let mut args = strings(&["-sS", "--max-time", "20", "--cacert"]);
    args.push(ca.display().to_string());
    args.extend(strings(&["--resolve", &format!("{host}:{port}:127.0.0.1")]));
    args.extend(strings(extra));
    args.push(format!("https://{host}:{port}/"));
    run("curl", args).await
}

#[tokio::test(flavor = "multi_thread")]
async fn curl_trusting_only_the_ca_accepts_the_leaf_for_sni_names_localhost_and_an_ip() {
    let (_config, ca, leaves) = setup();
    let port = serve(leaves, &["http/1.1"]).await;
    for host in ["localhost", "a.test", "127.0.0.1"] {
        assert_eq!(
            curl(&ca, port, host, &[]).await,
            (true, "ok".into()),
            "{host}"
        );
    }
    let tls12 = curl(&ca, port, "b.test", &["--tlsv1.2", "--tls-max", "1.2"]).await;
    assert_eq!(tls12, (true, "ok".into()), "TLS 1.2");
    // A name the certificate is not for: 127.0.0.2 sends no SNI and gets the fallback.
    let (ok, said) = curl(&ca, port, "127.0.0.2", &[]).await;
    assert!(!ok && said.contains("certificate"), "{said}");
}

/// The leaf `openssl s_client` receives, and everything it printed.
async fn s_client(port: u16, extra: &[&str]) -> (String, String) {
    let mut args = strings(&["s_client", "-connect", &format!("127.0.0.1:{port}")]);
    args.extend(strings(extra));
    let (_, said) = run("openssl", args).await;
    let begin = said.find("-----BEGIN CERTIFICATE-----").expect(&said);
    let end = said.find("-----END CERTIFICATE-----").unwrap() + 25;
    (said[begin..end].to_string() + "\n", said)
}

#[tokio::test(flavor = "multi_thread")]
async fn s_client_gets_the_san_it_asked_for_a_chain_openssl_verify_accepts_and_alpn() {
    let (config, ca, leaves) = setup();
    let port = serve(leaves, &["http/1.1"]).await;
    let ca_arg = ca.display().to_string();
    let (leaf, said) = s_client(
        port,
        &[
            "-servername",
            "a.test",
            "-CAfile",
            &ca_arg,
            "-verify_hostname",
            "a.test",
            "-alpn",
            "h2,http/1.1",
        ],
    )
    .await;
    assert!(said.contains("Verify return code: 0 (ok)"), "{said}");
    assert!(said.contains("ALPN protocol: http/1.1"), "{said}");
    let leaf_file = config.path().join("leaf.pem");
    std::fs::write(&leaf_file, &leaf).unwrap();
    let leaf_arg = leaf_file.display().to_string();
    let (_, san) = run(
        "openssl",
        strings(&["x509", "-noout", "-ext", "subjectAltName", "-in", &leaf_arg]),
    )
    .await;
    assert!(san.trim_end().ends_with("DNS:a.test"), "{san}");
    // -x509_strict: the extensions strict clients (Java among them) insist on are there.
    let verify = run(
        "openssl",
        strings(&["verify", "-x509_strict", "-CAfile", &ca_arg, &leaf_arg]),
    )
    .await;
    assert_eq!(verify, (true, format!("{leaf_arg}: OK\n")));

    let (leaf, _) = s_client(port, &["-noservername"]).await;
    std::fs::write(&leaf_file, &leaf).unwrap();
    let (_, san) = run(
        "openssl",
        strings(&["x509", "-noout", "-ext", "subjectAltName", "-in", &leaf_arg]),
    )
    .await;
    assert!(
        san.contains("DNS:localhost, IP Address:127.0.0.1"),
        "without SNI, the fallback names: {san}"
    );
}
