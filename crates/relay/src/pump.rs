//! Raw relaying: one pump per direction reads a chunk, records it, writes it on; end-of-stream
//! on one side half-closes the other, an error on either ends both.

use crate::conn::{ConnCtx, Outbound, Reader, Recorder, Writer};
use crate::conn_error::{ConnectionError, Side};
use crate::inject::{Injection, Waiting};
use crate::record::{ConnectionState, Direction};
use tcpmon_inspect::rewrite::HostRewriter;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc::UnboundedReceiver;

/// First read buffer; idle keep-alive connections stay this small.
const MIN_BUF: usize = 8 * 1024;
/// Reads that fill the buffer double it up to this, so bulk transfers make few syscalls.
const MAX_BUF: usize = 256 * 1024;

/// The end a pump of `dir` reads from (`reading`) or writes to.
fn side(dir: Direction, reading: bool) -> Side {
    match (dir, reading) {
        (Direction::ClientToServer, true) | (Direction::ServerToClient, false) => Side::Client,
        _ => Side::Target,
    }
}

/// One direction's pump: where it reads and writes, and what it writes besides.
struct Pump<'a> {
    ctx: &'a ConnCtx,
    rec: Recorder<'a>,
    dir: Direction,
    src: Reader,
    out: Outbound,
    rewriter: Option<HostRewriter>,
    /// WebSocket messages the user sends this way.
    inject: UnboundedReceiver<Injection>,
}

/// The next message the user sends (never, once nobody can).
async fn next_injection(inject: &mut UnboundedReceiver<Injection>) -> Injection {
    match inject.recv().await {
        Some(injection) => injection,
        None => std::future::pending().await,
    }
}

/// Writes the user's messages that are due (see `inject`), recorded as relayed bytes are.
async fn write_due(
    waiting: &mut Waiting,
    ctx: &ConnCtx,
    dir: Direction,
    rec: &mut Recorder<'_>,
    out: &mut Outbound,
) -> std::io::Result<()> {
    for injection in waiting.due(ctx, dir) {
        // Marked first: whoever reads the message once it is recorded sees it as injected.
        let start = ctx.core.store.recorded_len(ctx.id, dir).unwrap_or(0);
        injection.mark(ctx, dir, start);
        let frame = injection.frame();
        rec.record(&frame[..out.before_cut(frame.len())]);
        out.send(frame).await?;
        injection.sent();
    }
    Ok(())
}

/// Relays one direction until end-of-stream; `early` bytes (already recorded) go first.
async fn pump(p: Pump<'_>, early: Vec<u8>) -> Result<(), ConnectionError> {
    let Pump {
        ctx,
        mut rec,
        dir,
        mut src,
        mut out,
        mut rewriter,
        mut inject,
    } = p;
    let write_failed = |e| ConnectionError::relaying(side(dir, false), e);
    if !early.is_empty() {
        out.send(&early).await.map_err(write_failed)?;
    }
    let mut buf = vec![0; MIN_BUF];
    let mut rewritten = Vec::new();
    let mut waiting = Waiting::default();
    loop {
        let read = tokio::select! {
            read = src.read(&mut buf) => read,
            injection = next_injection(&mut inject) => {
                waiting.push(injection);
                write_due(&mut waiting, ctx, dir, &mut rec, &mut out).await.map_err(write_failed)?;
                continue;
            }
        };
        let n = read.map_err(|e| ConnectionError::relaying(side(dir, true), e))?;
        if n == 0 {
            if let Some(held) = rewriter.take().map(HostRewriter::finish) {
                rec.record(&held);
                out.send(&held).await.map_err(write_failed)?;
            }
            out.finish().await;
            return Ok(());
        }
        let data = match &mut rewriter {
            Some(r) => {
                rewritten.clear();
                r.push(&buf[..n], &mut rewritten);
                &rewritten[..]
            }
            None => &buf[..n],
        };
        if data.is_empty() {
            rec.touch();
        } else {
            rec.record(&data[..out.before_cut(data.len())]);
            out.send(data).await.map_err(write_failed)?;
        }
        write_due(&mut waiting, ctx, dir, &mut rec, &mut out)
            .await
            .map_err(write_failed)?;
        if n == buf.len() && buf.len() < MAX_BUF {
            buf.resize(buf.len() * 2, 0);
        }
    }
}

/// Relays both directions until both have ended; the first error ends both. `early_*` are
/// bytes already read and recorded from that side, to be delivered before anything else.
pub(crate) async fn relay_both(
    ctx: &ConnCtx,
    client: (Reader, Writer),
    server: (Reader, Writer),
    early_from_client: Vec<u8>,
    early_from_server: Vec<u8>,
) -> Result<(), ConnectionError> {
    let (client_r, client_w) = client;
    let (server_r, server_w) = server;
    let c2s = Direction::ClientToServer;
    let s2c = Direction::ServerToClient;
    let (_registered, [to_server, to_client]) = crate::inject::register(ctx);
    let up = Pump {
        ctx,
        rec: ctx.recorder(c2s),
        dir: c2s,
        src: client_r,
        out: ctx.outbound(server_w, c2s),
        rewriter: ctx.config.rewritten_host().map(|h| HostRewriter::new(&h)),
        inject: to_server,
    };
    let down = Pump {
        ctx,
        rec: ctx.recorder(s2c),
        dir: s2c,
        src: server_r,
        out: ctx.outbound(client_w, s2c),
        rewriter: None,
        inject: to_client,
    };
    let (up, down) = (pump(up, early_from_client), pump(down, early_from_server));
    tokio::pin!(up, down);
    let (mut up_done, mut down_done) = (false, false);
    while !(up_done && down_done) {
        tokio::select! {
            r = &mut up, if !up_done => {
                r?;
                up_done = true;
                if !down_done {
                    ctx.half_closed(ConnectionState::ClientDone);
                }
            }
            r = &mut down, if !down_done => {
                r?;
                down_done = true;
                if !up_done {
                    ctx.half_closed(ConnectionState::ServerDone);
                }
            }
        }
    }
    Ok(())
}
