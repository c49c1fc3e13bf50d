//! HTTP Archive (HAR 1.2) export and import.
//!
//! [`write_har`] writes exchanges as a HAR file that passes `har-validator` and also keeps the
//! rules the schema cannot check:
//!
//! - `time` is the sum of the timings that are not `-1`, added in the order they are written
//!   (`blocked`, `dns`, `connect`, `ssl`, `send`, `wait`, `receive`), so a reader that adds them
//!   gets exactly `time`. No timing is negative except `-1` ("does not apply").
//! - `content.size` is the size of the body once chunked framing and content codings (gzip,
//!   deflate, br) are undone; `bodySize` is what the body took on the wire; `compression` is
//!   `size - bodySize` and is left out when that is 0 (it is negative when chunk framing cost
//!   more than nothing was saved, which is what happened on the wire).
//! - A body that is UTF-8 (or, with a declared charset, decodes and re-encodes to the same
//!   bytes) is written as text; anything else is base64 with `"encoding": "base64"`, in
//!   `content` and also in `postData` (an extension of HAR 1.2, which has no binary request
//!   bodies). [`read_har`] gets the bytes back exactly.
//! - `serverIPAddress` is a bare IP address (IPv4-mapped IPv6 written as IPv4), left out when
//!   unknown.
//!
//! Times: `startedDateTime` is when the exchange began: for the first exchange of a
//! connection the moment the relay accepted it (so `connect` is the relay's connect to the
//! server), for later ones the first byte of the request (`connect` -1, the connection was
//! reused). `send` runs from there (after `connect`) to the request's last byte, `wait` to the
//! response's first byte (an interim `100 Continue` counts) and `receive` to its last byte;
//! each is clamped at 0 so the parts never overlap. `blocked` and `dns` are -1: a relay does not
//! see them. `ssl` is the relay's TLS handshake with the server on a connection's first
//! exchange (-1 without TLS, or on later exchanges) and, as the spec says, also inside
//! `connect`, so `time` counts it once.
//!
//! An exchange without a response (the server never answered, or its head never completed)
//! is written with status 0, empty `statusText` and `httpVersion`, `headersSize` and
//! `bodySize` -1 ("not available", as the spec says), an empty content, and `wait` and
//! `receive` 0 (the spec makes those two non-negative). The entry's comment says why.
//!
//! For `CONNECT` tunnels and `101 Switching Protocols` the bytes after the switch are not
//! bodies: they are left out, and the entry's comment says how many there were; a WebSocket's
//! messages are written instead as `_webSocketMessages`, the array Chromium's dev tools write
//! and read (`type` send or receive, `time` in seconds since the epoch, `opcode`, `data`: text
//! as it is, binary as base64).

mod date;
mod read;

pub use read::{HarError, ImportedEntry, MAX_ENTRIES, read_har};

use crate::Direction;
use crate::exchange::{Exchange, Span};
use crate::http1::decode::decode_payload;
use crate::http1::{Head, parse_request, parse_response, version_name};
use crate::url::{self, split_url, uri_safe};
use base64::Engine;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::io::{self, Write};
use std::net::IpAddr;

/// What an entry needs to know of its connection.
#[derive(Debug, Clone)]
pub struct HarConnection<'a> {
    /// The connection's id, written as the entry's `connection`.
    pub id: u64,
    /// The server's address, if known.
    pub server_ip: Option<IpAddr>,
    /// `host:port` the relay sent to: the URL's authority when a request has no `Host` header.
    pub server: &'a str,
    /// When the relay accepted the connection (µs since the Unix epoch).
    pub accepted_at: u64,
    /// When the relay's connection to the server was established, if it was.
    pub connected_at: Option<u64>,
    /// The client spoke TLS to the relay: its URLs are `https://`.
    pub tls: bool,
    /// When the relay's TLS handshake with the server completed, if it spoke TLS there.
    pub secured_at: Option<u64>,
}

