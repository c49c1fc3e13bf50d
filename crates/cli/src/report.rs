//! What the CLI prints: one line per HTTP exchange as soon as its response is complete (an
//! upgrade's as soon as it switches), one line per connection that carried no HTTP (a raw
//! stream) or failed, when it finishes, and for each WebSocket a line per message with `--ws`
//! and a summary when its connection finishes.

use crate::ws_lines;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use tcpmon_inspect::exchange::Exchange;
use tcpmon_relay::messages::{EventFollower, Follower};
use tcpmon_relay::{
    ConnId, ConnectionRecord, ConnectionState, Direction, Engine, Event, EventKind, ExchangePatch,
    Missed, Store, Subscription,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A capture time (µs since the Unix epoch) as lines show it, to the millisecond.
pub(crate) fn time(micros: u64) -> humantime::Rfc3339Timestamp {
    humantime::format_rfc3339_millis(
        std::time::UNIX_EPOCH + std::time::Duration::from_micros(micros),
    )
}

/// Where the connection went (`-` before a proxy's first request named it).
fn target(record: &ConnectionRecord) -> String {
    record
        .target
        .as_ref()
        .map_or_else(|| "-".to_string(), ToString::to_string)
}

/// The client's address, with the TLS version it spoke to a TLS listener (`tls=1.3`).
fn client(record: &ConnectionRecord) -> String {
    match &record.client_tls {
        Some(tls) => format!("{} tls={}", record.client, tls.version),
        None => record.client.clone(),
    }
}

/// [`target`] with its TLS version (`tls=1.3`, `insecure` when the target's certificate was
/// taken unverified), as lines show it.
fn destination(record: &ConnectionRecord) -> String {
    let target = target(record);
    match &record.target_tls {
        Some(tls) if tls.verified => format!("{target} tls={}", tls.version),
        Some(tls) => format!("{target} tls={} insecure", tls.version),
        None => target,
    }
}

fn outcome(record: &ConnectionRecord) -> String {
    let resend = record
        .resend_of
        .map(|id| format!(" (resend of #{id})"))
        .unwrap_or_default();
    match &record.state {
        ConnectionState::Failed { reason } => format!("failed: {reason}{resend}"),
        state => format!("{}{resend}", state.label()),
    }
}

/// The line for a finished connection without exchanges: id, time, client, target, first
/// request line (or `raw`), bytes each way, elapsed ms, state or failure reason.
pub fn connection_line(record: &ConnectionRecord) -> String {
    let request = record
        .request_line
        .as_ref()
        .map_or_else(|| "raw".to_string(), |l| format!("{l:?}"));
    format!(
        "#{} {} {} -> {} {} sent={}B received={}B {}ms {}",
        record.id,
        time(record.accepted_at),
        client(record),
        destination(record),
        request,
        record.bytes[Direction::ClientToServer.index()],
        record.bytes[Direction::ServerToClient.index()],
        record.elapsed_ms(),
        outcome(record),
    )
}

/// The line for exchange `index` of `record`: `#conn.index`, time, client, target, method, URL,
/// status, request and response body sizes, ms from the request's first byte to the
/// response's last, and any note.
pub fn exchange_line(record: &ConnectionRecord, index: usize, exchange: &Exchange) -> String {
    let status = exchange.status.map_or_else(
        || "no-response".to_string(),
        |s| format!("{s} {}", exchange.reason).trim_end().to_string(),
    );
    let response = exchange.response.as_ref();
    let end = response.map_or(exchange.request.last_at, |r| r.last_at);
    let note = exchange
        .note()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let ruled: String = record
        .rules
        .iter()
        .filter(|r| r.exchange as usize == index)
        .map(|r| format!(" (rule {}: {})", r.rule, r.action))
        .collect();
    // An HTTP/2 stream says so after its URL, and gRPC's status (from the trailers, or the
    // head of a trailers-only answer) after the HTTP one.
    let (h2, grpc) = exchange.h2().map_or_else(Default::default, |h2| {
        let grpc = h2.grpc.as_ref().map(|g| {
            let name = g.name.as_deref().unwrap_or("?");
            match g.code.parse::<u32>() {
                Ok(code) => format!(" grpc-status={code}:{name}"),
                Err(_) => format!(" grpc-status={:?}:?", g.code),
            }
        });
        (" HTTP/2", grpc.unwrap_or_default())
    });
    format!(
        "#{}.{} {} {} -> {} {} {}{h2} {:?}{grpc} req={}B resp={}B {}ms{}{ruled}",
        record.id,
        index + 1,
        time(exchange.request.first_at),
        client(record),
        destination(record),
        exchange.method,
        exchange.url(&target(record), record.client_tls.is_some()),
        status,
        exchange.request.body_len,
        response.map_or(0, |r| r.body_len),
        end.saturating_sub(exchange.request.first_at) / 1000,
        note,
    )
}

/// What is known of a live connection: its record (without exchanges) and the exchanges not
/// printed yet (a long keep-alive connection would otherwise be kept twice, here and in the
/// engine).
struct Live {
    record: ConnectionRecord,
    /// Exchanges from number `printed` on.
    pending: Vec<Exchange>,
    /// Exchanges printed and dropped.
    printed: usize,
    /// HTTP/2 streams past `printed` whose lines went out as they completed, while an earlier
    /// stream of the connection was still open (a long gRPC stream must not hold the others').
    ahead: HashSet<usize>,
    /// With `--ws`: the WebSockets whose messages are printed as they come.
    following: Vec<Following>,
    /// Once the connection has finished: a summary line per WebSocket it carried.
    closing: Vec<String>,
}

/// A WebSocket or an event stream whose messages get lines.
struct Following {
    exchange: usize,
    follower: Follow,
    /// Messages printed so far.
    printed: u64,
}

/// What reads a followed exchange's messages.
enum Follow {
    WebSocket(Box<Follower>),
    Events(EventFollower),
}

impl Live {
    fn new(mut record: ConnectionRecord) -> Self {
        let exchanges = std::mem::take(&mut record.exchanges);
        let mut live = Self {
            record,
            pending: exchanges.to_vec(),
            printed: 0,
            ahead: HashSet::new(),
            following: Vec::new(),
            closing: Vec::new(),
        };
        live.summarise(&exchanges);
        live
    }

    /// Takes a newer record, keeping only the exchanges not printed yet.
    fn replace(&mut self, mut record: ConnectionRecord) {
        let exchanges = std::mem::take(&mut record.exchanges);
        self.pending = exchanges.tail(self.printed.min(exchanges.len()));
        self.record = record;
        self.summarise(&exchanges);
    }

    /// Once the connection has finished, the summary of each WebSocket among `exchanges`.
    fn summarise(&mut self, exchanges: &tcpmon_inspect::exchange::ExchangeList) {
        if !self.record.state.is_finished() {
            return;
        }
        let id = self.record.id;
        self.closing = exchanges
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match (e.websocket(), e.sse()) {
                (Some(ws), _) => Some(ws_lines::summary_line(id, i, ws)),
                (None, Some(sse)) => Some(ws_lines::events_line(id, i, sse)),
                (None, None) => None,
            })
            .collect();
    }

    /// Lines for the messages of followed WebSockets captured since the last call.
    fn message_lines(&mut self, store: &Store) -> Vec<String> {
        let id = self.record.id;
        let mut lines = Vec::new();
        for f in &mut self.following {
            // A connection removed meanwhile has nothing more to read.
            match &mut f.follower {
                Follow::WebSocket(follower) => {
                    let mut messages = follower.poll(store, id).unwrap_or_default();
                    tcpmon_relay::messages::mark_injected(&self.record, &mut messages);
                    for message in messages {
                        f.printed += 1;
                        lines.push(ws_lines::message_line(id, f.exchange, f.printed, &message));
                    }
                }
                Follow::Events(follower) => {
                    for event in follower.poll(store, id).unwrap_or_default() {
                        f.printed += 1;
                        lines.push(ws_lines::event_line(id, f.exchange, f.printed, &event));
                    }
                }
            }
        }
        lines
    }

    /// Applies a patch (indexes count from the connection's first exchange).
    fn patch(&mut self, patch: ExchangePatch) {
        let skip = self.printed.saturating_sub(patch.exchanges_from);
        self.pending
            .truncate(patch.exchanges_from.saturating_sub(self.printed));
        self.pending.extend(patch.exchanges.iter().skip(skip));
    }

    /// Lines for exchanges not yet printed: those complete, or all of them once `finished`;
    /// with `ws` (`--ws`: the store to read them from), lines for WebSocket messages.
    fn lines(&mut self, finished: bool, ws: Option<&Store>) -> Vec<String> {
        let ready = self
            .pending
            .iter()
            .take_while(|e| {
                // An upgrade and an event stream get their line at once: their messages follow.
                let complete = e.response.as_ref().is_some_and(|r| r.complete());
                finished || e.tunnel || e.sse().is_some() || complete
            })
            .count();
        let mut lines = Vec::with_capacity(ready);
        for (i, e) in self.pending.drain(..ready).enumerate() {
            let index = self.printed + i;
            if !self.ahead.remove(&index) {
                lines.push(exchange_line(&self.record, index, &e));
            }
            let follower = match (e.websocket(), ws) {
                (Some(summary), Some(_)) => {
                    Some(Follow::WebSocket(Box::new(Follower::new(summary))))
                }
                (None, Some(store)) => EventFollower::new(store, self.record.id, &e)
                    .ok()
                    .flatten()
                    .map(Follow::Events),
                _ => None,
            };
            if let Some(follower) = follower {
                self.following.push(Following {
                    exchange: index,
                    follower,
                    printed: 0,
                });
            }
        }
        self.printed += ready;
        // HTTP/2 streams end in any order: one complete behind an open one is printed now.
        for (i, e) in self.pending.iter().enumerate() {
            let index = self.printed + i;
            let complete = e.response.as_ref().is_some_and(|r| r.complete());
            if e.h2().is_some() && complete && self.ahead.insert(index) {
                lines.push(exchange_line(&self.record, index, e));
            }
        }
        if let Some(store) = ws {
            lines.extend(self.message_lines(store));
        }
        if finished {
            lines.append(&mut self.closing);
        }
        // A burst of pipelined requests may have grown it far beyond what stays pending.
        if self.pending.capacity() > 64 && self.pending.capacity() > 4 * self.pending.len() {
            self.pending.shrink_to(2 * self.pending.len());
        }
        // A connection without exchanges is one line; one with exchanges gets a line of its
        // own too when it failed (refused, idle too long, reset), saying why.
        let failed = matches!(self.record.state, ConnectionState::Failed { .. });
        if finished && (self.printed == 0 || failed) {
            lines.push(connection_line(&self.record));
        }
        lines
    }
}

