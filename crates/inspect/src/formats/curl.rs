//! curl commands that send a captured request again, to the server the relay sent it to.
//!
//! The command is for a POSIX shell (sh, dash, bash, zsh) and fits on one line. The server
//! gets the same method, request target, headers and body bytes as it did, up to header order
//! (curl writes its own `Host`, `User-Agent` and `Accept` first) and body framing:
//!
//! - `--http1.1` or `--http1.0`, as the request was; `--path-as-is` so curl neither squashes
//!   `/../` nor re-encodes the path.
//! - The URL is `http://{server}{target}`, `server` being the `host:port` actually
//!   contacted. A target curl would change on the way (a fragment `#`, bytes that are not
//!   printable ASCII), or that is not a path (proxy requests' absolute form, `*`, `CONNECT`'s
//!   authority), is sent verbatim with `--request-target`. `{}[]` turn on `--globoff`.
//! - Every header goes as `-H`, except `Content-Length` (curl computes it from the body);
//!   `Proxy-Authorization`'s value is written as `[redacted]`.
//!   Headers curl adds by itself are replaced by the captured ones, or removed (`-H 'Name:'`)
//!   when the request had none: `Host` (kept when it is what curl would send), `User-Agent`,
//!   `Accept`, and with a body `Content-Type` (and `Expect` past 1 KiB). An empty value is sent as
//!   `-H 'Name;'`, curl's spelling for it.
//! - Nothing is decoded: the body goes as captured (still gzip if it was). A chunked body
//!   goes with its `Transfer-Encoding: chunked` header, and curl chunks it again (its chunk
//!   sizes may differ; trailers are not replayed). Under HTTP/1.0 it goes de-chunked with a
//!   `Content-Length`.
//! - A short printable ASCII body is a quoted argument; any other body (long, newlines,
//!   binary, NUL bytes, which no shell argument can hold) is piped in from `printf` with octal
//!   escapes, the only byte escapes every POSIX shell's `printf` knows.
//! - The method: `--head` for `HEAD` (curl would wait for a body after `-X HEAD`), `-X` for
//!   any method curl would not choose by itself (`GET` without a body, `POST` with one).

use crate::exchange::Exchange;
use crate::http1::{BodyDecoder, Framing, parse_request};
use crate::url::{AuthorityError, split_host_port};
use std::io::{self, Write};

/// A request to write as a curl command.
#[derive(Debug, Clone, Copy)]
pub struct CurlRequest<'a> {
    /// The exchange the request belongs to.
    pub exchange: &'a Exchange,
    /// The bytes of the exchange's request span.
    pub request: &'a [u8],
    /// `host:port` the relay sent the request to.
    pub server: &'a str,
    /// The relay spoke TLS to the server: the command asks for `https://`.
    pub tls: bool,
}

/// Headers curl sends by itself unless told otherwise.
const CURL_DEFAULTS: [&str; 2] = ["User-Agent", "Accept"];

/// Bodies longer than this make curl add `Expect: 100-continue` (1 MiB since curl 8.x, 1 KiB
/// before).
const EXPECT_THRESHOLD: usize = 1024;

/// Longest body written as an argument: one argument may not exceed 128 KiB on Linux, and
/// a long line is unreadable anyway. Longer bodies come from `printf`, a shell builtin.
const MAX_INLINE_BODY: usize = 4096;

/// A curl command, on one line, that sends the request (the bytes of its exchange's request)
/// to its server (`host:port`) again, over TLS when the relay spoke TLS there; see the module
/// docs.
pub fn curl_command(r: &CurlRequest<'_>) -> String {
    let request = &*super::redact_request(r.request);
    let message = Message::read(r.exchange, request);
    let (host, port) = split_server(r.server);
    let scheme = if r.tls { "https" } else { "http" };
    let default_port = if r.tls { "443" } else { "80" };
    let mut args: Vec<String> = vec!["curl".into()];
    args.push(
        match message.version {
            0 => "--http1.0",
            2 if r.tls => "--http2",
            2 => "--http2-prior-knowledge",
            _ => "--http1.1",
        }
        .into(),
    );
    if message.method == "HEAD" && !message.has_body {
        args.push("--head".into());
    } else if message.method != if message.has_body { "POST" } else { "GET" } {
        args.extend(["-X".into(), quote(message.method.as_bytes())]);
    }
    args.push("--path-as-is".into());
    let curl_host = match port {
        Some(port) if port != default_port => format!("{host}:{port}"),
        _ => host.clone(),
    };
    for arg in message.header_args(&curl_host) {
        args.extend(["-H".into(), quote(&arg)]);
    }
    let url = message.url(scheme, &host, port, &mut args);
    let pipe = message.body_args(&mut args);
    args.push(quote(url.as_bytes()));
    format!("{}{}", pipe.unwrap_or_default(), args.join(" "))
}

