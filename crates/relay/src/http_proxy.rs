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
//!
//! A listener with rules (`--rules`, see `act`) runs this loop in forward mode too, with its
//! one target as every request's origin: it dials the target when a request needs it (a mocked
//! request never does), and relays raw bytes that are not HTTP.

mod act;

use crate::breakpoints::{self, At, Resolution};
use crate::config::{HostPort, ListenerConfig};
use crate::conn::{ConnCtx, IntoHalves, Outbound, Reader, Recorder, Writer};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::dial::{Dialed, connect_to, dial};
use crate::guard::{self, Verdict};
use crate::pump::relay_both;
use crate::record::Direction;
use crate::rules::RuleSet;
use std::sync::Arc;
use tcpmon_inspect::http1::{
    BodyDecoder, Framing, HeadBuffer, RequestHead, edit_headers, parse_request, parse_response,
};
use tcpmon_inspect::rules::apply::with_length;
use tcpmon_inspect::rules::{MapTo, Phase};
use tcpmon_inspect::url::split_url;
use tokio::io::AsyncReadExt;

/// Largest request or response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Bytes asked for per read.
const READ_SIZE: usize = 64 * 1024;
/// Headers meant for this proxy, never forwarded to an origin.
const HOP_TO_PROXY: [&str; 2] = ["Proxy-Authorization", "Proxy-Connection"];
/// What a client without the right credentials is told.
const ASK_FOR_CREDENTIALS: &str = "Proxy-Authenticate: Basic realm=\"TCPMon\"\r\n";

type Result<T> = std::result::Result<T, ConnectionError>;

/// A request the client sent that this proxy cannot serve (the `400`s).
fn bad_request(why: impl ToString) -> ConnectionError {
    ConnectionError::new(Side::Client, FailureKind::Protocol, why.to_string())
}

/// Bytes from the client, recorded as they arrive, kept until they are forwarded.
struct ClientIn<'a> {
    r: Reader,
    /// Read and not yet forwarded: pipelined requests are taken from its front in linear time.
    buf: HeadBuffer,
    rec: Recorder<'a>,
}

