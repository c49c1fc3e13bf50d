//! The TLS leg towards a target: beside `dial` on the connection path. A dialled stream (direct
//! or through an upstream proxy's tunnel) is wrapped in a client TLS session; the pumps then
//! relay and record the plaintext.
//!
//! A listener's rustls configuration is built when it starts (so a missing `--target-ca` file
//! fails the start, not each connection) and kept per settings for its connections.

use crate::config::{HostPort, TargetTls};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::error::{Error, Result};
use crate::record::TlsFacts;
use rustls::ClientConfig;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A handshake that has not completed by then never will: the target speaks no TLS, or
/// waits for something else.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Client configurations by the settings they were built from (a handful per process).
fn configs() -> MutexGuard<'static, HashMap<TargetTls, Arc<ClientConfig>>> {
    static CONFIGS: LazyLock<Mutex<HashMap<TargetTls, Arc<ClientConfig>>>> =
        LazyLock::new(Mutex::default);
    CONFIGS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn settings(tls: &TargetTls) -> tcpmon_tls::client::TargetTls {
    tcpmon_tls::client::TargetTls {
        ca_files: tls.ca_files.iter().map(Into::into).collect(),
        insecure: tls.insecure,
        server_name: tls.server_name.clone(),
        client_cert: tls.client_cert.as_ref().map(Into::into),
        client_key: tls.client_key.as_ref().map(Into::into),
        alpn: tls.alpn.clone(),
    }
}

/// Builds (again) the configuration `tls` asks for: files are read now, at a listener's start.
pub(crate) fn prepare(tls: &TargetTls) -> Result<()> {
    let config =
        tcpmon_tls::client::client_config(&settings(tls)).map_err(|e| Error::Tls(e.to_string()))?;
    tcpmon_tls::client::server_name("localhost", tls.server_name.as_deref())
        .map_err(|e| Error::Tls(e.to_string()))?;
    configs().insert(tls.clone(), config);
    Ok(())
}

/// The configuration for `tls`, built on first use (a resend of a listener's connection).
fn config(tls: &TargetTls) -> std::result::Result<Arc<ClientConfig>, ConnectionError> {
    if let Some(config) = configs().get(tls) {
        return Ok(config.clone());
    }
    prepare(tls)
        .map_err(|e| ConnectionError::new(Side::Target, FailureKind::Tls, e.to_string()))?;
    configs()
        .get(tls)
        .cloned()
        .ok_or_else(|| ConnectionError::new(Side::Target, FailureKind::Tls, "no TLS settings"))
}

/// Opens TLS to `target` over `stream`, within [`HANDSHAKE_TIMEOUT`]; returns the session and
/// what it agreed on.
pub(crate) async fn connect(
    stream: TcpStream,
    target: &HostPort,
    tls: &TargetTls,
) -> std::result::Result<(TlsStream<TcpStream>, TlsFacts), ConnectionError> {
    let failed = |kind, what: String| ConnectionError::new(Side::Target, kind, what);
    let name = tcpmon_tls::client::server_name(&target.host, tls.server_name.as_deref())
        .map_err(|e| failed(FailureKind::Tls, e.to_string()))?;
    let connector = TlsConnector::from(config(tls)?);
    let handshake = connector.connect(name.clone(), stream);
    let session = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Err(_) => {
            let what = format!(
                "TLS with {target}: no handshake within {} s (does it speak TLS there?)",
                HANDSHAKE_TIMEOUT.as_secs()
            );
            return Err(failed(FailureKind::TimedOut, what));
        }
        Ok(Err(e)) => return Err(handshake_error(target, e)),
        Ok(Ok(session)) => session,
    };
    let (_, state) = session.get_ref();
    let version = match state.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "1.2".to_string(),
        other => format!("{other:?}"),
    };
    let facts = TlsFacts {
        version,
        cipher: state
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_default(),
        alpn: state
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        server_name: match name {
            rustls::pki_types::ServerName::DnsName(dns) => Some(dns.as_ref().to_string()),
            _ => None,
        },
        verified: !tls.insecure,
    };
    Ok((session, facts))
}

/// A failed handshake in words: a certificate problem names the way out.
fn handshake_error(target: &HostPort, error: std::io::Error) -> ConnectionError {
    match tcpmon_tls::client::tls_error(&error) {
        Some(e) => {
            let kind = match e {
                rustls::Error::InvalidCertificate(_) => FailureKind::Certificate,
                _ => FailureKind::Tls,
            };
            let words = tcpmon_tls::client::describe(e);
            ConnectionError::new(Side::Target, kind, format!("TLS with {target}: {words}"))
        }
        None => {
            let what = format!("TLS with {target}: the handshake failed");
            let error = ConnectionError::io(Side::Target, what, error);
            match error.kind() {
                // A target that closes on a ClientHello speaks no TLS there (or not ours).
                FailureKind::Closed | FailureKind::Reset | FailureKind::Other => {
                    ConnectionError::new(
                        Side::Target,
                        FailureKind::Tls,
                        format!("{}: it closed during the handshake", error.reason()),
                    )
                }
                _ => error,
            }
        }
    }
}