/// A captured request as curl must reproduce it.
struct Message {
    method: String,
    target: String,
    version: u8,
    headers: Vec<(String, Vec<u8>)>,
    /// The body with any chunked framing removed.
    body: Vec<u8>,
    /// Sent chunked (HTTP/1.1 only): curl keeps that framing when told so by the header.
    chunked: bool,
    has_body: bool,
}

impl Message {
    /// The request's head and body, or what the exchange knows when the head does not parse.
    fn read(exchange: &Exchange, request: &[u8]) -> Self {
        let Some(head) = parse_request(request).ok().flatten() else {
            return Self {
                method: exchange.method.to_string(),
                target: exchange.target.to_string(),
                version: exchange.version,
                headers: Vec::new(),
                body: Vec::new(),
                chunked: false,
                has_body: false,
            };
        };
        let framing = Framing::for_request(&head).unwrap_or(Framing::Length(0));
        let mut body = Vec::new();
        let wire = request.get(head.head.len..).unwrap_or_default();
        // A body cut short or broken: what came of it.
        let _ = BodyDecoder::new(framing).feed(wire, &mut |part| body.extend_from_slice(part));
        let length_given = head.head.header("content-length").is_some();
        let chunked = framing == Framing::Chunked && head.head.version == 1;
        let (mut target, mut headers) = (head.target, head.head.headers);
        // An HTTP/2 request's head names its authority in the target (`:authority`): curl
        // sends it again from a Host header, to the server the relay dialled.
        let parts = crate::url::split_url(&target);
        if let (2, Some(authority)) = (head.head.version, parts.authority) {
            headers.insert(0, ("Host".into(), authority.as_bytes().to_vec()));
            target = match parts.target {
                "" => "/".into(),
                path => path.to_string(),
            };
        }
        Self {
            method: head.method,
            target,
            version: head.head.version,
            has_body: !body.is_empty() || length_given || chunked,
            headers,
            body,
            chunked,
        }
    }

    fn has(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// `-H` values: the headers as sent, less those curl writes itself (`Content-Length`, a
    /// `Host` equal to the URL's), and with empty values for those curl would add unasked.
    fn header_args(&self, curl_host: &str) -> Vec<Vec<u8>> {
        let hosts = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("host"));
        let host_count = hosts.count();
        let mut removed: Vec<&str> = if host_count == 0 {
            vec!["Host"]
        } else {
            Vec::new()
        };
        removed.extend(CURL_DEFAULTS.into_iter().filter(|name| !self.has(name)));
        if self.has_body {
            if !self.has("content-type") {
                removed.push("Content-Type");
            }
            if !self.has("expect") && self.body.len() > EXPECT_THRESHOLD {
                removed.push("Expect");
            }
        }
        let mut args: Vec<Vec<u8>> = removed
            .iter()
            .map(|n| format!("{n}:").into_bytes())
            .collect();
        for (name, value) in &self.headers {
            let framing = name.eq_ignore_ascii_case("content-length")
                || (name.eq_ignore_ascii_case("transfer-encoding") && !self.chunked);
            let curls_own_host = name.eq_ignore_ascii_case("host")
                && host_count == 1
                && value == curl_host.as_bytes();
            if framing || curls_own_host {
                continue;
            }
            let mut arg = name.as_bytes().to_vec();
            if value.is_empty() {
                arg.push(b';');
            } else {
                arg.extend_from_slice(b": ");
                arg.extend_from_slice(value);
            }
            args.push(arg);
        }
        args
    }

