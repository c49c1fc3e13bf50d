//! Reaching a target: directly, or through an upstream HTTP proxy with CONNECT.

use crate::config::HostPort;
use crate::conn_error::{ConnectionError, FailureKind, Side};
use std::net::SocketAddr;
use std::time::Duration;
use tcpmon_inspect::http1::parse_response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Largest CONNECT response head accepted from an upstream proxy.
const MAX_PROXY_HEAD: usize = 64 * 1024;

/// What dialling gives: a connection, or why `side` could not be reached.
type Result<T> = std::result::Result<T, ConnectionError>;

/// A connection to the target, and any bytes the target already sent that arrived together with
/// the upstream proxy's answer (a server-first greeting can).
pub(crate) struct Dialed {
    pub stream: TcpStream,
    pub early: Vec<u8>,
}

/// The addresses `to` resolves to, within `timeout`; at least one. The one resolving rule of
/// the engine: a listener's start, the loopback guard and every dial ask it.
pub(crate) async fn resolve(
    to: &HostPort,
    side: Side,
    timeout: Duration,
) -> Result<Vec<SocketAddr>> {
    let failed = |why: &str| {
        ConnectionError::new(
            side,
            FailureKind::Resolve,
            format!("cannot resolve {}: {why}", to.host),
        )
    };
    let lookup = tokio::net::lookup_host((to.host.as_str(), to.port));
    let addrs: Vec<SocketAddr> = tokio::time::timeout(timeout, lookup)
        .await
        .map_err(|_| failed("the resolver did not answer in time"))?
        .map_err(|e| ConnectionError::resolving(side, &to.host, e))?
        .collect();
    if addrs.is_empty() {
        return Err(failed("no addresses"));
    }
    Ok(addrs)
}

/// Opens a TCP connection to `to` (which is `side`) within `timeout`.
pub(crate) async fn connect(to: &HostPort, side: Side, timeout: Duration) -> Result<TcpStream> {
    connect_to(to, side, None, timeout).await
}

/// Opens a TCP connection to `to` (which is `side`) within `timeout`, at `resolved` when its
/// addresses are known already (checked ones: resolving again could give others).
pub(crate) async fn connect_to(
    to: &HostPort,
    side: Side,
    resolved: Option<&[SocketAddr]>,
    timeout: Duration,
) -> Result<TcpStream> {
    let deadline = Instant::now() + timeout;
    let addrs = match resolved {
        Some(addrs) => addrs.to_vec(),
        None => resolve(to, side, timeout).await?,
    };
    let what = format!("cannot connect to {to}");
    let stream = tokio::time::timeout_at(deadline, TcpStream::connect(&addrs[..]))
        .await
        .map_err(|_| {
            let why = format!("no answer within {} ms", timeout.as_millis());
            ConnectionError::new(side, FailureKind::TimedOut, format!("{what}: {why}"))
        })?
        .map_err(|e| ConnectionError::io(side, what.clone(), e))?;
    // Relayed writes keep the client's timing; Nagle would add latency to every small reply.
    stream
        .set_nodelay(true)
        .map_err(|e| ConnectionError::io(side, what, e))?;
    Ok(stream)
}

/// Connects to `target`, through `via` (an HTTP proxy, with CONNECT) when given.
pub(crate) async fn dial(
    target: &HostPort,
    via: Option<&HostPort>,
    timeout: Duration,
) -> Result<Dialed> {
    let Some(proxy) = via else {
        return Ok(Dialed {
            stream: connect(target, Side::Target, timeout).await?,
            early: Vec::new(),
        });
    };
    let what = format!("cannot connect to {target} via proxy {proxy}");
    tokio::time::timeout(timeout, tunnel(target, proxy, timeout, &what))
        .await
        .map_err(|_| {
            let why = format!("no tunnel within {} ms", timeout.as_millis());
            ConnectionError::new(
                Side::UpstreamProxy,
                FailureKind::TimedOut,
                format!("{what}: {why}"),
            )
        })?
}

/// Asks `proxy` for a tunnel to `target`; `what` names the attempt in errors.
async fn tunnel(
    target: &HostPort,
    proxy: &HostPort,
    timeout: Duration,
    what: &str,
) -> Result<Dialed> {
    let side = Side::UpstreamProxy;
    let failed = |e| ConnectionError::io(side, what, e);
    let broke = |kind, why: String| ConnectionError::new(side, kind, format!("{what}: {why}"));
    let mut stream = connect(proxy, side, timeout).await?;
    let request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(failed)?;
    let mut buf = Vec::with_capacity(1024);
    loop {
        if stream.read_buf(&mut buf).await.map_err(failed)? == 0 {
            return Err(broke(
                FailureKind::Closed,
                "the proxy closed the connection".into(),
            ));
        }
        match parse_response(&buf) {
            Ok(Some(head)) if (200..300).contains(&head.status) => {
                buf.drain(..head.head.len);
                return Ok(Dialed { stream, early: buf });
            }
            Ok(Some(head)) => {
                let why = format!("the proxy answered {} {}", head.status, head.reason);
                return Err(broke(FailureKind::Refused, why));
            }
            Ok(None) if buf.len() < MAX_PROXY_HEAD => {}
            Ok(None) => {
                let why = "the proxy's answer has no end".into();
                return Err(broke(FailureKind::Protocol, why));
            }
            Err(e) => {
                let why = format!("the proxy's answer is not HTTP: {e}");
                return Err(broke(FailureKind::Protocol, why));
            }
        }
    }
}
