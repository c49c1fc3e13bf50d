//! HTTP proxy mode: a forward HTTP/1.x proxy. Absolute-form requests go to their origin in
//! origin form (or unchanged to the upstream proxy); CONNECT opens a raw tunnel. A keep-alive
//! client connection may name a different origin in each request: body framing tells where one
//! request and its response end. The capture holds what the client sent and received.
//!
//! `Proxy-Authorization` and `Proxy-Connection` are for this proxy: they never reach an origin
//! (an upstream proxy gets `Proxy-Authorization` only when this listener does not ask for
//! credentials itself, so a client can still log in to the upstream). With `proxy_auth`, every
//! request (`CONNECT` too) must carry the credentials or gets `407`. Bound beyond loopback,
//! requests to this machine's loopback addresses get `403` (see `guard`).

use crate::config::HostPort;
use crate::conn::{ConnCtx, IntoHalves, Outbound, Reader, Recorder};
use crate::dial::{Dialed, connect_to, dial};
use crate::guard::{self, Verdict};
use crate::pump::relay_both;
use crate::record::Direction;
use tcpmon_inspect::http1::{
    BodyDecoder, Framing, HeadBuffer, RequestHead, edit_headers, parse_request, parse_response,
};
use tokio::io::AsyncReadExt;

/// Largest request or response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Bytes asked for per read.
const READ_SIZE: usize = 64 * 1024;
/// Headers meant for this proxy, never forwarded to an origin.
const HOP_TO_PROXY: [&str; 2] = ["Proxy-Authorization", "Proxy-Connection"];
/// What a client without the right credentials is told.
const ASK_FOR_CREDENTIALS: &str = "Proxy-Authenticate: Basic realm=\"TCPMon\"\r\n";

/// Bytes from the client, recorded as they arrive, kept until they are forwarded.
struct ClientIn<'a> {
    r: Reader,
    /// Read and not yet forwarded: pipelined requests are taken from its front in linear time.
    buf: HeadBuffer,
    rec: Recorder<'a>,
}

impl ClientIn<'_> {
    /// Reads more; 0 at end of stream.
    async fn fill(&mut self) -> Result<usize, String> {
        let buf = self.buf.vec();
        let start = buf.len();
        buf.reserve(READ_SIZE);
        let n = self
            .r
            .read_buf(buf)
            .await
            .map_err(|e| format!("client: {e}"))?;
        self.rec.record(&buf[start..]);
        Ok(n)
    }
}

/// Bytes towards the client, recorded as they are sent.
struct ClientOut<'a> {
    out: Outbound,
    rec: Recorder<'a>,
}

impl ClientOut<'_> {
    async fn send(&mut self, data: &[u8]) -> Result<(), String> {
        self.rec.record(data);
        self.out
            .send(data)
            .await
            .map_err(|e| format!("client: {e}"))
    }

    /// Answers with an error page made by TCPMon, then closes; returns the reason to record.
    async fn refuse(&mut self, status: &str, reason: String) -> String {
        self.refuse_with(status, "", reason).await
    }

    /// [`ClientOut::refuse`] with extra header lines (each ending in CRLF).
    async fn refuse_with(&mut self, status: &str, headers: &str, reason: String) -> String {
        let body = format!("TCPMon: {reason}\n");
        let response = format!(
            "HTTP/1.1 {status}\r\n{headers}Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        // The reason is what matters; a client that is gone cannot read it anyway.
        let _ = self.send(response.as_bytes()).await;
        self.out.finish().await;
        reason
    }
}

/// The connection a request goes to, and bytes read from it that are not yet forwarded.
struct Upstream {
    dialled: HostPort,
    r: Reader,
    out: Outbound,
    buf: Vec<u8>,
}

/// How a response ended.
enum ResponseEnd {
    /// Ready for the next request.
    KeepAlive,
    /// The server closed, or asked to.
    Close,
    /// The connection switched protocols: relay raw from here.
    Tunnel,
    /// The server closed (or reset) without sending a byte: a kept-alive connection it had
    /// already given up on.
    Unanswered,
}

/// Splits an absolute-form `http://host[:port]/path` target into origin and origin-form path.
fn split_absolute(target: &str) -> Result<(HostPort, String), String> {
    let rest = target
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .map(|_| &target[7..])
        .ok_or_else(|| {
            format!("a proxy request needs an absolute http:// URL (https goes through CONNECT), got {target:?}")
        })?;
    let (authority, path) = rest
        .find(['/', '?'])
        .map_or((rest, "/"), |i| rest.split_at(i));
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let origin = HostPort::parse_with_default(authority, Some(80)).map_err(|e| e.to_string())?;
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Ok((origin, path))
}

