//! HAR import: each entry's request and response rebuilt as the HTTP/1 bytes a relay would
//! have captured, so the rest of TCPMon (exchange tracking, views, search) works on them as on
//! a capture.
//!
//! What cannot come back as it was, and is said in the entry's note:
//! - HAR bodies are stored decoded, so `Content-Encoding` and `Transfer-Encoding` are dropped
//!   and `Content-Length` is set to the body's length (added when missing). Responses that
//!   have no body (to `HEAD`, `1xx`, `204`, `304`, a successful `CONNECT`) keep their headers.
//! - HTTP/2 and HTTP/3 entries become HTTP/1.1: pseudo-headers (`:method`, `:authority`, ...)
//!   are dropped, and `:authority` (or the URL's authority) becomes a `Host` header when
//!   there is none.
//! - Header names that are not HTTP tokens are dropped; control characters in values (which
//!   would end the line early) become spaces.
//!
//! Every other header is kept as it is, in order. Text bodies are encoded in the charset their
//! `Content-Type` names (as browsers decoded them), base64 bodies are decoded byte for byte.
//!
//! Hostile input is answered with an error, never a panic: nesting deeper than 128 levels is
//! refused by the JSON parser, at most [`MAX_ENTRIES`] entries are read, and the entries are
//! parsed one at a time, so memory stays within a small multiple of the file's size.

use super::date;
use crate::url::{self, escape_target, split_url};
use base64::Engine;
use serde::Deserialize;
use serde::de::{self, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use thiserror::Error;

/// Most entries read from one file.
pub const MAX_ENTRIES: usize = 1_000_000;

/// One HAR entry as the bytes of its two messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedEntry {
    /// The request: request line, headers, blank line, body.
    pub request: Vec<u8>,
    /// The response likewise; empty when the entry has none (status 0).
    pub response: Vec<u8>,
    /// When the request's first and last bytes went (µs since the Unix epoch), from
    /// `startedDateTime` and the timings (`blocked`, `dns`, `connect` before it, then `send`).
    pub request_at: (u64, u64),
    /// When the response's first and last bytes came (after `wait`, then `receive`).
    pub response_at: (u64, u64),
    /// `serverIPAddress`, without brackets.
    pub server_ip: Option<String>,
    /// `connection`: entries with the same value shared a connection.
    pub connection: Option<String>,
    /// The entry's comment, and what the import had to change.
    pub note: Option<String>,
}

/// Why a file could not be imported.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HarError {
    /// The file is not JSON, or not shaped as `{"log": {"entries": [...]}}`.
    #[error("not a HAR file: {0}")]
    NotHar(String),
    /// An entry lacks what a request needs, or holds what cannot be HTTP.
    #[error("entry {index}: {reason}")]
    Entry {
        /// 1 for the first entry.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// Reads the entries of a HAR file (any HAR 1.1/1.2 writer: browsers, mitmproxy, TCPMon).
pub fn read_har(bytes: &[u8]) -> Result<Vec<ImportedEntry>, HarError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let file: FileIn<'_> =
        serde_json::from_slice(bytes).map_err(|e| HarError::NotHar(e.to_string()))?;
    file.log
        .entries
        .0
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let fail = |reason: String| HarError::Entry {
                index: i + 1,
                reason,
            };
            let entry: EntryIn = serde_json::from_str(raw.get()).map_err(|e| {
                // Positions inside one entry's text would mislead.
                let text = e.to_string();
                let position = format!(" at line {} column {}", e.line(), e.column());
                fail(text.strip_suffix(&position).unwrap_or(&text).to_string())
            })?;
            import_entry(entry).map_err(fail)
        })
        .collect()
}

#[derive(Deserialize)]
struct FileIn<'a> {
    #[serde(borrow)]
    log: LogIn<'a>,
}

#[derive(Deserialize)]
struct LogIn<'a> {
    #[serde(borrow)]
    entries: EntriesIn<'a>,
}

