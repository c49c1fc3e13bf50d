//! Reaching a target: directly, or through an upstream HTTP proxy with CONNECT.

use crate::config::HostPort;
use crate::error::{Error, Result};
use std::net::SocketAddr;
use std::time::Duration;
use tcpmon_inspect::http1::parse_response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest CONNECT response head accepted from an upstream proxy.
const MAX_PROXY_HEAD: usize = 64 * 1024;

/// A connection to the target, and any bytes the target already sent that arrived together with
/// the upstream proxy's answer (a server-first greeting can).
pub(crate) struct Dialed {
    pub stream: TcpStream,
    pub early: Vec<u8>,
}

/// Opens a TCP connection to `to` within `timeout`.
pub(crate) async fn connect(to: &HostPort, timeout: Duration) -> Result<TcpStream> {
    connect_to(to, None, timeout).await
}

/// Opens a TCP connection to `to` within `timeout`, at `resolved` when its addresses are known
/// already (checked ones: resolving again could give others).
pub(crate) async fn connect_to(
    to: &HostPort,
    resolved: Option<&[SocketAddr]>,
    timeout: Duration,
) -> Result<TcpStream> {
    let failed = |reason: String| Error::Connect {
        target: to.to_string(),
        reason,
    };
    let connect = async {
        match resolved {
            Some(addrs) => TcpStream::connect(addrs).await,
            None => TcpStream::connect((to.host.as_str(), to.port)).await,
        }
    };
    let stream = tokio::time::timeout(timeout, connect)
        .await
        .map_err(|_| failed(format!("no answer within {} ms", timeout.as_millis())))?
        .map_err(|e| failed(e.to_string()))?;
    // Relayed writes keep the client's timing; Nagle would add latency to every small reply.
    stream
        .set_nodelay(true)
        .map_err(|e| failed(e.to_string()))?;
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
            stream: connect(target, timeout).await?,
            early: Vec::new(),
        });
    };
    let tunnel = async {
        let mut stream = connect(proxy, timeout).await?;
        let failed = |reason: String| Error::Connect {
            target: format!("{target} via proxy {proxy}"),
            reason,
        };
        let request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut buf = Vec::with_capacity(1024);
        loop {
            if stream
                .read_buf(&mut buf)
                .await
                .map_err(|e| failed(e.to_string()))?
                == 0
            {
                return Err(failed("the proxy closed the connection".into()));
            }
            match parse_response(&buf) {
                Ok(Some(head)) if (200..300).contains(&head.status) => {
                    buf.drain(..head.head.len);
                    return Ok(Dialed { stream, early: buf });
                }
                Ok(Some(head)) => {
                    return Err(failed(format!(
                        "the proxy answered {} {}",
                        head.status, head.reason
                    )));
                }
                Ok(None) if buf.len() < MAX_PROXY_HEAD => {}
                Ok(None) => return Err(failed("the proxy's answer has no end".into())),
                Err(e) => return Err(failed(format!("the proxy's answer is not HTTP: {e}"))),
            }
        }
    };
    tokio::time::timeout(timeout, tunnel)
        .await
        .map_err(|_| Error::Connect {
            target: format!("{target} via proxy {proxy}"),
            reason: format!("no tunnel within {} ms", timeout.as_millis()),
        })?
}
