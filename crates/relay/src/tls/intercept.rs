//! Decrypting a CONNECT tunnel whose client speaks TLS, origin first (as mitmproxy does): the
//! ClientHello is read and kept, not answered; a host the user wants left alone passes through
//! with every byte; otherwise TCPMon opens TLS to the origin offering what the client offered,
//! then answers the client with a certificate for the name it asked (plus the names the
//! origin's certificate covers) and the origin's ALPN pick. An origin that fails still gets the
//! client's handshake completed, so the client can be told why in a page inside its session.

use super::listen::{client_facts, decrypting, handshake};
use super::{Asked, HANDSHAKE_TIMEOUT, connect};
use crate::config::{HostPort, ListenerConfig};
use crate::conn::{Reader, Writer};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::record::TlsFacts;
use rustls::server::{Accepted, Acceptor};
use std::path::Path;
use tcpmon_tls::cert::MOST_ORIGIN_NAMES;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::StartHandshake;

/// The most a ClientHello may take before a tunnel is passed through unread (one with
/// post-quantum key shares is about 1.5 KiB; a record holds at most 16 KiB).
const MOST_HELLO: usize = 64 * 1024;

/// ALPN's names for HTTP/1.1 and HTTP/2, the protocols TCPMon follows inside a decrypted
/// tunnel (others are relayed and recorded as a decrypted stream).
const HTTP_1_1: &[u8] = b"http/1.1";
const H2: &[u8] = b"h2";

/// What became of a tunnel whose client's first byte was a TLS record.
pub(crate) enum Interception {
    /// Both sides decrypted.
    Decrypted(Decrypted),
    /// Left as it was: the host is one not to decrypt, or the bytes are no ClientHello that
    /// rustls reads. `early` holds every byte read from the client so far.
    PassThrough {
        client: (Reader, Writer),
        early: Vec<u8>,
        origin: TcpStream,
    },
    /// The origin could not be reached over TLS; the client's session is up to hear why.
    OriginFailed {
        client: (Reader, Writer),
        client_facts: TlsFacts,
        why: ConnectionError,
    },
}

/// A decrypted tunnel's two plaintext sides and what each handshake agreed on.
pub(crate) struct Decrypted {
    pub client: (Reader, Writer),
    pub origin: (Reader, Writer),
    pub client_facts: TlsFacts,
    pub origin_facts: TlsFacts,
    /// Whether the plaintext is HTTP/1 (ALPN settled on `http/1.1`, or nothing), which the
    /// tracker follows; any other protocol is relayed and shown as a raw, decrypted stream.
    pub http: bool,
}