/// The entries, each kept as its JSON text until it is imported; at most [`MAX_ENTRIES`].
struct EntriesIn<'a>(Vec<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for EntriesIn<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Entries<'a> {
            type Value = EntriesIn<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of entries")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(raw) = seq.next_element::<&'de RawValue>()? {
                    if entries.len() == MAX_ENTRIES {
                        return Err(de::Error::custom(format!(
                            "more than {MAX_ENTRIES} entries"
                        )));
                    }
                    entries.push(raw);
                }
                Ok(EntriesIn(entries))
            }
        }
        deserializer.deserialize_seq(Entries(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryIn {
    started_date_time: Option<String>,
    request: RequestIn,
    response: Option<ResponseIn>,
    timings: Option<TimingsIn>,
    #[serde(rename = "serverIPAddress")]
    server_ip_address: Option<String>,
    connection: Option<serde_json::Value>,
    comment: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn {
    method: String,
    url: String,
    http_version: Option<String>,
    headers: Option<Vec<HeaderIn>>,
    post_data: Option<PostDataIn>,
}

#[derive(Deserialize)]
struct HeaderIn {
    name: String,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostDataIn {
    mime_type: Option<String>,
    text: Option<String>,
    encoding: Option<String>,
    params: Option<Vec<HeaderIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseIn {
    status: Option<f64>,
    status_text: Option<String>,
    http_version: Option<String>,
    headers: Option<Vec<HeaderIn>>,
    content: Option<ContentIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContentIn {
    size: Option<f64>,
    mime_type: Option<String>,
    text: Option<String>,
    encoding: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct TimingsIn {
    blocked: Option<f64>,
    dns: Option<f64>,
    connect: Option<f64>,
    send: Option<f64>,
    wait: Option<f64>,
    receive: Option<f64>,
}

fn import_entry(entry: EntryIn) -> Result<ImportedEntry, String> {
    let mut notes: Vec<String> = entry.comment.iter().cloned().collect();
    let (request, method) = build_request(&entry.request, &mut notes)?;
    let response = match &entry.response {
        Some(res) => build_response(res, &method, &mut notes)?,
        None => Vec::new(),
    };
    let (request_at, response_at) = times(&entry, &mut notes);
    let server_ip = entry
        .server_ip_address
        .as_deref()
        .map(|ip| ip.trim().trim_start_matches('[').trim_end_matches(']'))
        .filter(|ip| !ip.is_empty())
        .map(str::to_string);
    let connection = match &entry.connection {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Ok(ImportedEntry {
        request,
        response,
        request_at,
        response_at,
        server_ip,
        connection,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    })
}

/// The request's bytes, and its method: the target in origin form (authority form for
/// `CONNECT`), a `Host` header from the URL when it has none, the body decoded.
fn build_request(
    request: &RequestIn,
    notes: &mut Vec<String>,
) -> Result<(Vec<u8>, String), String> {
    let method = request.method.trim();
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(format!("request method {method:?} is not an HTTP method"));
    }
    let url = split_url(&request.url);
    let authority = url.authority;
    let is_connect = method.eq_ignore_ascii_case("CONNECT");
    let target = match authority {
        Some(authority) if is_connect => authority.to_string(),
        None if is_connect && !url.target.is_empty() => url.target.to_string(),
        _ => url.origin_form(),
    };
    let target = escape_target(&target);
    let version = http_version(request.http_version.as_deref(), "request", notes);

    let mut headers = Headers::from_har(request.headers.as_deref(), "request", notes);
    if !headers.has("host") {
        let host = headers.authority.clone().or(authority.map(str::to_string));
        if let Some(host) = host.filter(|h| !h.is_empty()) {
            headers.list.insert(0, ("Host".into(), host));
            notes.push("request: Host header added from the URL".into());
        }
    }
    let body = match request.post_data.as_ref() {
        Some(post) => request_body(post, headers.get("content-type"), notes)?,
        None => Vec::new(),
    };
    headers.fix_framing(body.len(), false, "request", notes);
    let mut bytes = format!("{method} {target} HTTP/1.{version}\r\n").into_bytes();
    headers.write(&mut bytes);
    bytes.extend_from_slice(&body);
    Ok((bytes, method.to_string()))
}

/// A request body: its text, or its form parameters encoded when it has no text.
fn request_body(
    post: &PostDataIn,
    content_type: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    let content_type = content_type
        .or(post.mime_type.as_deref())
        .map(str::to_string);
    let text = match (&post.text, &post.params) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(params)) if !params.is_empty() => {
            notes.push("request: body rebuilt from its form parameters".into());
            Some(form_encode(params))
        }
        _ => None,
    };
    body_bytes(
        text.as_deref(),
        post.encoding.as_deref(),
        content_type.as_deref(),
        "request",
        notes,
    )
}

/// When the request's and the response's first and last bytes were sent (µs since the
/// epoch), from `startedDateTime` and the timings.
fn times(entry: &EntryIn, notes: &mut Vec<String>) -> ((u64, u64), (u64, u64)) {
    let start = match entry.started_date_time.as_deref() {
        Some(text) => date::parse_iso(text).unwrap_or_else(|| {
            notes.push(format!(
                "startedDateTime {text:?} is not an ISO 8601 date: times start at 1970"
            ));
            0
        }),
        None => 0,
    };
    let t = entry.timings.unwrap_or_default();
    let us = |ms: Option<f64>| {
        ms.filter(|v| v.is_finite() && *v > 0.0)
            // Float-to-integer casts saturate.
            .map_or(0u64, |v| (v * 1000.0).round() as u64)
    };
    let request_first = start
        .saturating_add(us(t.blocked))
        .saturating_add(us(t.dns))
        .saturating_add(us(t.connect));
    let request_last = request_first.saturating_add(us(t.send));
    let response_first = request_last.saturating_add(us(t.wait));
    let response_last = response_first.saturating_add(us(t.receive));
    (
        (request_first, request_last),
        (response_first, response_last),
    )
}

fn build_response(
    res: &ResponseIn,
    method: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    let status = res.status.unwrap_or(0.0);
    if status == 0.0 {
        return Ok(Vec::new());
    }
    // Any three digits: a server may send `017`, which the tracker takes and the writer
    // writes as 17 (written back as `017` below).
    if !(1.0..=999.0).contains(&status) || status.fract() != 0.0 {
        return Err(format!("response status {status} is not an HTTP status"));
    }
    let status = status as u16;
    let version = http_version(res.http_version.as_deref(), "response", notes);
    let mut headers = Headers::from_har(res.headers.as_deref(), "response", notes);
    let content = res.content.as_ref();
    let content_type = headers
        .get("content-type")
        .or_else(|| content.and_then(|c| c.mime_type.as_deref()))
        .map(str::to_string);
    let mut body = match content {
        Some(c) => body_bytes(
            c.text.as_deref(),
            c.encoding.as_deref(),
            content_type.as_deref(),
            "response",
            notes,
        )?,
        None => Vec::new(),
    };
    let has_body = !((100..200).contains(&status)
        || status == 204
        || status == 304
        || method.eq_ignore_ascii_case("HEAD")
        || (method.eq_ignore_ascii_case("CONNECT") && (200..300).contains(&status)));
    if has_body {
        let size = content.and_then(|c| c.size).unwrap_or(0.0);
        if body.is_empty() && size > 0.0 && content.is_some_and(|c| c.text.is_none()) {
            notes.push(format!(
                "response: the body ({size} bytes) is not in the HAR file"
            ));
        }
        headers.fix_framing(body.len(), true, "response", notes);
    } else if !body.is_empty() {
        notes.push(format!(
            "response: a {status} response to {method} has no body: its {} bytes are left out",
            body.len()
        ));
        body.clear();
    }
    let reason = clean_value(res.status_text.as_deref().unwrap_or_default());
    let mut out = format!("HTTP/1.{version} {status:03} {reason}\r\n").into_bytes();
    headers.write(&mut out);
    out.extend_from_slice(&body);
    Ok(out)
}

/// A message's headers as they will be written.
struct Headers {
    list: Vec<(String, String)>,
    /// The `:authority` pseudo-header of an HTTP/2 or HTTP/3 entry.
    authority: Option<String>,
}

impl Headers {
    fn from_har(input: Option<&[HeaderIn]>, side: &str, notes: &mut Vec<String>) -> Self {
        let mut list = Vec::new();
        let mut authority = None;
        let (mut pseudo, mut bad_names, mut cleaned) = (false, Vec::new(), false);
        for h in input.unwrap_or_default() {
            let value = h.value.as_deref().unwrap_or_default();
            if let Some(name) = h.name.strip_prefix(':') {
                pseudo = true;
                if name.eq_ignore_ascii_case("authority") {
                    authority = Some(clean_value(value));
                }
                continue;
            }
            if h.name.is_empty() || !h.name.bytes().all(is_tchar) {
                bad_names.push(format!("{:?}", h.name));
                continue;
            }
            let clean = clean_value(value);
            cleaned |= clean != value;
            list.push((h.name.clone(), clean));
        }
        if pseudo {
            notes.push(format!("{side}: HTTP/2 pseudo-headers dropped"));
        }
        if !bad_names.is_empty() {
            notes.push(format!(
                "{side}: headers with invalid names dropped: {}",
                bad_names.join(", ")
            ));
        }
        if cleaned {
            notes.push(format!(
                "{side}: control characters in header values replaced by spaces"
            ));
        }
        Self { list, authority }
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body is `len` decoded bytes: codings go, `Content-Length` says `len`. A request
    /// without a body needs no `Content-Length` (`always` is false for requests).
    fn fix_framing(&mut self, len: usize, always: bool, side: &str, notes: &mut Vec<String>) {
        let mut changes = Vec::new();
        for coding in ["Transfer-Encoding", "Content-Encoding"] {
            let values: Vec<String> = self
                .list
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(coding))
                .map(|(_, v)| v.clone())
                .collect();
            if !values.is_empty() {
                self.list.retain(|(n, _)| !n.eq_ignore_ascii_case(coding));
                changes.push(format!("{coding}: {} removed", values.join(", ")));
            }
        }
        let had_transfer_coding = changes.iter().any(|c| c.starts_with("Transfer"));
        let length = len.to_string();
        let mut seen = false;
        let mut changed = false;
        self.list.retain_mut(|(n, v)| {
            if !n.eq_ignore_ascii_case("content-length") {
                return true;
            }
            if seen {
                changed = true;
                return false;
            }
            seen = true;
            if *v != length {
                *v = length.clone();
                changed = true;
            }
            true
        });
        if changed {
            changes.push(format!("Content-Length set to {len}"));
        } else if !seen && (always || len > 0 || had_transfer_coding) {
            self.list.push(("Content-Length".into(), length));
            changes.push(format!("Content-Length: {len} added"));
        }
        if !changes.is_empty() {
            notes.push(format!(
                "{side}: {} (HAR stores bodies decoded)",
                changes.join(", ")
            ));
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.list {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// RFC 9110 `tchar`: what a method or header name is made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A header value or reason phrase that stays on its line: control characters other than
/// tab become spaces; surrounding whitespace goes.
fn clean_value(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// `HTTP/1.0` is 0; `HTTP/1.1`, nothing at all, and any other version (`h2`, `HTTP/2.0`,
/// `h3`) are 1, the latter with a note.
fn http_version(version: Option<&str>, side: &str, notes: &mut Vec<String>) -> u8 {
    let version = version.unwrap_or_default().trim();
    if version.eq_ignore_ascii_case("HTTP/1.0") {
        0
    } else {
        if !version.is_empty() && !version.eq_ignore_ascii_case("HTTP/1.1") {
            notes.push(format!("{side}: {version} shown as HTTP/1.1"));
        }
        1
    }
}

/// Form parameters as `application/x-www-form-urlencoded`.
fn form_encode(params: &[HeaderIn]) -> String {
    let pairs = params
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_deref().unwrap_or_default()));
    url::form_encode(pairs)
}

/// The bytes of a HAR body: base64 decoded, or text in the charset `content_type` names.
fn body_bytes(
    text: Option<&str>,
    encoding: Option<&str>,
    content_type: Option<&str>,
    side: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    match encoding.map(str::trim).unwrap_or_default() {
        "" => {}
        e if e.eq_ignore_ascii_case("base64") => {
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            return base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
                .decode(compact)
                .map_err(|e| format!("{side} body is not valid base64: {e}"));
        }
        other => notes.push(format!(
            "{side}: body encoding {other:?} is unknown: body taken as text"
        )),
    }
    let Some(charset) = super::declared_charset(content_type.map(str::as_bytes)) else {
        return Ok(text.as_bytes().to_vec());
    };
    let (bytes, used, unmappable) = charset.encode(text);
    if used != charset || unmappable {
        notes.push(format!(
            "{side}: body has characters {} cannot hold: kept as UTF-8",
            charset.name()
        ));
        return Ok(text.as_bytes().to_vec());
    }
    Ok(bytes.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_headers_follow_the_decoded_body() {
        let mut notes = Vec::new();
        let input = [
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("X-Keep", "1"),
        ]
        .map(|(n, v)| HeaderIn {
            name: n.into(),
            value: Some(v.into()),
        });
        let mut h = Headers::from_har(Some(&input), "response", &mut notes);
        h.fix_framing(11, true, "response", &mut notes);
        assert_eq!(
            h.list,
            [
                ("X-Keep".to_string(), "1".to_string()),
                ("Content-Length".into(), "11".into())
            ]
        );
        assert_eq!(
            notes,
            [
                "response: Transfer-Encoding: chunked removed, Content-Encoding: gzip removed, \
              Content-Length: 11 added (HAR stores bodies decoded)"
            ]
        );
        // A request without a body and without framing headers is left alone.
        let mut notes = Vec::new();
        let mut h = Headers::from_har(None, "request", &mut notes);
        h.fix_framing(0, false, "request", &mut notes);
        assert!(h.list.is_empty() && notes.is_empty());
    }
}