/// Turns events into lines.
#[derive(Default)]
struct Lines {
    live: HashMap<ConnId, Live>,
    /// With `--ws`: the engine whose store holds the messages.
    ws: Option<Engine>,
}

impl Lines {
    fn on(&mut self, event: Event) -> Vec<String> {
        match event.kind {
            EventKind::ConnectionOpened { record } | EventKind::ConnectionChanged { record } => {
                let finished = record.state.is_finished();
                let id = record.id;
                let live = match self.live.entry(id) {
                    Entry::Occupied(live) => {
                        let live = live.into_mut();
                        live.replace(record);
                        live
                    }
                    Entry::Vacant(slot) => slot.insert(Live::new(record)),
                };
                let lines = live.lines(finished, self.ws.as_ref().map(Engine::store));
                if finished {
                    self.live.remove(&id);
                }
                lines
            }
            EventKind::ConnectionProgress {
                id,
                exchanges: Some(patch),
                ..
            } => match self.live.get_mut(&id) {
                Some(live) => {
                    live.patch(patch);
                    live.lines(false, self.ws.as_ref().map(Engine::store))
                }
                None => Vec::new(),
            },
            EventKind::ConnectionsRemoved { ids } => {
                ids.iter().for_each(|id| {
                    self.live.remove(id);
                });
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

/// Prints lines as exchanges complete and connections finish, until told to finish.
pub struct Printer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Printer {
    /// Prints what `events` tell (only notes when `quiet`); with `ws`, each WebSocket message
    /// too, read from that engine's store.
    pub fn spawn(mut events: Subscription, quiet: bool, ws: Option<Engine>) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut lines = Lines {
                ws,
                ..Lines::default()
            };
            loop {
                let next = tokio::select! {
                    biased;
                    next = events.recv() => Some(next),
                    _ = &mut stopped => None,
                };
                // After the stop signal, print what is already queued, then end.
                let Some(next) = next.or_else(|| events.try_recv()) else {
                    return;
                };
                let note = matches!(
                    &next,
                    Ok(Event {
                        kind: EventKind::RecordingChanged { .. },
                        ..
                    })
                );
                if !quiet || note {
                    print(&mut lines, next);
                }
            }
        });
        Self { stop, task }
    }

    /// Prints what is queued, then stops.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

fn print(lines: &mut Lines, next: Result<Event, Missed>) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (a pipe whose reader left) must not stop the relay.
    let _ = match next {
        // Not a line of the listing: a note for the person running it.
        Ok(Event {
            kind: EventKind::RecordingChanged { stopped },
            ..
        }) => {
            match stopped {
                Some(reason) => {
                    eprintln!("tcpmon-cli: recording stopped: {reason} (relaying goes on)")
                }
                None => eprintln!("tcpmon-cli: recording resumed"),
            }
            Ok(())
        }
        Ok(event) => lines
            .on(event)
            .iter()
            .try_for_each(|l| writeln!(out, "{l}")),
        Err(Missed::Closed) => Ok(()),
        Err(Missed::Lagged(n)) => {
            writeln!(
                out,
                "(output fell behind: {n} events skipped; some connections are not listed)"
            )
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_inspect::exchange::Tracker;
    use tcpmon_relay::ListenerId;

    fn record(state: ConnectionState, exchanges: Vec<Exchange>) -> ConnectionRecord {
        let target = Some(tcpmon_relay::HostPort::new("example.org", 80));
        ConnectionRecord {
            state,
            exchanges: exchanges.into(),
            ..ConnectionRecord::accepted(
                ConnId(7),
                ListenerId(1),
                8081,
                "127.0.0.1:5000".into(),
                target,
                1,
            )
        }
    }

    fn event(kind: EventKind) -> Event {
        Event { seq: 1, kind }
    }

    #[test]
    fn each_exchange_is_printed_once_when_its_response_completes() {
        let mut tracker = Tracker::new();
        let mut all = Vec::new();
        let mut lines = Lines::default();
        let mut printed = lines.on(event(EventKind::ConnectionOpened {
            record: record(ConnectionState::Active, Vec::new()),
        }));
        let steps: [(usize, &[u8]); 4] = [
            (
                0,
                b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
            ),
            (1, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
            (1, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
            (0, b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n"),
        ];
        for (side, bytes) in steps {
            tracker.feed(Direction::BOTH[side], bytes, 1, &mut all);
            let from = tracker.take_changed().unwrap();
            printed.extend(lines.on(event(EventKind::ConnectionProgress {
                id: ConnId(7),
                bytes: [0, 0],
                exchanges: Some(ExchangePatch::of(&all.clone().into(), from)),
            })));
        }
        assert_eq!(printed.len(), 2, "two complete so far: {printed:?}");
        printed.extend(lines.on(event(EventKind::ConnectionChanged {
            record: record(ConnectionState::Done, all),
        })));
        let heads: Vec<_> = printed
            .iter()
            .map(|l| l.split(' ').next().unwrap().to_string() + " " + l.split(' ').nth(5).unwrap())
            .collect();
        assert_eq!(heads, ["#7.1 GET", "#7.2 GET", "#7.3 GET"]);
        assert!(
            printed[1].contains("http://h/b \"404 Not Found\""),
            "{}",
            printed[1]
        );
        assert!(printed[2].contains("\"no-response\""), "{}", printed[2]);
    }

    /// An HTTP/2 frame: its type, flags, stream and payload.
    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u32).to_be_bytes();
        let mut out = vec![len[1], len[2], len[3], kind, flags];
        out.extend(stream.to_be_bytes());
        out.extend(payload);
        out
    }

    #[test]
    fn an_http2_stream_that_ends_first_is_printed_first_and_each_once() {
        const HEADERS: u8 = 1;
        const END: u8 = 0x1 | 0x4; // END_STREAM | END_HEADERS
        let get = |path: &str| {
            let mut block = vec![0x82, 0x86, 0, 5];
            block.extend(b":path");
            block.push(path.len() as u8);
            block.extend(path.as_bytes());
            block
        };
        let mut client = tcpmon_inspect::h2::PREFACE.to_vec();
        client.extend(frame(HEADERS, END, 1, &get("/long")));
        client.extend(frame(HEADERS, END, 3, &get("/short")));
        let mut server = frame(HEADERS, 0x4, 1, &[0x88]);
        server.extend(frame(HEADERS, 0x4, 3, &[0x88]));
        server.extend(frame(0, 0x1, 3, b"short"));
        let steps: [(Direction, Vec<u8>); 3] = [
            (Direction::ClientToServer, client),
            (Direction::ServerToClient, server),
            (Direction::ServerToClient, frame(0, 0x1, 1, b"long at last")),
        ];
        let mut tracker = Tracker::new();
        let mut all = Vec::new();
        let mut lines = Lines::default();
        let mut printed = lines.on(event(EventKind::ConnectionOpened {
            record: record(ConnectionState::Active, Vec::new()),
        }));
        let mut after_step = Vec::new();
        for (dir, bytes) in steps {
            tracker.feed(dir, &bytes, 1, &mut all);
            let from = tracker.take_changed().unwrap();
            printed.extend(lines.on(event(EventKind::ConnectionProgress {
                id: ConnId(7),
                bytes: [0, 0],
                exchanges: Some(ExchangePatch::of(&all.clone().into(), from)),
            })));
            after_step.push(printed.len());
        }
        printed.extend(lines.on(event(EventKind::ConnectionChanged {
            record: record(ConnectionState::Done, all),
        })));
        assert_eq!(after_step, [0, 1, 2], "{printed:?}");
        let heads: Vec<_> = printed
            .iter()
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(heads, ["#7.2", "#7.1"], "{printed:?}");
        assert!(printed[0].contains("/short HTTP/2"), "{}", printed[0]);
    }

    #[test]
    fn a_failed_connection_with_exchanges_also_says_why_it_ended() {
        let mut tracker = Tracker::new();
        let mut all = Vec::new();
        tracker.feed(
            Direction::ClientToServer,
            b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
            1,
            &mut all,
        );
        tracker.feed(
            Direction::ServerToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            2,
            &mut all,
        );
        let mut lines = Lines::default();
        let failed = ConnectionState::Failed {
            reason: "idle for 30 s".into(),
        };
        let printed = lines.on(event(EventKind::ConnectionChanged {
            record: record(failed, all.clone()),
        }));
        assert_eq!(printed.len(), 2, "{printed:?}");
        assert!(printed[0].starts_with("#7.1 "), "{}", printed[0]);
        assert!(printed[1].starts_with("#7 ") && printed[1].ends_with("failed: idle for 30 s"));
        let done = lines.on(event(EventKind::ConnectionChanged {
            record: record(ConnectionState::Done, all),
        }));
        assert_eq!(
            done.len(),
            1,
            "a connection that ended well: its exchanges only"
        );
    }
}