impl ClientIn<'_> {
    /// Reads more; 0 at end of stream.
    async fn fill(&mut self) -> Result<usize> {
        let buf = self.buf.vec();
        let start = buf.len();
        buf.reserve(READ_SIZE);
        let n = self
            .r
            .read_buf(buf)
            .await
            .map_err(|e| ConnectionError::relaying(Side::Client, e))?;
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
    async fn send(&mut self, data: &[u8]) -> Result<()> {
        self.rec.record(&data[..self.out.before_cut(data.len())]);
        self.out
            .send(data)
            .await
            .map_err(|e| ConnectionError::relaying(Side::Client, e))
    }

    /// Answers with an error page made by TCPMon saying why, then closes; returns the error.
    async fn refuse(&mut self, status: &str, why: ConnectionError) -> ConnectionError {
        self.refuse_with(status, "", why).await
    }

    /// Answers `400 Bad Request`: the client sent what this proxy cannot serve.
    async fn refuse_bad(&mut self, why: impl ToString) -> ConnectionError {
        self.refuse("400 Bad Request", bad_request(why)).await
    }

    /// [`ClientOut::refuse`] with extra header lines (each ending in CRLF).
    async fn refuse_with(
        &mut self,
        status: &str,
        headers: &str,
        why: ConnectionError,
    ) -> ConnectionError {
        let body = format!("TCPMon: {}\n", why.reason());
        let response = format!(
            "HTTP/1.1 {status}\r\n{headers}Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        // The reason is what matters; a client that is gone cannot read it anyway.
        let _ = self.send(response.as_bytes()).await;
        self.out.finish().await;
        why
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

/// What the client connection does after an exchange.
enum Next {
    /// Read the next request.
    Request,
    /// Close.
    Close,
    /// Relay raw bytes between the client and this upstream connection.
    Raw(Upstream),
}

/// Where one request goes, and as what bytes.
struct Route {
    origin: HostPort,
    framing: Framing,
    /// The head as it goes on the wire.
    wire_head: Vec<u8>,
    /// The loopback guard's verdict on the origin, once it has been asked.
    checked: Option<Verdict>,
    /// A body the rules made, sent instead of the client's (taken from its buffer whole).
    body: Option<(Vec<u8>, usize)>,
}

/// What the request rules made of a request.
enum Ruling {
    /// A mock answered it; the next request follows.
    Answered,
    /// A mock answered it and the connection is closed.
    Closed,
    /// It goes on along this route.
    Forward(Route, Ruled),
}

/// What became of a request held at a breakpoint.
enum AfterPause {
    /// It goes on, `edited` or as it was.
    Goes { edited: bool },
    /// It was dropped or answered.
    Ended(Ruling),
}

/// What rules know of one exchange: its number on the connection, and the request as the
/// client sent it (head, and body when held).
struct Ruled {
    set: Arc<RuleSet>,
    exchange: usize,
    request: Vec<u8>,
    host: String,
}

/// Splits an absolute-form `http://host[:port]/path` target into origin and origin-form path.
fn split_absolute(target: &str) -> Result<(HostPort, String)> {
    let url = split_url(target);
    let authority = match (url.scheme, url.authority) {
        (Some(scheme), Some(authority)) if scheme.eq_ignore_ascii_case("http") => authority,
        _ => {
            return Err(bad_request(format!(
                "a proxy request needs an absolute http:// URL (https goes through CONNECT), got {target:?}"
            )));
        }
    };
    let origin = HostPort::parse_with_default(authority, Some(80)).map_err(bad_request)?;
    Ok((origin, url.origin_form()))
}

/// The request head as it goes out: to an upstream proxy unchanged (less the credentials this
/// proxy asked for itself), to an origin in origin form without the headers meant for proxies.
fn wire_head(config: &ListenerConfig, head: &RequestHead, bytes: Vec<u8>, path: &str) -> Vec<u8> {
    if config.upstream_proxy.is_some() {
        return if config.proxy_auth.is_some() {
            edit_headers(&bytes, &HOP_TO_PROXY[..1], None).into_owned()
        } else {
            bytes
        };
    }
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    let line = format!("{} {} HTTP/1.{}\r\n", head.method, path, head.head.version);
    let mut rewritten = line.into_bytes();
    rewritten.extend_from_slice(&bytes[line_end..]);
    edit_headers(&rewritten, &HOP_TO_PROXY, None).into_owned()
}

/// Both directions of a client connection, recorded.
fn client_sides(ctx: &ConnCtx, (r, w): (Reader, Writer)) -> (ClientIn<'_>, ClientOut<'_>) {
    let client_in = ClientIn {
        r,
        buf: HeadBuffer::default(),
        rec: ctx.recorder(Direction::ClientToServer),
    };
    let client_out = ClientOut {
        out: ctx.outbound(w, Direction::ServerToClient),
        rec: ctx.recorder(Direction::ServerToClient),
    };
    (client_in, client_out)
}

/// Serves a client connection: as a proxy, or (`fixed`) in forward mode to that one target.
pub(crate) async fn run(
    ctx: &ConnCtx,
    client: impl IntoHalves,
    fixed: Option<&HostPort>,
) -> Result<()> {
    let (client_in, client_out) = client_sides(ctx, client.halves_for(ctx));
    let mut proxy = Proxy {
        ctx,
        client_in,
        client_out,
        upstream: None,
        target: fixed.cloned(),
        fixed,
    };
    for exchange in 0.. {
        let head = match read_head(&mut proxy.client_in, &mut proxy.client_out, fixed).await? {
            Read::Head(head) => head,
            Read::Closed => {
                proxy.client_out.out.finish().await;
                return Ok(());
            }
            Read::NotHttp(target) => return proxy.relay_unparsed(target).await,
        };
        proxy.authorize(&head).await?;
        if fixed.is_none() && head.method.eq_ignore_ascii_case("CONNECT") {
            return proxy.tunnel(&head).await;
        }
        let (route, ruled) = match ctx.config.rules.0.clone() {
            Some(set) => match proxy.apply_rules(&head, set, exchange).await? {
                Ruling::Forward(route, ruled) => (route, Some(ruled)),
                Ruling::Answered => continue,
                Ruling::Closed => return Ok(()),
            },
            None => (proxy.route(&head, None).await?, None),
        };
        match proxy.exchange(&head, route, ruled.as_ref()).await? {
            Next::Request => {}
            Next::Close => {
                proxy.client_out.out.finish().await;
                return Ok(());
            }
            Next::Raw(up) => return proxy.relay_raw(up).await,
        }
    }
    Ok(())
}

/// One client connection in proxy mode: both its directions, and the upstream connection kept
/// alive between its requests.
struct Proxy<'a> {
    ctx: &'a ConnCtx,
    client_in: ClientIn<'a>,
    client_out: ClientOut<'a>,
    upstream: Option<Upstream>,
    /// The origin the connection's row shows.
    target: Option<HostPort>,
    /// Forward mode (with rules): the one target.
    fixed: Option<&'a HostPort>,
}

impl Proxy<'_> {
    /// With `proxy_auth`, a request without the credentials gets `407` and ends the connection.
    async fn authorize(&mut self, head: &RequestHead) -> Result<()> {
        let Some(auth) = &self.ctx.config.proxy_auth else {
            return Ok(());
        };
        let given = head.head.header("proxy-authorization");
        if auth.accepts(given) {
            return Ok(());
        }
        let reason = if given.is_some() {
            "proxy authentication failed: wrong user name or password"
        } else {
            "proxy authentication required: the request has no Proxy-Authorization"
        };
        let why = ConnectionError::new(Side::Client, FailureKind::Denied, reason);
        let status = "407 Proxy Authentication Required";
        Err(self
            .client_out
            .refuse_with(status, ASK_FOR_CREDENTIALS, why)
            .await)
    }

    /// Where `head` goes and the bytes it goes as; takes the head from the client's buffer.
    /// In forward mode the head goes as it came (less what `--rewrite-host` changes); `map`
    /// sends it to another origin and path prefix, with that origin as its `Host`.
    async fn route(&mut self, head: &RequestHead, map: Option<&MapTo>) -> Result<Route> {
        if let Some(target) = self.fixed {
            return Ok(self.fixed_route(head, target.clone()));
        }
        let (mut origin, mut path) = match split_absolute(&head.target) {
            Ok(split) => split,
            Err(why) => return Err(self.client_out.refuse("400 Bad Request", why).await),
        };
        if let Some(map) = map {
            origin = HostPort::new(map.host.clone(), map.port);
            path = map.path(&path);
        }
        let framing = match Framing::for_request(head) {
            Ok(framing) => framing,
            Err(e) => return Err(self.client_out.refuse_bad(e).await),
        };
        // Events only when the row changes, not for every request of a keep-alive connection.
        if self.target.as_ref() != Some(&origin) {
            self.ctx.set_target(&origin);
            self.target = Some(origin.clone());
        }
        // Through an upstream proxy every request is checked (one connection serves every
        // origin); directly, when a connection to the origin is opened (a kept-alive one was
        // checked when it was).
        let mut checked = None;
        if self.ctx.config.upstream_proxy.is_some() {
            match guard::check(&self.ctx.config, &origin, false).await {
                Ok(verdict) => checked = Some(verdict),
                Err((status, why)) => return Err(self.client_out.refuse(status, why).await),
            }
        }
        let bytes = self.client_in.buf[..head.head.len].to_vec();
        self.client_in.buf.consume(head.head.len);
        let mut wire_head = wire_head(&self.ctx.config, head, bytes, &path);
        if map.is_some() {
            let host = origin.to_string();
            wire_head = edit_headers(&wire_head, &["host"], Some(host.as_bytes())).into_owned();
        }
        Ok(Route {
            wire_head,
            origin,
            framing,
            checked,
            body: None,
        })
    }

    /// Forward mode's route: the target, the head as it came (its `Host` rewritten with
    /// `--rewrite-host`). A framing that cannot be followed goes as it came, relayed raw.
    fn fixed_route(&mut self, head: &RequestHead, origin: HostPort) -> Route {
        let mut wire_head = self.client_in.buf[..head.head.len].to_vec();
        self.client_in.buf.consume(head.head.len);
        if let Some(host) = self.ctx.config.rewritten_host() {
            let mut rewritten = Vec::new();
            tcpmon_inspect::rewrite::HostRewriter::new(&host).push(&wire_head, &mut rewritten);
            wire_head = rewritten;
        }
        Route {
            wire_head,
            origin,
            framing: Framing::for_request(head).unwrap_or(Framing::UntilClose),
            checked: Some(Verdict::Open),
            body: None,
        }
    }

    /// The request rules on the request at the front of the client's buffer: `None` when a
    /// mock answered it and the next request follows; else its route, edited, and what the
    /// response rules need. A mock that ends the connection ends it here.
    async fn apply_rules(
        &mut self,
        head: &RequestHead,
        set: Arc<RuleSet>,
        exchange: usize,
    ) -> Result<Ruling> {
        let host = self.fixed.map(ToString::to_string).unwrap_or_default();
        let verdict = act::on_request(&mut self.client_in, head, &set, &host).await?;
        if let Some(rule) = verdict.mock {
            let response = act::mock(&set, (self.ctx, exchange), rule);
            self.client_in.buf.consume(head.head.len);
            let framing = Framing::for_request(head).unwrap_or(Framing::Length(0));
            return self.answer(head, &response, framing).await;
        }
        let map = verdict.map.as_ref().map(|(_, to)| to);
        let mut route = self.route(head, map).await?;
        if let Some((rule, to)) = &verdict.map {
            let what = format!("sent to {}{}", route.origin, to.prefix);
            set.acted(self.ctx, exchange, *rule, what);
        }
        if !verdict.edits.is_empty() {
            let (wire, body) =
                act::edit_request(&set, (self.ctx, exchange), &verdict, &route.wire_head);
            route.wire_head = wire;
            let used = verdict.held.as_ref().map_or(0, |(_, used)| *used);
            route.body = body.map(|b| (b, used));
        }
        let mut changed = verdict.map.is_some() || !verdict.edits.is_empty();
        if let Some(rule) = verdict.pause {
            let at = At {
                exchange,
                phase: Phase::Request,
                rule,
            };
            match self.pause(head, &set, &at, &verdict, &mut route).await? {
                AfterPause::Goes { edited } => changed |= edited,
                AfterPause::Ended(ruling) => return Ok(ruling),
            }
        }
        if changed {
            // The capture keeps the client's request; the server's is kept beside it.
            let mut message = route.wire_head.clone();
            if let Some((body, _)) = &route.body {
                message.extend_from_slice(body);
            }
            let whole = route.body.is_some();
            (self.ctx).keep_server_side(exchange, Direction::ClientToServer, &message, whole);
        }
        let ruled = Ruled {
            set,
            exchange,
            request: verdict.request,
            host,
        };
        Ok(Ruling::Forward(route, ruled))
    }

    /// Answers the request whose head was taken, with `response` (a mock's, or the user's at a
    /// breakpoint): its body is taken from the client unforwarded; the connection closes after
    /// it when the request asked to.
    async fn answer(
        &mut self,
        head: &RequestHead,
        response: &[u8],
        framing: Framing,
    ) -> Result<Ruling> {
        self.client_out.send(response).await?;
        forward_body(&mut self.client_in, None, framing).await?;
        let close = head.head.has_token("connection", "close")
            || head.head.version == 0 && !head.head.has_token("connection", "keep-alive");
        if close {
            self.client_out.out.finish().await;
            return Ok(Ruling::Closed);
        }
        Ok(Ruling::Answered)
    }

    /// Holds the request `route` carries at a breakpoint until the user decides: whether it
    /// goes on (`route` as edited), or what ended it (dropped, or answered from the app).
    async fn pause(
        &mut self,
        head: &RequestHead,
        set: &RuleSet,
        at: &At,
        verdict: &act::OnRequest,
        route: &mut Route,
    ) -> Result<AfterPause> {
        let held = (route.body.as_ref().map(|(b, _)| b.clone()))
            .or_else(|| verdict.held.as_ref().map(|(p, _)| p.clone()));
        let resolution =
            breakpoints::pause(self.ctx, at, route.wire_head.clone(), held.clone()).await;
        let what = breakpoints::describe(Phase::Request, &resolution);
        set.acted(self.ctx, at.exchange, at.rule, what);
        match resolution {
            Resolution::Unchanged => return Ok(AfterPause::Goes { edited: false }),
            Resolution::Edited { head, body } => match body.or(held) {
                Some(body) => {
                    route.wire_head = with_length(&head, body.len());
                    let used = verdict.held.as_ref().map_or(0, |(_, used)| *used);
                    route.body = Some((body, used));
                }
                None => route.wire_head = head,
            },
            Resolution::Drop => {
                self.client_out.out.finish().await;
                return Ok(AfterPause::Ended(Ruling::Closed));
            }
            Resolution::Respond { head: answer, body } => {
                let mut response = with_length(&answer, body.len());
                response.extend_from_slice(&body);
                let ruling = self.answer(head, &response, route.framing).await?;
                return Ok(AfterPause::Ended(ruling));
            }
        }
        Ok(AfterPause::Goes { edited: true })
    }

    /// Sends the request along `route` and relays its response. A request without a body whose
    /// kept-alive connection the origin had dropped goes again, once, on a fresh one (as
    /// browsers do).
    async fn exchange(
        &mut self,
        head: &RequestHead,
        mut route: Route,
        ruled: Option<&Ruled>,
    ) -> Result<Next> {
        loop {
            let (mut up, reused) = self.upstream_for(&mut route).await?;
            let end = self.send(&mut up, &route, &head.method, ruled).await?;
            return Ok(match end {
                ResponseEnd::Unanswered if reused && route.framing == Framing::Length(0) => {
                    continue;
                }
                ResponseEnd::Unanswered => {
                    let why = "closed the connection without answering";
                    return Err(ConnectionError::broke(
                        Side::Target,
                        FailureKind::Closed,
                        why,
                    ));
                }
                ResponseEnd::Tunnel => Next::Raw(up),
                ResponseEnd::KeepAlive if !head.head.has_token("connection", "close") => {
                    self.upstream = Some(up);
                    Next::Request
                }
                ResponseEnd::KeepAlive | ResponseEnd::Close => Next::Close,
            });
        }
    }

    /// The connection `route` goes on, and whether it was kept alive from an earlier request:
    /// a new one is opened only after the loopback guard let the origin through.
    async fn upstream_for(&mut self, route: &mut Route) -> Result<(Upstream, bool)> {
        if let Some(target) = self.fixed {
            if let Some(up) = self.upstream.take() {
                return Ok((up, true));
            }
            return Ok((self.dial_fixed(target).await?, false));
        }
        let via_proxy = self.ctx.config.upstream_proxy.as_ref();
        let dial_to = via_proxy.unwrap_or(&route.origin);
        if let Some(up) = self.upstream.take().filter(|up| &up.dialled == dial_to) {
            return Ok((up, true));
        }
        if route.checked.is_none() {
            match guard::check(&self.ctx.config, &route.origin, true).await {
                Ok(verdict) => route.checked = Some(verdict),
                Err((status, why)) => return Err(self.client_out.refuse(status, why).await),
            }
        }
        let resolved = match &route.checked {
            Some(Verdict::Resolved(addrs)) => Some(&addrs[..]),
            _ => None,
        };
        let side = if via_proxy.is_some() {
            Side::UpstreamProxy
        } else {
            Side::Target
        };
        let timeout = self.ctx.config.connect_timeout;
        let stream = match connect_to(dial_to, side, resolved, timeout).await {
            Ok(stream) => stream,
            Err(why) => return Err(self.client_out.refuse("502 Bad Gateway", why).await),
        };
        self.ctx.connected();
        self.ctx.faults.watch(stream.socket());
        let (r, w) = stream.halves_for(self.ctx);
        let up = Upstream {
            dialled: dial_to.clone(),
            r,
            out: self.ctx.outbound(w, Direction::ClientToServer),
            buf: Vec::new(),
        };
        Ok((up, false))
    }

    /// Forward mode: the target dialled as the listener says (upstream proxy, TLS); a failure
    /// is the connection's.
    async fn dial_fixed(&mut self, target: &HostPort) -> Result<Upstream> {
        let config = &self.ctx.config;
        let dialed = dial(
            target,
            config.upstream_proxy.as_ref(),
            config.connect_timeout,
        )
        .await?;
        self.ctx.connected();
        self.ctx.faults.watch(dialed.stream.socket());
        let ((r, w), buf) = crate::forward::target_side(self.ctx, dialed, target).await?;
        Ok(Upstream {
            dialled: target.clone(),
            r,
            out: self.ctx.outbound(w, Direction::ClientToServer),
            buf,
        })
    }

    /// Forward mode: bytes that are not an HTTP request go to the target raw from here on.
    async fn relay_unparsed(mut self, target: &HostPort) -> Result<()> {
        let up = match self.upstream.take() {
            Some(up) => up,
            None => self.dial_fixed(target).await?,
        };
        self.relay_raw(up).await
    }

    /// Sends the request's head and body on `up` while relaying its response to the client.
    async fn send(
        &mut self,
        up: &mut Upstream,
        route: &Route,
        method: &str,
        ruled: Option<&Ruled>,
    ) -> Result<ResponseEnd> {
        // A server that closed a kept-alive connection may not notice this write at once.
        let sent = up.out.send(&route.wire_head).await;
        let Upstream { r, out, buf, .. } = up;
        let Self {
            client_in,
            client_out,
            ctx,
            ..
        } = self;
        let rules = ruled.map(|ruled| act::ResponseRules {
            set: &ruled.set,
            ctx,
            exchange: ruled.exchange,
            request: &ruled.request,
            host: &ruled.host,
        });
        let (body, response) = tokio::join!(
            async {
                sent.map_err(|e| ConnectionError::relaying(Side::Target, e))?;
                match &route.body {
                    Some((body, used)) => {
                        client_in.buf.consume(*used);
                        out.send(body)
                            .await
                            .map_err(|e| ConnectionError::relaying(Side::Target, e))
                    }
                    None => forward_body(client_in, Some(out), route.framing).await,
                }
            },
            relay_response(r, buf, client_out, method, rules.as_ref()),
        );
        match response? {
            ResponseEnd::Unanswered => Ok(ResponseEnd::Unanswered),
            end => body.map(|()| end),
        }
    }

    /// After a protocol switch: relays raw bytes between the client and `up` until both end.
    async fn relay_raw(self, up: Upstream) -> Result<()> {
        let Self {
            ctx,
            client_in,
            mut client_out,
            ..
        } = self;
        if !up.buf.is_empty() {
            client_out.rec.record(&up.buf);
        }
        let client = (client_in.r, client_out.out.into_writer());
        let server = (up.r, up.out.into_writer());
        relay_both(ctx, client, server, client_in.buf.into_vec(), up.buf).await
    }

    /// CONNECT: dial the authority (through the upstream proxy, if any), say so, relay raw.
    async fn tunnel(mut self, head: &RequestHead) -> Result<()> {
        let ctx = self.ctx;
        let target = match HostPort::parse_with_default(&head.target, Some(443)) {
            Ok(target) => target,
            Err(e) => return Err(self.client_out.refuse_bad(e).await),
        };
        ctx.set_target(&target);
        let via = ctx.config.upstream_proxy.as_ref();
        let timeout = ctx.config.connect_timeout;
        let dialed = match guard::check(&ctx.config, &target, via.is_none()).await {
            Ok(Verdict::Open) => dial(&target, via, timeout).await,
            Ok(Verdict::Resolved(addrs)) => {
                connect_to(&target, Side::Target, Some(&addrs), timeout)
                    .await
                    .map(|stream| Dialed {
                        stream,
                        early: Vec::new(),
                    })
            }
            Err((status, why)) => return Err(self.client_out.refuse(status, why).await),
        };
        let dialed = match dialed {
            Ok(dialed) => dialed,
            Err(why) => return Err(self.client_out.refuse("502 Bad Gateway", why).await),
        };
        ctx.connected();
        ctx.faults.watch(dialed.stream.socket());
        let Self {
            mut client_in,
            mut client_out,
            ..
        } = self;
        client_out
            .send(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        if !dialed.early.is_empty() {
            client_out.rec.record(&dialed.early);
        }
        client_in.buf.consume(head.head.len);
        let mut early = client_in.buf.into_vec();
        // What was read so far is recorded; what a decrypting proxy reads next is not yet.
        let recorded = early.len();
        let mut client = (client_in.r, client_out.out.into_writer());
        if ctx.config.decrypt_tls
            && !ctx.config.passes_through(&target.host)
            && dialed.early.is_empty()
            && first_byte(&mut client.0, &mut early).await?
                == Some(tcpmon_inspect::tls::HANDSHAKE_RECORD)
        {
            return decrypt(ctx, client, (early, recorded), dialed.stream, &target).await;
        }
        ctx.recorder(Direction::ClientToServer)
            .record(&early[recorded..]);
        relay_both(
            ctx,
            client,
            dialed.stream.halves_for(ctx),
            early,
            dialed.early,
        )
        .await
    }
}

/// The first byte of a tunnel's client stream: the first of `early`, or read into it.
async fn first_byte(reader: &mut Reader, early: &mut Vec<u8>) -> Result<Option<u8>> {
    if early.is_empty() {
        let mut byte = [0; 1];
        let n = reader
            .read(&mut byte)
            .await
            .map_err(|e| ConnectionError::relaying(Side::Client, e))?;
        early.extend_from_slice(&byte[..n]);
    }
    Ok(early.first().copied())
}

/// A CONNECT tunnel whose client speaks TLS, decrypted (see `tls::intercept`): the plaintext
/// is relayed and recorded, and tracked as HTTP again when it is HTTP/1; a host not to decrypt
/// passes through; an origin that fails is explained to the client inside its session.
#[cfg(feature = "tls")]
async fn decrypt(
    ctx: &ConnCtx,
    client: (Reader, Writer),
    (early, recorded): (Vec<u8>, usize),
    origin: tokio::net::TcpStream,
    target: &HostPort,
) -> Result<()> {
    use crate::tls::Interception;
    let ca_dir = ctx.core.ca_dir.as_deref();
    match crate::tls::intercept(client, early, origin, target, &ctx.config, ca_dir).await? {
        Interception::Decrypted(sides) => {
            ctx.client_secured(sides.client_facts);
            ctx.secured(sides.origin_facts);
            if sides.http {
                ctx.core.store.resume_http(ctx.id);
            }
            relay_both(ctx, sides.client, sides.origin, Vec::new(), Vec::new()).await
        }
        Interception::PassThrough {
            client,
            early,
            origin,
        } => {
            // The ClientHello read to decide is relayed as it came, and recorded.
            ctx.recorder(Direction::ClientToServer)
                .record(&early[recorded.min(early.len())..]);
            relay_both(ctx, client, origin.halves_for(ctx), early, Vec::new()).await
        }
        Interception::OriginFailed {
            client,
            client_facts,
            why,
        } => {
            ctx.client_secured(client_facts);
            Err(refuse_inside(ctx, client, why).await)
        }
    }
}

/// Tells a decrypted tunnel's client why its origin is out of reach: its request gets a
/// `502` page inside its TLS session (recorded as an exchange, as a plain proxy's refusals
/// are). Returns `why`, the connection's reason, whatever the client does.
#[cfg(feature = "tls")]
async fn refuse_inside(
    ctx: &ConnCtx,
    client: (Reader, Writer),
    why: ConnectionError,
) -> ConnectionError {
    ctx.core.store.resume_http(ctx.id);
    let (mut client_in, mut client_out) = client_sides(ctx, client);
    let request = read_head(&mut client_in, &mut client_out, None);
    match tokio::time::timeout(crate::tls::HANDSHAKE_TIMEOUT, request).await {
        Ok(Ok(Read::Head(_))) => client_out.refuse("502 Bad Gateway", why).await,
        _ => why,
    }
}

/// Without the `tls` feature nothing is decrypted: a listener asking says why on each tunnel.
#[cfg(not(feature = "tls"))]
async fn decrypt(
    _: &ConnCtx,
    _: (Reader, Writer),
    _: (Vec<u8>, usize),
    _: tokio::net::TcpStream,
    _: &HostPort,
) -> Result<()> {
    let what = "this build of TCPMon has no TLS (the relay's `tls` feature)";
    Err(ConnectionError::new(Side::Client, FailureKind::Tls, what))
}

/// What the client sent next.
enum Read<'a> {
    /// A request head.
    Head(RequestHead),
    /// Nothing: it closed between requests.
    Closed,
    /// Forward mode: bytes that are not HTTP, for this target.
    NotHttp(&'a HostPort),
}

/// Reads the next request head. In forward mode (`fixed`) bytes that are not one are relayed
/// raw instead of refused.
async fn read_head<'a>(
    client_in: &mut ClientIn<'_>,
    client_out: &mut ClientOut<'_>,
    fixed: Option<&'a HostPort>,
) -> Result<Read<'a>> {
    loop {
        // A head sent a byte at a time is parsed again only when its blank line may have come.
        if client_in.buf.worth_parsing(MAX_HEAD) {
            match parse_request(&client_in.buf) {
                Ok(Some(head)) => return Ok(Read::Head(head)),
                Ok(None) | Err(_) if fixed.is_some() && client_in.buf.len() > MAX_HEAD => {
                    return Ok(fixed.map_or(Read::Closed, Read::NotHttp));
                }
                Err(_) if fixed.is_some() => return Ok(fixed.map_or(Read::Closed, Read::NotHttp)),
                Ok(None) if client_in.buf.len() > MAX_HEAD => {
                    let why = bad_request(format!("request head larger than {MAX_HEAD} bytes"));
                    return Err(client_out
                        .refuse("431 Request Header Fields Too Large", why)
                        .await);
                }
                Ok(None) => {}
                Err(e) => return Err(client_out.refuse_bad(e).await),
            }
        }
        if client_in.fill().await? == 0 {
            return if client_in.buf.is_empty() {
                Ok(Read::Closed)
            } else if let Some(target) = fixed {
                Ok(Read::NotHttp(target))
            } else {
                let why = "closed in the middle of a request head";
                Err(ConnectionError::broke(
                    Side::Client,
                    FailureKind::Closed,
                    why,
                ))
            };
        }
    }
}

