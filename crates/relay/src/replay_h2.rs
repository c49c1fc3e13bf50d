//! Resend of an HTTP/2 stream: its request as TCPMon shows it (`GET http://host/path HTTP/2.0`
//! and its fields, as captured or as the user edited it) sent by a real HTTP/2 client (the `h2`
//! crate: SETTINGS, HPACK, flow control) over a new connection through the listener, so the
//! capture shows a new HTTP/2 exchange and its answer. gRPC servers speak nothing else.

use crate::error::{Error, Result};
use bytes::Bytes;
use std::time::Duration;
use tcpmon_inspect::http1::parse_request;
use tokio::io::DuplexStream;

/// Fields of HTTP/1's connection management, which HTTP/2 forbids (RFC 9113 section 8.2.2);
/// `host` travels as the `:authority` of the URI instead.
const NOT_IN_HTTP2: [&str; 6] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// An HTTP/2 request ready to send: its head and its body.
pub(crate) struct Request {
    head: http::Request<()>,
    body: Bytes,
}

impl Request {
    /// The request `bytes` holds when it is an HTTP/2 stream's as TCPMon shows it; `Ok(None)`
    /// for any other request (sent as bytes), an error when its head cannot go in HTTP/2.
    pub(crate) fn read(bytes: &[u8]) -> Result<Option<Self>> {
        let Some(head) = parse_request(bytes).ok().flatten() else {
            return Ok(None);
        };
        if head.head.version != 2 {
            return Ok(None);
        }
        let cannot = |why: String| Error::Resend(format!("the HTTP/2 request {why}"));
        let uri = if head.target.contains("://") {
            head.target.clone()
        } else {
            let host = head
                .head
                .header("host")
                .ok_or_else(|| cannot("has neither an absolute target nor a Host field".into()))?;
            format!("http://{}{}", String::from_utf8_lossy(host), head.target)
        };
        let mut builder = http::Request::builder()
            .method(head.method.as_str())
            .uri(uri)
            .version(http::Version::HTTP_2);
        for (name, value) in &head.head.headers {
            let lower = name.to_ascii_lowercase();
            let trailers_only = lower == "te" && !value.eq_ignore_ascii_case(b"trailers");
            if !NOT_IN_HTTP2.contains(&lower.as_str()) && !trailers_only {
                builder = builder.header(lower, value.as_slice());
            }
        }
        let head_part = builder
            .body(())
            .map_err(|e| cannot(format!("is not valid: {e}")))?;
        let body = Bytes::copy_from_slice(&bytes[head.head.len..]);
        Ok(Some(Self {
            head: head_part,
            body,
        }))
    }
}

/// Speaks HTTP/2 on `io` (the listener's side of a resend): sends `request`, reads its answer
/// to the end, then closes the connection with a GOAWAY; gives up after `wait`. Failures end
/// the connection, which the relay records.
pub(crate) async fn play(io: DuplexStream, request: Request, wait: Duration) {
    let talk = async move {
        let (client, connection) = h2::client::handshake(io).await?;
        let exchange = async move {
            let mut client = client.ready().await?;
            let end = request.body.is_empty();
            let (response, mut stream) = client.send_request(request.head, end)?;
            if !end {
                stream.send_data(request.body, true)?;
            }
            let mut body = response.await?.into_body();
            while let Some(chunk) = body.data().await {
                let chunk = chunk?;
                let _ = body.flow_control().release_capacity(chunk.len());
            }
            body.trailers().await?;
            // The client's handles drop here: the connection says GOAWAY and ends.
            Ok::<(), h2::Error>(())
        };
        let (exchanged, closed) = tokio::join!(exchange, connection);
        exchanged.and(closed)
    };
    let _ = tokio::time::timeout(wait, talk).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_http2_request_becomes_one_to_send() {
        let shown = b"POST http://api.test:8080/v1/items?x=1 HTTP/2.0\r\ncontent-type: application/json\r\n\
            connection: close\r\nte: trailers\r\n\r\n{\"a\":1}";
        let request = Request::read(shown).unwrap().expect("an HTTP/2 request");
        assert_eq!(request.head.method(), "POST");
        assert_eq!(request.head.uri(), "http://api.test:8080/v1/items?x=1");
        let names: Vec<_> = request.head.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["content-type", "te"]);
        assert_eq!(&request.body[..], b"{\"a\":1}");
        let edited = b"GET /path HTTP/2.0\r\nHost: h.test\r\n\r\n";
        let request = Request::read(edited).unwrap().expect("an HTTP/2 request");
        assert_eq!(request.head.uri(), "http://h.test/path");
        assert!(Request::read(b"GET / HTTP/1.1\r\n\r\n").unwrap().is_none());
        let nameless = Request::read(b"GET /path HTTP/2.0\r\n\r\n");
        assert!(nameless.is_err_and(|e| e.to_string().contains("Host")));
    }
}