/// One exchange to write, with the bytes of its messages.
#[derive(Debug, Clone)]
pub struct HarEntry<'a> {
    /// The connection the exchange belongs to.
    pub conn: &'a HarConnection<'a>,
    /// The exchange.
    pub exchange: &'a Exchange,
    /// Whether this is the connection's first exchange (it then carries the connect time).
    pub first_of_connection: bool,
    /// The bytes of `exchange.request`'s span.
    pub request: &'a [u8],
    /// The bytes of `exchange.response`'s span (interim `1xx` heads included); empty if none.
    pub response: &'a [u8],
    /// Its WebSocket messages, read from the capture; empty when it is no WebSocket.
    pub messages: &'a [crate::ws::Message],
    /// What TCPMon changed in it on purpose (rules, breakpoints), in words, for its comment:
    /// the entry has what the client sent and received.
    pub changed: &'a [String],
}

/// Whether HAR can hold `exchange` as an entry: only with a request method, which an HTTP/2
/// stream whose request head was not seen lacks (no reader takes an entry without one; ours
/// refuses it: found by the `writers` fuzz target).
pub fn has_entry(exchange: &Exchange) -> bool {
    !exchange.method.is_empty()
}

/// Writes `entries` as a HAR 1.2 file (pretty-printed JSON, UTF-8) and returns how many it
/// wrote: an exchange without a request method is left out, and the log's comment says so.
/// Entries are built and written one at a time, so memory holds one decoded exchange at most.
pub fn write_har(
    out: &mut impl Write,
    entries: &[HarEntry<'_>],
    creator_version: &str,
) -> io::Result<usize> {
    let headless = entries.iter().filter(|e| !has_entry(e.exchange)).count();
    let har = HarOut {
        log: LogOut {
            version: "1.2",
            creator: Creator {
                name: "TCPMon",
                version: creator_version,
            },
            entries: EntriesOut(entries),
            comment: (headless > 0).then(|| {
                format!(
                    "{headless} exchange{} without a request method left out (an HTTP/2 stream whose request head was not captured): a HAR entry needs one",
                    if headless == 1 { "" } else { "s" }
                )
            }),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &har)?;
    out.write_all(b"\n")?;
    Ok(entries.len() - headless)
}

#[derive(Serialize)]
struct HarOut<'a> {
    log: LogOut<'a>,
}

#[derive(Serialize)]
struct LogOut<'a> {
    version: &'static str,
    creator: Creator<'a>,
    entries: EntriesOut<'a>,
    /// What was left out, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Serialize)]
struct Creator<'a> {
    name: &'static str,
    version: &'a str,
}

/// Serializes each entry as it is built, leaving out those HAR cannot hold ([`has_entry`]).
struct EntriesOut<'a>(&'a [HarEntry<'a>]);

impl Serialize for EntriesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let written = self.0.iter().filter(|e| has_entry(e.exchange));
        serializer.collect_seq(written.map(build_entry))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryOut {
    started_date_time: String,
    time: f64,
    request: RequestOut,
    response: ResponseOut,
    cache: Empty,
    timings: Timings,
    #[serde(rename = "serverIPAddress", skip_serializing_if = "Option::is_none")]
    server_ip_address: Option<String>,
    connection: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(rename = "_webSocketMessages", skip_serializing_if = "Vec::is_empty")]
    web_socket_messages: Vec<WebSocketMessageOut>,
}

/// One WebSocket message as Chromium's dev tools write it.
#[derive(Serialize)]
struct WebSocketMessageOut {
    #[serde(rename = "type")]
    kind: &'static str,
    time: f64,
    opcode: u8,
    data: String,
}