    /// The URL curl is given; a target curl would change goes verbatim with
    /// `--request-target` (added to `args`, as `--globoff` is for `{}[]`).
    fn url(&self, scheme: &str, host: &str, port: Option<&str>, args: &mut Vec<String>) -> String {
        let target = self.target.as_str();
        let plain_path = target.starts_with('/')
            && !self.method.eq_ignore_ascii_case("CONNECT")
            && target
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'\\');
        if plain_path && target.bytes().any(|b| b"{}[]".contains(&b)) {
            args.push("--globoff".into());
        }
        let url_host = if host.is_empty() { "localhost" } else { host };
        let url_port = port.map(|p| format!(":{p}")).unwrap_or_default();
        if plain_path {
            format!("{scheme}://{url_host}{url_port}{target}")
        } else {
            args.extend(["--request-target".into(), quote(target.as_bytes())]);
            format!("{scheme}://{url_host}{url_port}/")
        }
    }

    /// The body's arguments; a body that is not short printable text comes from `printf`,
    /// whose pipe is returned to go before `curl`.
    fn body_args(&self, args: &mut Vec<String>) -> Option<String> {
        if !self.has_body {
            return None;
        }
        let body = &self.body;
        if body.len() <= MAX_INLINE_BODY && body.iter().all(|&b| b == b' ' || b.is_ascii_graphic())
        {
            // `--data-binary @name` would read a file.
            let option = if body.starts_with(b"@") {
                "--data-raw"
            } else {
                "--data-binary"
            };
            args.extend([option.into(), quote(body)]);
            None
        } else {
            args.extend(["--data-binary".into(), "@-".into()]);
            Some(format!("printf '{}' | ", printf_format(body)))
        }
    }
}

/// Writes a shell script that sends `requests` again, in order, one command per line.
pub fn write_curl_script(out: &mut impl Write, requests: &[CurlRequest<'_>]) -> io::Result<()> {
    writeln!(out, "#!/bin/sh")?;
    writeln!(
        out,
        "# {} request(s) captured by TCPMon, sent again with curl",
        requests.len()
    )?;
    for r in requests {
        writeln!(out, "{}", curl_command(r))?;
    }
    Ok(())
}

/// `host:port` as a URL's host (IPv6 in brackets) and port.
fn split_server(server: &str) -> (String, Option<&str>) {
    let server = server.trim();
    match split_host_port(server) {
        Ok((host, port)) if host.contains(':') => {
            (format!("[{host}]"), port.filter(|p| !p.is_empty()))
        }
        Ok((host, None)) => (host.to_string(), None),
        Ok((host, Some(port))) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host.to_string(), Some(port))
        }
        Err(AuthorityError::BareIpv6) => (format!("[{server}]"), None),
        _ => (server.to_string(), None),
    }
}