/// Decrypts the tunnel to `target` (over `origin`, dialled) whose client has sent `early`
/// (at least its first byte, a TLS record's).
pub(crate) async fn intercept(
    (mut reader, writer): (Reader, Writer),
    mut early: Vec<u8>,
    origin: TcpStream,
    target: &HostPort,
    config: &ListenerConfig,
    ca_dir: Option<&Path>,
) -> Result<Interception, ConnectionError> {
    let (base, leaves) = decrypting(ca_dir)?;
    let hello =
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, read_hello(&mut reader, &mut early)).await {
            Err(_) => {
                let what = format!(
                    "no TLS ClientHello within {} s",
                    HANDSHAKE_TIMEOUT.as_secs()
                );
                return Err(ConnectionError::new(
                    Side::Client,
                    FailureKind::TimedOut,
                    what,
                ));
            }
            Ok(hello) => hello?,
        };
    let name = |accepted: &Accepted| {
        let asked = accepted.client_hello().server_name().map(str::to_string);
        asked.unwrap_or_else(|| target.host.clone())
    };
    let accepted = match hello {
        Some(accepted) if !config.passes_through(&name(&accepted)) => accepted,
        _ => {
            return Ok(Interception::PassThrough {
                client: (reader, writer),
                early,
                origin,
            });
        }
    };
    let hello = accepted.client_hello();
    let asked = hello.server_name().map(str::to_string);
    let offered: Vec<Vec<u8>> = hello
        .alpn()
        .map(|ids| ids.map(<[u8]>::to_vec).collect())
        .unwrap_or_default();
    let name = name(&accepted);
    let tls = config.target_tls.clone().unwrap_or_default();
    let offer = for_origin(&offered);
    let wanted = Asked {
        name: asked.as_deref(),
        alpn: Some(&offer),
    };
    let origin = connect(origin, target, wanted, &tls).await;
    let mut names = vec![name];
    let pick = match &origin {
        Ok((_, facts)) => {
            if let Some(leaf) = facts.chain.first() {
                // Names rcgen cannot issue for (not ASCII) would fail the whole tunnel.
                let usable = leaf.names.iter().filter(|n| n.is_ascii() && !n.is_empty());
                names.extend(usable.take(MOST_ORIGIN_NAMES).cloned());
            }
            facts.alpn.as_ref().map(|p| p.as_bytes().to_vec())
        }
        // The client is told why over HTTP/1.1, if it speaks it.
        Err(_) => offered.iter().find(|p| *p == HTTP_1_1).cloned(),
    };
    let certificate = leaves
        .certificate(&names)
        .map_err(|e| ConnectionError::new(Side::Client, FailureKind::Tls, e.to_string()))?;
    let server = tcpmon_tls::server::presenting(&base, certificate.clone(), pick.as_deref());
    let transport = tokio::io::join(reader, writer);
    let client =
        handshake(StartHandshake::from_parts(accepted, transport).into_stream(server)).await?;
    let client_facts = client_facts(client.get_ref().1, Some(&certificate));
    let client = super::halves(client);
    Ok(match origin {
        Err(why) => Interception::OriginFailed {
            client,
            client_facts,
            why,
        },
        Ok((origin, origin_facts)) => Interception::Decrypted(Decrypted {
            http: pick.as_deref().is_none_or(|p| p == HTTP_1_1 || p == H2),
            client,
            origin: super::halves(origin),
            client_facts,
            origin_facts,
        }),
    })
}

/// What to offer the origin: what the client offered (HTTP/2 and HTTP/1.1 are both followed),
/// less ALPN names that are not UTF-8.
fn for_origin(offered: &[Vec<u8>]) -> Vec<String> {
    offered
        .iter()
        .filter_map(|p| String::from_utf8(p.clone()).ok())
        .collect()
}

/// Reads the client's ClientHello, keeping every byte in `early` (a tunnel that is passed
/// through relays them). `None`: the client closed, or sent no ClientHello rustls reads.
async fn read_hello(
    reader: &mut Reader,
    early: &mut Vec<u8>,
) -> Result<Option<Accepted>, ConnectionError> {
    let mut acceptor = Acceptor::default();
    let mut fed = 0;
    loop {
        while fed < early.len() {
            match acceptor.read_tls(&mut &early[fed..]) {
                Ok(0) | Err(_) => return Ok(None),
                Ok(n) => fed += n,
            }
        }
        match acceptor.accept() {
            Ok(Some(accepted)) => return Ok(Some(accepted)),
            Ok(None) if early.len() < MOST_HELLO => {}
            Ok(None) | Err(_) => return Ok(None),
        }
        let n = reader
            .read_buf(early)
            .await
            .map_err(|e| ConnectionError::relaying(Side::Client, e))?;
        if n == 0 {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_offered_what_the_client_offered() {
        let offer = |ids: &[&str]| {
            for_origin(
                &ids.iter()
                    .map(|i| i.as_bytes().to_vec())
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(offer(&["h2", "http/1.1"]), ["h2", "http/1.1"]);
        assert_eq!(offer(&["h2"]), ["h2"]);
        assert_eq!(offer(&["postgresql"]), ["postgresql"]);
        assert!(offer(&[]).is_empty());
    }
}