impl WebSocketMessageOut {
    fn of(message: &crate::ws::Message) -> Self {
        let data = message.data.as_deref().unwrap_or_default();
        let data = match message.opcode {
            crate::ws::Opcode::Text => String::from_utf8_lossy(data).into_owned(),
            _ => base64::engine::general_purpose::STANDARD.encode(data),
        };
        Self {
            kind: match message.dir {
                Direction::ClientToServer => "send",
                Direction::ServerToClient => "receive",
            },
            time: message.at as f64 / 1e6,
            opcode: message.opcode.number(),
            data,
        }
    }
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestOut {
    method: String,
    url: String,
    http_version: String,
    cookies: Vec<Cookie>,
    headers: Vec<NameValue>,
    query_string: Vec<NameValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostData>,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseOut {
    status: u16,
    status_text: String,
    http_version: String,
    cookies: Vec<Cookie>,
    headers: Vec<NameValue>,
    content: Content,
    #[serde(rename = "redirectURL")]
    redirect_url: String,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
struct NameValue {
    name: String,
    value: String,
}

#[derive(Serialize, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
struct Cookie {
    name: String,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secure: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    mime_type: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    params: Vec<NameValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    compression: Option<i64>,
    mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

/// Milliseconds; -1 where a phase does not apply.
#[derive(Serialize, Debug, PartialEq)]
struct Timings {
    blocked: f64,
    dns: f64,
    connect: f64,
    ssl: f64,
    send: f64,
    wait: f64,
    receive: f64,
}

impl Timings {
    /// The sum of the phases that apply, added in the order they are written; `ssl` is inside
    /// `connect` and counts once.
    fn total(&self) -> f64 {
        [
            self.blocked,
            self.dns,
            self.connect,
            self.send,
            self.wait,
            self.receive,
        ]
        .into_iter()
        .filter(|&t| t != -1.0)
        .fold(0.0, |sum, t| sum + t)
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// When the entry starts (µs) and its timings; see the module docs.
fn timings(entry: &HarEntry<'_>, response: Option<&Span>) -> (u64, Timings) {
    let request = &entry.exchange.request;
    let (start, connect, ssl) = if entry.first_of_connection {
        let start = entry.conn.accepted_at;
        let connected = entry.conn.connected_at;
        let ready = entry.conn.secured_at.or(connected);
        let ssl = entry
            .conn
            .secured_at
            .zip(connected)
            .map(|(secured, connected)| secured.saturating_sub(connected));
        (start, ready.map(|c| c.saturating_sub(start)), ssl)
    } else {
        (request.first_at, None, None)
    };
    let ready = start.saturating_add(connect.unwrap_or(0));
    let sent = request.last_at.max(ready);
    let (wait, receive) = match response {
        Some(res) => {
            let first = res.first_at.max(sent);
            let last = res.last_at.max(first);
            (first - sent, last - first)
        }
        None => (0, 0),
    };
    let timings = Timings {
        blocked: -1.0,
        dns: -1.0,
        connect: connect.map_or(-1.0, ms),
        ssl: ssl.map_or(-1.0, ms),
        send: ms(sent - ready),
        wait: ms(wait),
        receive: ms(receive),
    };
    (start, timings)
}

fn build_entry(entry: &HarEntry<'_>) -> EntryOut {
    let ex = entry.exchange;
    let mut comments: Vec<String> = ex.note().map(str::to_string).into_iter().collect();
    if !entry.changed.is_empty() {
        comments.push(format!(
            "changed by TCPMon ({}): this entry has what the client sent and received",
            entry.changed.join("; ")
        ));
    }
    let request = build_request(entry, &mut comments);
    let final_head = ex.status.and(ex.response.as_ref()).and_then(|span| {
        final_response(entry.response, span).map(|(offset, head)| (span, offset, head))
    });
    let (response, answered) = match final_head {
        Some((span, offset, head)) => (
            build_response(entry, span, offset, head, &mut comments),
            Some(span),
        ),
        None => {
            comments.push(if ex.response.is_some() {
                "no complete response head".to_string()
            } else {
                "no response".to_string()
            });
            (no_response(), None)
        }
    };
    if !ex.interim().is_empty() {
        let statuses: Vec<String> = ex.interim().iter().map(u16::to_string).collect();
        comments.push(format!(
            "interim responses before the final one: {}",
            statuses.join(", ")
        ));
    }
    let (start, timings) = timings(entry, answered);
    EntryOut {
        started_date_time: date::iso_ms(start),
        time: timings.total(),
        request,
        response,
        cache: Empty {},
        timings,
        server_ip_address: entry.conn.server_ip.map(|ip| ip.to_canonical().to_string()),
        connection: entry.conn.id.to_string(),
        comment: (!comments.is_empty()).then(|| comments.join("; ")),
        web_socket_messages: entry.messages.iter().map(WebSocketMessageOut::of).collect(),
    }
}

fn build_request(entry: &HarEntry<'_>, comments: &mut Vec<String>) -> RequestOut {
    let ex = entry.exchange;
    let mut out = RequestOut {
        method: ex.method.to_string(),
        url: uri_safe(&ex.url(entry.conn.server, entry.conn.tls)),
        http_version: version_name(ex.version).into(),
        cookies: Vec::new(),
        headers: Vec::new(),
        query_string: if ex.method.eq_ignore_ascii_case("CONNECT") {
            Vec::new()
        } else {
            query_pairs(&ex.target)
        },
        post_data: None,
        headers_size: -1,
        body_size: -1,
    };
    let request = super::redact_request(entry.request);
    let Ok(Some(head)) = parse_request(&request) else {
        comments.push("request head not captured whole".into());
        return out;
    };
    out.headers = headers(&head.head);
    out.cookies = request_cookies(&head.head);
    out.headers_size = headers_size(&head.head);
    let decoded = decode_payload(&request, &ex.method);
    let wire = decoded.wire_len.saturating_sub(decoded.head_len);
    out.body_size = wire as i64;
    if ex.tunnel && ex.websocket().is_none() {
        let after = request.len().saturating_sub(decoded.wire_len);
        if after > 0 {
            comments.push(format!(
                "{after} bytes sent through the tunnel are not in this file"
            ));
        }
    }
    if wire > 0 || !decoded.body.is_empty() {
        let content_type = head.head.header("content-type");
        let (text, encoding) = body_text(&decoded.body, content_type);
        let mime_type = content_type.map(lossy).unwrap_or_default();
        let params = if encoding.is_none()
            && mime_type
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        {
            form_pairs(&text)
        } else {
            Vec::new()
        };
        out.post_data = Some(PostData {
            mime_type,
            text,
            encoding,
            params,
            comment: notes(&decoded.notes),
        });
    }
    out
}

fn build_response(
    entry: &HarEntry<'_>,
    span: &Span,
    offset: usize,
    head: crate::http1::ResponseHead,
    comments: &mut Vec<String>,
) -> ResponseOut {
    let ex = entry.exchange;
    let bytes = &entry.response[offset..];
    let (body, wire, decode_notes) = if ex.tunnel {
        let after = bytes.len().saturating_sub(head.head.len);
        if after > 0 && ex.websocket().is_none() {
            comments.push(format!(
                "{after} bytes received through the tunnel are not in this file"
            ));
        }
        (Cow::Borrowed(&[][..]), 0, Vec::new())
    } else {
        let decoded = decode_payload(bytes, &ex.method);
        let wire = decoded.wire_len.saturating_sub(decoded.head_len);
        (decoded.body, wire, decoded.notes)
    };
    let content_type = head.head.header("content-type");
    let size = body.len() as u64;
    let compression = size as i64 - wire as i64;
    let (text, encoding) = if body.is_empty() {
        (None, None)
    } else {
        let (text, encoding) = body_text(&body, content_type);
        (Some(text), encoding)
    };
    let cookie_time = span.first_at / 1_000_000;
    ResponseOut {
        status: head.status,
        status_text: head.reason.clone(),
        http_version: version_name(head.head.version).into(),
        cookies: response_cookies(&head.head, cookie_time as i64),
        headers: headers(&head.head),
        content: Content {
            size,
            compression: (compression != 0).then_some(compression),
            mime_type: content_type.map_or_else(|| "x-unknown".to_string(), lossy),
            text,
            encoding,
            comment: notes(&decode_notes),
        },
        redirect_url: head.head.header("location").map(lossy).unwrap_or_default(),
        headers_size: headers_size(&head.head),
        body_size: wire as i64,
    }
}

fn no_response() -> ResponseOut {
    ResponseOut {
        status: 0,
        status_text: String::new(),
        http_version: String::new(),
        cookies: Vec::new(),
        headers: Vec::new(),
        content: Content {
            size: 0,
            compression: None,
            mime_type: "x-unknown".into(),
            text: None,
            encoding: None,
            comment: None,
        },
        redirect_url: String::new(),
        headers_size: -1,
        body_size: -1,
    }
}

/// A head's size on the wire; `-1` (unknown, as HAR says) for an HTTP/2 head, which went as
/// HPACK, not as the text TCPMon shows.
fn headers_size(head: &Head) -> i64 {
    if head.version == 2 {
        -1
    } else {
        head.len as i64
    }
}

/// The final (non-`1xx`) response head in `bytes` and where it starts: at the span's
/// `head_at`, or found by skipping interim heads when the bytes do not agree with the span.
fn final_response(bytes: &[u8], span: &Span) -> Option<(usize, crate::http1::ResponseHead)> {
    let is_final = |status: u16| !(100..200).contains(&status) || status == 101;
    let at = usize::try_from(span.head_at().saturating_sub(span.start)).ok();
    if let Some(at) = at
        && let Some(rest) = bytes.get(at..)
        && let Ok(Some(head)) = parse_response(rest)
        && is_final(head.status)
    {
        return Some((at, head));
    }
    let mut at = 0;
    while let Ok(Some(head)) = parse_response(bytes.get(at..)?) {
        if is_final(head.status) {
            return Some((at, head));
        }
        at += head.head.len;
    }
    None
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn notes(notes: &[String]) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("; "))
}

fn headers(head: &Head) -> Vec<NameValue> {
    head.headers
        .iter()
        .map(|(name, value)| NameValue {
            name: name.clone(),
            value: lossy(value),
        })
        .collect()
}

/// The cookies of the `Cookie` headers: `a=1; b=2`.
fn request_cookies(head: &Head) -> Vec<Cookie> {
    head.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(|&b| b == b';'))
        .map(|pair| lossy(pair.trim_ascii()))
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((&pair, ""));
            Cookie {
                name: name.trim().to_string(),
                value: value.trim().to_string(),
                ..Cookie::default()
            }
        })
        .collect()
}

/// The cookies the `Set-Cookie` headers set; `now` (seconds since the epoch, when the
/// response arrived) turns `Max-Age` into `expires`.
fn response_cookies(head: &Head, now: i64) -> Vec<Cookie> {
    head.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| set_cookie(&lossy(v), now))
        .collect()
}

fn set_cookie(header: &str, now: i64) -> Cookie {
    let mut parts = header.split(';');
    let first = parts.next().unwrap_or_default();
    let (name, value) = first.split_once('=').unwrap_or((first, ""));
    let mut cookie = Cookie {
        name: name.trim().to_string(),
        value: value.trim().to_string(),
        http_only: Some(false),
        secure: Some(false),
        ..Cookie::default()
    };
    let mut max_age = None;
    for part in parts {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "path" => cookie.path = Some(value.to_string()),
            "domain" => cookie.domain = Some(value.to_string()),
            "expires" => {
                if let Some(secs) = date::parse_cookie_date(value) {
                    cookie.expires = Some(date::iso_from_secs(secs));
                }
            }
            "max-age" => {
                let digits = value.strip_prefix('-').unwrap_or(value);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    // Longer than any date can be: saturates.
                    max_age = Some(value.parse::<i64>().unwrap_or(if value.starts_with('-') {
                        i64::MIN
                    } else {
                        i64::MAX
                    }));
                }
            }
            "httponly" => cookie.http_only = Some(true),
            "secure" => cookie.secure = Some(true),
            _ => {}
        }
    }
    if let Some(age) = max_age {
        // RFC 6265 5.2.2: Max-Age wins over Expires; 0 or less means "already expired".
        let at = if age <= 0 { 0 } else { now.saturating_add(age) };
        cookie.expires = Some(date::iso_from_secs(at));
    }
    cookie
}