pub(crate) async fn run(ctx: &ConnCtx, client: impl IntoHalves) -> Result<(), String> {
    let (r, w) = client.into_halves();
    let mut client_in = ClientIn {
        r,
        buf: HeadBuffer::default(),
        rec: ctx.recorder(Direction::ClientToServer),
    };
    let mut client_out = ClientOut {
        out: ctx.outbound(w),
        rec: ctx.recorder(Direction::ServerToClient),
    };
    let mut upstream: Option<Upstream> = None;
    let mut target: Option<HostPort> = None;
    loop {
        let Some(head) = read_head(&mut client_in, &mut client_out).await? else {
            client_out.out.finish().await;
            return Ok(());
        };
        if let Some(auth) = &ctx.config.proxy_auth {
            let given = head.head.header("proxy-authorization");
            if !auth.accepts(given) {
                let reason = if given.is_some() {
                    "proxy authentication failed: wrong user name or password"
                } else {
                    "proxy authentication required: the request has no Proxy-Authorization"
                };
                return Err(client_out
                    .refuse_with(
                        "407 Proxy Authentication Required",
                        ASK_FOR_CREDENTIALS,
                        reason.into(),
                    )
                    .await);
            }
        }
        if head.method.eq_ignore_ascii_case("CONNECT") {
            return tunnel(ctx, client_in, client_out, &head).await;
        }
        let (origin, path) = match split_absolute(&head.target) {
            Ok(split) => split,
            Err(reason) => return Err(client_out.refuse("400 Bad Request", reason).await),
        };
        let framing = match Framing::for_request(&head) {
            Ok(framing) => framing,
            Err(e) => return Err(client_out.refuse("400 Bad Request", e.to_string()).await),
        };
        // Events only when the row changes, not for every request of a keep-alive connection.
        if target.as_ref() != Some(&origin) {
            ctx.set_target(&origin);
            target = Some(origin.clone());
        }
        let via_proxy = ctx.config.upstream_proxy.as_ref();
        let dial_to = via_proxy.unwrap_or(&origin);
        // Through an upstream proxy every request is checked (one connection serves every
        // origin); directly, when a connection to the origin is opened (a kept-alive one was
        // checked when it was).
        let mut checked = false;
        let mut resolved = None;
        if via_proxy.is_some() {
            if let Err((status, reason)) = guard::check(&ctx.config, &origin, false).await {
                return Err(client_out.refuse(status, reason).await);
            }
            checked = true;
        }
        let head_bytes = client_in.buf[..head.head.len].to_vec();
        client_in.buf.consume(head.head.len);
        let wire_head = if via_proxy.is_some() {
            if ctx.config.proxy_auth.is_some() {
                edit_headers(&head_bytes, &HOP_TO_PROXY[..1], None).into_owned()
            } else {
                head_bytes
            }
        } else {
            let line_end = head_bytes
                .iter()
                .position(|&b| b == b'\n')
                .map_or(head_bytes.len(), |i| i + 1);
            let line = format!("{} {} HTTP/1.{}\r\n", head.method, path, head.head.version);
            let mut rewritten = line.into_bytes();
            rewritten.extend_from_slice(&head_bytes[line_end..]);
            edit_headers(&rewritten, &HOP_TO_PROXY, None).into_owned()
        };
        let response = loop {
            let (up, reused) = match upstream.take() {
                Some(up) if &up.dialled == dial_to => (up, true),
                _ => {
                    if !checked {
                        match guard::check(&ctx.config, &origin, true).await {
                            Ok(Verdict::Open) => {}
                            Ok(Verdict::Resolved(addrs)) => resolved = Some(addrs),
                            Err((status, reason)) => {
                                return Err(client_out.refuse(status, reason).await);
                            }
                        }
                        checked = true;
                    }
                    let timeout = ctx.config.connect_timeout;
                    match connect_to(dial_to, resolved.as_deref(), timeout).await {
                        Ok(stream) => {
                            ctx.connected();
                            let (r, w) = stream.into_halves();
                            let out = ctx.outbound(w);
                            (
                                Upstream {
                                    dialled: dial_to.clone(),
                                    r,
                                    out,
                                    buf: Vec::new(),
                                },
                                false,
                            )
                        }
                        Err(e) => {
                            return Err(client_out.refuse("502 Bad Gateway", e.to_string()).await);
                        }
                    }
                }
            };
            let up = upstream.insert(up);
            // A server that closed a kept-alive connection may not notice this write at once.
            let sent = up.out.send(&wire_head).await;
            let Upstream { r, out, buf, .. } = up;
            let (body, response) = tokio::join!(
                async {
                    sent.map_err(|e| format!("server: {e}"))?;
                    forward_body(&mut client_in, out, framing).await
                },
                relay_response(r, buf, &mut client_out, &head.method),
            );
            match response? {
                // The origin had dropped the kept-alive connection: a request without a body
                // can go again, once, on a fresh one (as browsers do).
                ResponseEnd::Unanswered if reused && framing == Framing::Length(0) => {
                    upstream = None
                }
                ResponseEnd::Unanswered => {
                    return Err("server: closed the connection without answering".into());
                }
                end => {
                    body?;
                    break end;
                }
            }
        };
        match response {
            ResponseEnd::KeepAlive if !head.head.has_token("connection", "close") => {}
            // (Unanswered does not get here: it is retried or an error above.)
            ResponseEnd::KeepAlive | ResponseEnd::Close | ResponseEnd::Unanswered => {
                client_out.out.finish().await;
                return Ok(());
            }
            ResponseEnd::Tunnel => {
                let up = upstream.take().ok_or("internal: upstream vanished")?;
                if !up.buf.is_empty() {
                    client_out.rec.record(&up.buf);
                }
                let client = (client_in.r, client_out.out.into_writer());
                let server = (up.r, up.out.into_writer());
                return relay_both(ctx, client, server, client_in.buf.into_vec(), up.buf).await;
            }
        }
    }
}

