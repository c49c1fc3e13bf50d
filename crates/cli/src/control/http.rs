//! The control API's HTTP/1.1: one request per connection, read with TCPMon's own HTTP/1
//! parser (the one the relay follows traffic with), answered with `Connection: close`.

use serde::Serialize;
use std::future::Future;
use tcpmon_inspect::http1::{Framing, parse_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest request head read.
const MAX_HEAD: usize = 64 << 10;
/// Largest request body read (the API's bodies are small JSON documents).
const MAX_BODY: u64 = 1 << 20;

/// A request to the API.
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The target's path, without its query.
    pub path: String,
    authorization: Option<String>,
    /// The body, as long as its Content-Length said.
    pub body: Vec<u8>,
}

impl Request {
    /// The token of an `Authorization: Bearer TOKEN` field.
    pub fn bearer(&self) -> Option<&str> {
        self.authorization.as_deref()?.strip_prefix("Bearer ")
    }
}

/// An answer.
pub struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    /// `value` as JSON.
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec_pretty(value).unwrap_or_default();
        Self::bytes(status, "application/json", body)
    }

    /// Bytes of a type.
    pub fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            body,
        }
    }

    /// No body.
    pub fn empty(status: u16) -> Self {
        Self::bytes(status, "text/plain", Vec::new())
    }

    /// `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Self {
        Self::json(status, &serde_json::json!({ "error": message }))
    }

    fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            411 => "Length Required",
            413 => "Content Too Large",
            431 => "Request Header Fields Too Large",
            _ => "",
        }
    }
}

/// Reads one request from `stream`, answers it with `answer`, and closes.
pub async fn serve<F, Fut>(mut stream: TcpStream, answer: F)
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let response = match read(&mut stream).await {
        Ok(Some(request)) => answer(request).await,
        Ok(None) => return,
        Err(refused) => refused,
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        response.reason(),
        response.content_type,
        response.body.len()
    );
    // A client that left needs no answer.
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&response.body).await;
    let _ = stream.shutdown().await;
}

/// The request on `stream`; `None` when the client closed before sending one.
async fn read(stream: &mut TcpStream) -> Result<Option<Request>, Response> {
    let mut bytes = Vec::new();
    let cut = |_| Response::error(400, "the connection failed inside the request");
    let head = loop {
        match parse_request(&bytes) {
            Ok(Some(head)) => break head,
            Ok(None) if bytes.len() > MAX_HEAD => {
                return Err(Response::error(431, "a request head over 64 KiB"));
            }
            Ok(None) => {}
            Err(e) => return Err(Response::error(400, &e.to_string())),
        }
        if read_more(stream, &mut bytes).await.map_err(cut)? == 0 {
            return Ok(None);
        }
    };
    let length = match Framing::for_request(&head) {
        Ok(Framing::Length(n)) if n > MAX_BODY => {
            return Err(Response::error(413, "a body over 1 MiB"));
        }
        Ok(Framing::Length(n)) => n as usize,
        Ok(_) => return Err(Response::error(411, "send the body with a Content-Length")),
        Err(e) => return Err(Response::error(400, &e.to_string())),
    };
    let mut body = bytes.split_off(head.head.len);
    while body.len() < length {
        if read_more(stream, &mut body).await.map_err(cut)? == 0 {
            return Err(Response::error(
                400,
                "the body ended before its Content-Length",
            ));
        }
    }
    body.truncate(length);
    let authorization = head.head.header("authorization");
    Ok(Some(Request {
        path: head
            .target
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string(),
        method: head.method,
        authorization: authorization.map(|v| String::from_utf8_lossy(v).into_owned()),
        body,
    }))
}

async fn read_more(stream: &mut TcpStream, into: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    into.extend_from_slice(&chunk[..n]);
    Ok(n)
}