/// Forwards the request body, as far as its framing says (`out` none: takes it, forwarding
/// nothing); later bytes stay for the next request.
async fn forward_body(
    client_in: &mut ClientIn<'_>,
    mut out: Option<&mut Outbound>,
    framing: Framing,
) -> Result<()> {
    let mut body = BodyDecoder::new(framing);
    loop {
        if !client_in.buf.is_empty() {
            let used = body
                .feed(&client_in.buf, &mut |_| {})
                .map_err(|e| ConnectionError::broke(Side::Client, FailureKind::Protocol, e))?;
            if let Some(out) = &mut out {
                out.send(&client_in.buf[..used])
                    .await
                    .map_err(|e| ConnectionError::relaying(Side::Target, e))?;
            }
            client_in.buf.consume(used);
        }
        if body.is_done() {
            return Ok(());
        }
        if client_in.fill().await? == 0 {
            let why = "closed before the request body ended";
            return Err(ConnectionError::broke(
                Side::Client,
                FailureKind::Closed,
                why,
            ));
        }
    }
}

/// The server sent what is not HTTP, or too much of it.
fn bad_response(why: impl std::fmt::Display) -> ConnectionError {
    ConnectionError::broke(Side::Target, FailureKind::Protocol, why)
}

/// The server closed before `what` ended.
fn closed_before(what: &str) -> ConnectionError {
    let why = format!("closed the connection before {what}");
    ConnectionError::broke(Side::Target, FailureKind::Closed, why)
}