/// Reads the next request head; `None` when the client closed between requests.
async fn read_head(
    client_in: &mut ClientIn<'_>,
    client_out: &mut ClientOut<'_>,
) -> Result<Option<RequestHead>, String> {
    loop {
        // A head sent a byte at a time is parsed again only when its blank line may have come.
        if client_in.buf.worth_parsing(MAX_HEAD) {
            match parse_request(&client_in.buf) {
                Ok(Some(head)) => return Ok(Some(head)),
                Ok(None) if client_in.buf.len() > MAX_HEAD => {
                    let reason = format!("request head larger than {MAX_HEAD} bytes");
                    return Err(client_out
                        .refuse("431 Request Header Fields Too Large", reason)
                        .await);
                }
                Ok(None) => {}
                Err(e) => return Err(client_out.refuse("400 Bad Request", e.to_string()).await),
            }
        }
        if client_in.fill().await? == 0 {
            return if client_in.buf.is_empty() {
                Ok(None)
            } else {
                Err("client: closed in the middle of a request head".into())
            };
        }
    }
}

/// CONNECT: dial the authority (through the upstream proxy, if any), say so, relay raw.
async fn tunnel(
    ctx: &ConnCtx,
    mut client_in: ClientIn<'_>,
    mut client_out: ClientOut<'_>,
    head: &RequestHead,
) -> Result<(), String> {
    let target = match HostPort::parse_with_default(&head.target, Some(443)) {
        Ok(target) => target,
        Err(e) => return Err(client_out.refuse("400 Bad Request", e.to_string()).await),
    };
    ctx.set_target(&target);
    let via = ctx.config.upstream_proxy.as_ref();
    let dialed = match guard::check(&ctx.config, &target, via.is_none()).await {
        Ok(Verdict::Open) => dial(&target, via, ctx.config.connect_timeout).await,
        Ok(Verdict::Resolved(addrs)) => {
            connect_to(&target, Some(&addrs), ctx.config.connect_timeout)
                .await
                .map(|stream| Dialed {
                    stream,
                    early: Vec::new(),
                })
        }
        Err((status, reason)) => return Err(client_out.refuse(status, reason).await),
    };
    let dialed = match dialed {
        Ok(dialed) => dialed,
        Err(e) => return Err(client_out.refuse("502 Bad Gateway", e.to_string()).await),
    };
    ctx.connected();
    client_out
        .send(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await?;
    if !dialed.early.is_empty() {
        client_out.rec.record(&dialed.early);
    }
    client_in.buf.consume(head.head.len);
    let client = (client_in.r, client_out.out.into_writer());
    relay_both(
        ctx,
        client,
        dialed.stream.into_halves(),
        client_in.buf.into_vec(),
        dialed.early,
    )
    .await
}

/// Forwards the request body, as far as its framing says; later bytes stay for the next request.
async fn forward_body(
    client_in: &mut ClientIn<'_>,
    out: &mut Outbound,
    framing: Framing,
) -> Result<(), String> {
    let mut body = BodyDecoder::new(framing);
    loop {
        if !client_in.buf.is_empty() {
            let used = body
                .feed(&client_in.buf, &mut |_| {})
                .map_err(|e| format!("client: {e}"))?;
            out.send(&client_in.buf[..used])
                .await
                .map_err(|e| format!("server: {e}"))?;
            client_in.buf.consume(used);
        }
        if body.is_done() {
            return Ok(());
        }
        if client_in.fill().await? == 0 {
            return Err("client: closed before the request body ended".into());
        }
    }
}

/// Relays responses to one request: interim 1xx heads, then the final head and its body.
async fn relay_response(
    r: &mut Reader,
    buf: &mut Vec<u8>,
    client_out: &mut ClientOut<'_>,
    method: &str,
) -> Result<ResponseEnd, String> {
    /// Bytes from the server are recorded when they go on to the client: until then, the
    /// idle clock hears of them here.
    async fn fill(r: &mut Reader, buf: &mut Vec<u8>, rec: &Recorder<'_>) -> Result<usize, String> {
        buf.reserve(READ_SIZE);
        let n = r.read_buf(buf).await.map_err(|e| format!("server: {e}"));
        rec.touch();
        n
    }
    let mut answered = !buf.is_empty();
    loop {
        let head = loop {
            match parse_response(buf) {
                Ok(Some(head)) => break head,
                Ok(None) if buf.len() > MAX_HEAD => {
                    return Err(format!(
                        "server: response head larger than {MAX_HEAD} bytes"
                    ));
                }
                Ok(None) => {}
                Err(e) => return Err(format!("server: {e}")),
            }
            match fill(r, buf, &client_out.rec).await {
                Ok(0) | Err(_) if !answered => return Ok(ResponseEnd::Unanswered),
                Ok(0) => {
                    return Err(
                        "server: closed the connection before a complete response head".into(),
                    );
                }
                Ok(_) => answered = true,
                Err(e) => return Err(e),
            }
        };
        client_out.send(&buf[..head.head.len]).await?;
        buf.drain(..head.head.len);
        let framing = Framing::for_response(method, &head).map_err(|e| format!("server: {e}"))?;
        if framing == Framing::Tunnel {
            return Ok(ResponseEnd::Tunnel);
        }
        if (100..200).contains(&head.status) {
            continue;
        }
        let mut body = BodyDecoder::new(framing);
        loop {
            if !buf.is_empty() {
                let used = body
                    .feed(buf, &mut |_| {})
                    .map_err(|e| format!("server: {e}"))?;
                client_out.send(&buf[..used]).await?;
                buf.drain(..used);
            }
            if body.is_done() {
                let close = head.head.has_token("connection", "close")
                    || head.head.version == 0 && !head.head.has_token("connection", "keep-alive");
                return Ok(if close {
                    ResponseEnd::Close
                } else {
                    ResponseEnd::KeepAlive
                });
            }
            if fill(r, buf, &client_out.rec).await? == 0 {
                return if framing == Framing::UntilClose {
                    Ok(ResponseEnd::Close)
                } else {
                    Err("server: closed the connection before the response body ended".into())
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_targets_split_into_origin_and_path() {
        let (origin, path) = split_absolute("http://example.org:8080/a/b?c=1").unwrap();
        assert_eq!(
            (origin.to_string(), path.as_str()),
            ("example.org:8080".into(), "/a/b?c=1")
        );
        let (origin, path) = split_absolute("HTTP://[::1]?q").unwrap();
        assert_eq!(
            (origin.to_string(), path.as_str()),
            ("[::1]:80".into(), "/?q")
        );
        assert_eq!(
            split_absolute("http://user:pw@h.test/").unwrap().0,
            HostPort::new("h.test", 80)
        );
        assert!(split_absolute("/relative").is_err());
        assert!(split_absolute("https://h.test/").is_err());
    }
}