/// The query of a request target as percent-decoded pairs (`+` is a space, as in forms).
fn query_pairs(target: &str) -> Vec<NameValue> {
    let query = split_url(target).target.split_once('?').map(|(_, q)| q);
    query.map_or_else(Vec::new, form_pairs)
}

/// `a=1&b=2` as percent-decoded pairs.
fn form_pairs(text: &str) -> Vec<NameValue> {
    url::form_pairs(text)
        .map(|(name, value)| NameValue { name, value })
        .collect()
}

/// The charset a `Content-Type` names, when it is one other than UTF-8.
fn declared_charset(content_type: Option<&[u8]>) -> Option<&'static encoding_rs::Encoding> {
    let content_type = lossy(content_type?).to_ascii_lowercase();
    let label = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .next()?;
    let encoding = encoding_rs::Encoding::for_label(label.trim_matches('"').as_bytes())?;
    (encoding != encoding_rs::UTF_8).then_some(encoding)
}

/// A body as HAR text: in a declared charset other than UTF-8 it is decoded if that gives the
/// same bytes back when encoded again; otherwise UTF-8 is text as is; anything else, and any
/// text with control characters (a GIF can be valid UTF-8), is base64.
fn body_text(body: &[u8], content_type: Option<&[u8]>) -> (String, Option<&'static str>) {
    let readable = |text: &str| {
        !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    if let Some(charset) = declared_charset(content_type) {
        if let Some(text) = charset.decode_without_bom_handling_and_without_replacement(body) {
            let (again, used, unmappable) = charset.encode(&text);
            if used == charset && !unmappable && again == body && readable(&text) {
                return (text.into_owned(), None);
            }
        }
    } else if let Ok(text) = std::str::from_utf8(body) {
        if readable(text) {
            return (text.to_string(), None);
        }
    }
    (
        base64::engine::general_purpose::STANDARD.encode(body),
        Some("base64"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_attributes_become_fields() {
        let c = set_cookie(
            "sid=abc; Path=/; Domain=.a.test; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly",
            0,
        );
        assert_eq!(
            c,
            Cookie {
                name: "sid".into(),
                value: "abc".into(),
                path: Some("/".into()),
                domain: Some(".a.test".into()),
                expires: Some("2015-10-21T07:28:00.000Z".into()),
                http_only: Some(true),
                secure: Some(false),
            }
        );
        let c = set_cookie("a=b; expires=never; Max-Age=60; secure", 1_445_412_480);
        assert_eq!(c.expires.as_deref(), Some("2015-10-21T07:29:00.000Z"));
        assert_eq!(c.secure, Some(true));
        let c = set_cookie("a=b; Max-Age=99999999999999999999999", 10);
        assert_eq!(c.expires.as_deref(), Some("9999-12-31T23:59:59.999Z"));
        let c = set_cookie("a=b; Expires=junk", 10);
        assert_eq!(c.expires, None);
    }

    #[test]
    fn queries_are_percent_decoded_pairs() {
        let pairs = query_pairs("/s?q=caf%C3%A9+au+lait&empty=&flag&&x=%zz%4#frag=1");
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("q", "café au lait"),
                ("empty", ""),
                ("flag", ""),
                ("x", "%zz%4")
            ]
        );
        assert!(query_pairs("/no-query").is_empty());
    }

    #[test]
    fn bodies_are_text_when_they_can_come_back_exactly() {
        assert_eq!(body_text(b"plain\r\n\ttext", None).1, None);
        assert_eq!(body_text(b"GIF89a\x01\x00", None).1, Some("base64"));
        assert_eq!(
            body_text(b"\xff\x00", None),
            ("/wA=".into(), Some("base64"))
        );
        let latin1 = Some(&b"text/plain; charset=ISO-8859-1"[..]);
        assert_eq!(body_text(b"caf\xe9", latin1), ("café".into(), None));
        // Shift_JIS: a lone lead byte does not decode.
        let sjis = Some(&b"text/plain; charset=shift_jis"[..]);
        assert_eq!(body_text(b"\x82", sjis).1, Some("base64"));
        // UTF-16 encodes back as UTF-8, so it cannot come back exactly as text.
        let utf16 = Some(&b"text/plain; charset=utf-16le"[..]);
        assert_eq!(body_text(b"a\x00", utf16).1, Some("base64"));
    }

    #[test]
    fn timing_total_is_the_sum_in_written_order() {
        let t = Timings {
            blocked: -1.0,
            dns: -1.0,
            connect: 0.1,
            ssl: -1.0,
            send: 0.2,
            wait: 0.3,
            receive: 0.004,
        };
        assert_eq!(t.total(), 0.1 + 0.2 + 0.3 + 0.004);
    }
}