/// Reads more of the server's bytes. They are recorded when they go on to the client: until
/// then, the idle clock hears of them here.
async fn fill_from(r: &mut Reader, buf: &mut Vec<u8>, rec: &Recorder<'_>) -> Result<usize> {
    buf.reserve(READ_SIZE);
    let n = r
        .read_buf(buf)
        .await
        .map_err(|e| ConnectionError::relaying(Side::Target, e));
    rec.touch();
    n
}

/// Whether the connection closes after a response with this head.
fn closes(head: &tcpmon_inspect::http1::ResponseHead) -> ResponseEnd {
    let close = head.head.has_token("connection", "close")
        || head.head.version == 0 && !head.head.has_token("connection", "keep-alive");
    if close {
        ResponseEnd::Close
    } else {
        ResponseEnd::KeepAlive
    }
}

/// Relays responses to one request: interim 1xx heads, then the final head and its body
/// (changed first when response rules match it; none when a breakpoint dropped it).
async fn relay_response(
    r: &mut Reader,
    buf: &mut Vec<u8>,
    client_out: &mut ClientOut<'_>,
    method: &str,
    rules: Option<&act::ResponseRules<'_>>,
) -> Result<ResponseEnd> {
    let mut answered = !buf.is_empty();
    loop {
        let head = loop {
            match parse_response(buf) {
                Ok(Some(head)) => break head,
                Ok(None) if buf.len() > MAX_HEAD => {
                    return Err(bad_response(format!(
                        "response head larger than {MAX_HEAD} bytes"
                    )));
                }
                Ok(None) => {}
                Err(e) => return Err(bad_response(e)),
            }
            match fill_from(r, buf, &client_out.rec).await {
                Ok(0) | Err(_) if !answered => return Ok(ResponseEnd::Unanswered),
                Ok(0) => return Err(closed_before("a complete response head")),
                Ok(_) => answered = true,
                Err(e) => return Err(e),
            }
        };
        let framing = Framing::for_response(method, &head).map_err(bad_response)?;
        let is_final = framing != Framing::Tunnel && !(100..200).contains(&head.status);
        let ruled = match rules {
            Some(rules) if is_final => {
                act::on_response(rules, r, buf, &head, framing, &client_out.rec).await?
            }
            _ => act::Answer::Unchanged,
        };
        match &ruled {
            act::Answer::Changed(edited, _) => client_out.send(edited).await?,
            act::Answer::Unchanged => client_out.send(&buf[..head.head.len]).await?,
            act::Answer::Drop => return Ok(ResponseEnd::Close),
        }
        buf.drain(..head.head.len);
        if let act::Answer::Changed(_, Some(body)) = ruled {
            client_out.send(&body).await?;
            return Ok(match framing {
                Framing::UntilClose => ResponseEnd::Close,
                _ => closes(&head),
            });
        }
        if framing == Framing::Tunnel {
            return Ok(ResponseEnd::Tunnel);
        }
        if !is_final {
            continue;
        }
        let mut body = BodyDecoder::new(framing);
        loop {
            if !buf.is_empty() {
                let used = body.feed(buf, &mut |_| {}).map_err(bad_response)?;
                client_out.send(&buf[..used]).await?;
                buf.drain(..used);
            }
            if body.is_done() {
                return Ok(closes(&head));
            }
            if fill_from(r, buf, &client_out.rec).await? == 0 {
                return if framing == Framing::UntilClose {
                    Ok(ResponseEnd::Close)
                } else {
                    Err(closed_before("the response body ended"))
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