/// One shell word holding exactly `bytes` (which hold no NUL): single-quoted when they are
/// printable ASCII, else the output of `printf` with octal escapes.
fn quote(bytes: &[u8]) -> String {
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(b);
    if !bytes.is_empty() && bytes.iter().all(safe) {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    if bytes.iter().all(|&b| b == b' ' || b.is_ascii_graphic()) {
        return format!(
            "'{}'",
            String::from_utf8_lossy(bytes).replace('\'', r"'\''")
        );
    }
    format!("\"$(printf '{}')\"", printf_format(bytes))
}

/// A `printf` format (to go in single quotes) that prints exactly `bytes`. A leading `-` is
/// written as an escape: printf would take it for an option (a multipart body starts `--`).
fn printf_format(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'-' if i == 0 => out.push_str(r"\055"),
            b'%' => out.push_str("%%"),
            b'\\' => out.push_str(r"\\"),
            b'\'' => out.push_str(r"'\''"),
            b' ' => out.push(' '),
            _ if b.is_ascii_graphic() => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Direction;
    use crate::exchange::Tracker;

    #[test]
    fn a_body_that_starts_with_dashes_is_not_an_option_to_printf() {
        assert!(printf_format(b"--b\r\n").starts_with(r"\055-b"));
        assert_eq!(printf_format(b"a-b"), "a-b");
    }

    fn command(request: &[u8], server: &str) -> String {
        let mut tracker = Tracker::new();
        let mut list = Vec::new();
        tracker.feed(Direction::ClientToServer, request, 1, &mut list);
        curl_command(&CurlRequest {
            exchange: &list[0],
            request,
            server,
            tls: false,
        })
    }

    #[test]
    fn proxy_credentials_are_redacted() {
        let cmd = command(
            b"GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
            "a.test:80",
        );
        assert!(
            cmd.contains("-H 'Proxy-Authorization: [redacted]'"),
            "{cmd}"
        );
        assert!(!cmd.contains("dTpw"), "{cmd}");
    }

    #[test]
    fn a_plain_get_is_a_short_command() {
        assert_eq!(
            command(
                b"GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n",
                "127.0.0.1:8080"
            ),
            "curl --http1.1 --path-as-is -H 'User-Agent: x' -H 'Accept: */*' 'http://127.0.0.1:8080/a?b=1'"
        );
    }

    #[test]
    fn a_request_the_relay_sent_over_tls_is_sent_to_https_without_its_default_port() {
        let request = b"GET /a HTTP/1.1\r\nHost: api.test\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n";
        let mut list = Vec::new();
        Tracker::new().feed(Direction::ClientToServer, request, 1, &mut list);
        let over_tls = |server| {
            curl_command(&CurlRequest {
                exchange: &list[0],
                request,
                server,
                tls: true,
            })
        };
        assert_eq!(
            over_tls("api.test:443"),
            "curl --http1.1 --path-as-is -H 'User-Agent: x' -H 'Accept: */*' https://api.test:443/a"
        );
        assert!(
            over_tls("api.test:8443").contains("-H 'Host: api.test' "),
            "another port: its Host stays"
        );
    }

    #[test]
    fn headers_curl_would_add_are_removed_and_a_different_host_is_kept() {
        assert_eq!(
            command(
                b"DELETE /x HTTP/1.0\r\nHost: api.test\r\nX-E:\r\n\r\n",
                "10.0.0.1:80"
            ),
            "curl --http1.0 -X DELETE --path-as-is -H User-Agent: -H Accept: \
             -H 'Host: api.test' -H 'X-E;' http://10.0.0.1:80/x"
        );
    }

    #[test]
    fn bodies_are_quoted_or_piped_from_printf() {
        let c = command(
            b"PUT /u HTTP/1.1\r\nHost: h:1\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nit's 100%",
            "h:1",
        );
        assert!(
            c.ends_with("-X PUT --path-as-is -H User-Agent: -H Accept: -H 'Content-Type: text/plain' --data-binary 'it'\\''s 100%' http://h:1/u"),
            "{c}"
        );
        let c = command(
            b"POST /b HTTP/1.1\r\nHost: h:1\r\nContent-Length: 4\r\n\r\n\x00\n%'",
            "h:1",
        );
        assert!(
            c.starts_with(r"printf '\000\012%%'\''' | curl --http1.1 --path-as-is"),
            "{c}"
        );
        assert!(c.ends_with("--data-binary @- http://h:1/b"), "{c}");
    }

    #[test]
    fn targets_curl_would_change_go_verbatim() {
        let c = command(
            b"GET http://o.test/p#x HTTP/1.1\r\nHost: o.test\r\n\r\n",
            "[::1]:3128",
        );
        assert!(
            c.ends_with("--request-target 'http://o.test/p#x' 'http://[::1]:3128/'"),
            "{c}"
        );
        let c = command(b"GET /{a} HTTP/1.1\r\nHost: h\r\n\r\n", "h:80");
        assert!(
            c.contains("--globoff") && c.ends_with("'http://h:80/{a}'"),
            "{c}"
        );
    }

    #[test]
    fn servers_split_into_host_and_port() {
        assert_eq!(split_server("a.test:81"), ("a.test".into(), Some("81")));
        assert_eq!(split_server("[::1]:81"), ("[::1]".into(), Some("81")));
        assert_eq!(split_server("::1"), ("[::1]".into(), None));
        assert_eq!(split_server("a.test"), ("a.test".into(), None));
    }

    #[test]
    fn odd_header_bytes_come_from_printf() {
        assert_eq!(quote(b"caf\xc3\xa9\t"), r#""$(printf 'caf\303\251\011')""#);
        assert_eq!(quote(b""), "''");
    }
}
