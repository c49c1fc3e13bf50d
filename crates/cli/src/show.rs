//! `tcpmon-cli show FILE [SELECTOR]`: reads a capture as the app does. Lists are the live
//! CLI's lines, filtered by the app's search; an exchange (or a raw connection's two streams)
//! is rendered by the app's panes code, page by page, so both show the same thing; a
//! WebSocket's messages and an event stream's events follow, a line each.

use crate::{capture, report, ws_lines};
use anyhow::{Result, anyhow, bail};
use clap::ValueEnum;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use tcpmon_desktop::error::CommandError;
use tcpmon_desktop::messages::MessageLists;
use tcpmon_desktop::page::ViewPage;
use tcpmon_desktop::{page, search};
use tcpmon_inspect::protobuf::Schema;
use tcpmon_inspect::view::ViewKind;
use tcpmon_relay::{ConnId, ConnectionRecord, Direction, Store};

/// `show FILE [SELECTOR] [--view VIEW] [--search QUERY]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A TCPMon session file or a HAR file.
    pub file: PathBuf,
    /// `3.2` (or `#3.2`, quoted): exchange 2 of connection 3, its request and response (and a
    /// WebSocket's messages or an event stream's events, a line each). `3.2.m4`: its 4th
    /// message or event, its line and its payload in the view asked for.
    /// `3`: connection 3's exchanges, or a raw connection's two streams.
    pub selector: Option<Selector>,
    /// How messages are shown, as in the app's panes [default: auto].
    #[arg(long, value_enum)]
    pub view: Option<View>,
    /// List only the rows that match, in the app's search language: method:POST,
    /// status:4xx, host:TEXT, path:TEXT, header:NAME[=TEXT], body:TEXT, ws:TEXT (WebSocket
    /// messages), /REGEX/, words, -TERM.
    #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
    pub search: Option<String>,
    /// The protobuf schema gRPC messages are decoded with (field names and types instead of
    /// numbers): a .proto file (its imports found in its folder) or a FileDescriptorSet
    /// (protoc --descriptor_set_out, buf build). The call's path /package.Service/Method
    /// picks the request and response types.
    #[arg(long, value_name = "FILE")]
    pub proto: Option<PathBuf>,
    /// With an exchange: a message TCPMon changed on purpose (a rule, a breakpoint) as the
    /// server had it (the request as the server got it, the response as the server sent
    /// it); by default messages are shown as the client sent and received them.
    #[arg(long)]
    pub server_side: bool,
}

/// A connection, one of its exchanges, or one of an exchange's WebSocket messages or events
/// (counted from 1, as the lines print them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selector {
    /// The connection, `#3`.
    pub connection: ConnId,
    /// Its exchange, `.2`.
    pub exchange: Option<usize>,
    /// The exchange's message, `.m4`.
    pub message: Option<u64>,
}

impl FromStr for Selector {
    type Err = String;

    /// The `#` is optional: unquoted, a shell takes it for a comment.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            "give #CONNECTION, #CONNECTION.EXCHANGE or #CONNECTION.EXCHANGE.mMESSAGE, like #3.2"
                .to_string()
        };
        let text = text.strip_prefix('#').unwrap_or(text);
        let mut parts = text.split('.');
        let connection = parts.next().unwrap_or_default();
        let exchange = parts
            .next()
            .map(|e| e.parse().ok().filter(|&n: &usize| n > 0).ok_or_else(bad))
            .transpose()?;
        let message = parts
            .next()
            .map(|m| {
                let number = m.strip_prefix('m').and_then(|n| n.parse().ok());
                number.filter(|&n: &u64| n > 0).ok_or_else(bad)
            })
            .transpose()?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self {
            connection: ConnId(connection.parse().map_err(|_| bad())?),
            exchange,
            message,
        })
    }
}

/// The panes' views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// By content.
    Auto,
    /// The wire bytes as text.
    Raw,
    /// Indented XML.
    Xml,
    /// Indented JSON.
    Json,
    /// Offsets, hex bytes and ASCII.
    Hex,
    /// A gRPC body's messages decoded as protobuf, and the call's status.
    Grpc,
}

impl From<View> for ViewKind {
    fn from(view: View) -> Self {
        match view {
            View::Auto => ViewKind::Auto,
            View::Raw => ViewKind::Raw,
            View::Xml => ViewKind::Xml,
            View::Json => ViewKind::Json,
            View::Hex => ViewKind::Hex,
            View::Grpc => ViewKind::Grpc,
        }
    }
}

/// What a selector shows.
enum Target {
    /// Rows: of every connection, or of one.
    List(Option<ConnId>),
    /// Both directions of an exchange (by index), or of a raw connection.
    Messages(Box<ConnectionRecord>, Option<usize>),
    /// One WebSocket message or event of an exchange (both by index).
    Message(Box<ConnectionRecord>, usize, u64),
}

/// Prints the list or the messages the arguments ask for.
pub fn run(args: &Args) -> Result<()> {
    let schema = args
        .proto
        .as_deref()
        .map(Schema::load)
        .transpose()
        .map_err(|e| anyhow!("--proto {e}"))?;
    let opened = capture::open(&args.file)?;
    let store = &opened.store;
    let target = target(store, &args.file, args.selector)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let shown = match (target, &args.search, args.view) {
        (Target::List(only), search, None) => {
            list(&mut out, store, search.as_deref().unwrap_or(""), only)
        }
        (Target::Messages(record, exchange), None, view) => {
            let how = How {
                kind: view.unwrap_or(View::Auto).into(),
                schema: schema.as_ref(),
                server_side: args.server_side,
            };
            messages(&mut out, store, &record, exchange, &how)
        }
        (Target::Message(record, exchange, k), None, view) => {
            let kind = view.unwrap_or(View::Auto).into();
            one_message(&mut out, store, &record, (exchange, k), kind)
        }
        (Target::List(_), _, Some(_)) => {
            bail!("--view shows messages: select an exchange (#3.2) or a raw connection")
        }
        (Target::Messages(..) | Target::Message(..), Some(_), _) => {
            bail!("--search picks rows of a list: select a connection (#3) or nothing")
        }
    };
    let flushed = shown.and_then(|()| Ok(out.flush()?));
    // A reader that left early (`| head`) has seen what it wanted.
    match flushed {
        Err(e)
            if e.downcast_ref::<io::Error>().map(io::Error::kind)
                == Some(io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Checks that the selected connection and exchange exist.
fn target(store: &Store, file: &Path, selector: Option<Selector>) -> Result<Target> {
    let Some(Selector {
        connection,
        exchange,
        message,
    }) = selector
    else {
        return Ok(Target::List(None));
    };
    let Some(record) = store.record(connection) else {
        bail!("{}: no connection #{connection}", file.display());
    };
    let count = record.exchanges.len();
    match exchange {
        Some(n) if n > count => {
            let s = if count == 1 { "" } else { "s" };
            bail!("connection #{connection} has {count} exchange{s}: there is no #{connection}.{n}")
        }
        Some(n) => match message {
            Some(k) => {
                let count = message_lines_of(store, &record, n - 1)?.len() as u64;
                if k > count {
                    bail!(
                        "#{connection}.{n} has {count} messages: there is no #{connection}.{n}.m{k}"
                    )
                }
                Ok(Target::Message(Box::new(record), n - 1, k - 1))
            }
            None => Ok(Target::Messages(Box::new(record), Some(n - 1))),
        },
        None if count == 0 => Ok(Target::Messages(Box::new(record), None)),
        None => Ok(Target::List(Some(connection))),
    }
}

/// The live CLI's line for an exchange, or for a connection without exchanges.
fn line(record: &ConnectionRecord, exchange: Option<usize>) -> String {
    match exchange {
        Some(i) => match record.exchanges.get(i) {
            Some(exchange) => report::exchange_line(record, i, &exchange),
            None => report::connection_line(record),
        },
        None => report::connection_line(record),
    }
}

/// A line per row that `query` matches (every row for an empty query), in table order; only
/// `only`'s rows when set.
fn list(out: &mut impl Write, store: &Store, query: &str, only: Option<ConnId>) -> Result<()> {
    let found = search::search(store, query).map_err(|e| anyhow!("--search: {}", e.message))?;
    let wanted = |id: ConnId| only.is_none_or(|o| o == id);
    let mut rows = found.rows.into_iter().filter(|r| wanted(r.0)).peekable();
    for record in store.records().into_iter().filter(|r| wanted(r.id)) {
        while let Some((_, exchange)) = rows.next_if(|r| r.0 == record.id) {
            writeln!(out, "{}", line(&record, exchange))?;
        }
    }
    Ok(())
}

/// How an exchange's messages are shown.
struct How<'a> {
    kind: ViewKind,
    schema: Option<&'a Schema>,
    /// Messages TCPMon changed as the server had them.
    server_side: bool,
}

/// The row's line, then its request and response (or a raw connection's two streams); a
/// message TCPMon changed says so, and with `--server-side` is shown as the server had it.
fn messages(
    out: &mut impl Write,
    store: &Store,
    record: &ConnectionRecord,
    exchange: Option<usize>,
    how: &How<'_>,
) -> Result<()> {
    writeln!(out, "{}", line(record, exchange))?;
    let row = match exchange {
        Some(i) => format!("#{}.{}", record.id, i + 1),
        None => format!("#{}", record.id),
    };
    for dir in Direction::BOTH {
        let side = match (exchange, dir) {
            (Some(_), Direction::ClientToServer) => "request",
            (Some(_), Direction::ServerToClient) => "response",
            (None, Direction::ClientToServer) => "client to server",
            (None, Direction::ServerToClient) => "server to client",
        };
        let changed = exchange.filter(|&i| store.server_side(record.id, i, dir).is_some());
        let (kind, schema) = (how.kind, how.schema);
        match changed {
            Some(index) if how.server_side => {
                let label = match dir {
                    Direction::ClientToServer => format!("{row} request as the server got it"),
                    Direction::ServerToClient => format!("{row} response as the server sent it"),
                };
                pages(out, &label, |offset| {
                    page::read_server_side_view(store, record.id, dir, index, kind, offset, schema)
                })?;
            }
            _ => {
                let label = match changed {
                    Some(_) => format!(
                        "{row} {side} (changed by TCPMon; --server-side shows the server's)"
                    ),
                    None => format!("{row} {side}"),
                };
                pages(out, &label, |offset| {
                    page::read_view(store, record.id, dir, kind, offset, exchange, schema)
                })?;
            }
        }
    }
    match exchange {
        Some(index) => message_lines(out, store, record, index),
        None => Ok(()),
    }
}

/// A WebSocket's messages, or an event stream's events, a line each (as `--ws` prints them
/// live), after the exchange's request and response.
fn message_lines(
    out: &mut impl Write,
    store: &Store,
    record: &ConnectionRecord,
    index: usize,
) -> Result<()> {
    let lines = message_lines_of(store, record, index)?;
    if !lines.is_empty() {
        writeln!(out, "--- #{}.{} messages ---", record.id, index + 1)?;
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The lines of exchange `index`'s WebSocket messages, or of its events.
fn message_lines_of(store: &Store, record: &ConnectionRecord, index: usize) -> Result<Vec<String>> {
    let mut messages = store.websocket_messages(record, index)?;
    tcpmon_relay::messages::mark_injected(record, &mut messages);
    let events = store.sse_events(record, index)?;
    let messages = (1..)
        .zip(&messages)
        .map(|(k, m)| ws_lines::message_line(record.id, index, k, m));
    let events = (1..)
        .zip(&events)
        .map(|(k, e)| ws_lines::event_line(record.id, index, k, e));
    Ok(messages.chain(events).collect())
}

/// Message `k` of exchange `index` (both from 0): its line, then its payload in the view
/// asked for, as the app's panes show a message row.
fn one_message(
    out: &mut impl Write,
    store: &Store,
    record: &ConnectionRecord,
    (index, k): (usize, u64),
    kind: ViewKind,
) -> Result<()> {
    let lines = message_lines_of(store, record, index)?;
    writeln!(out, "{}", lines.get(k as usize).map_or("", String::as_str))?;
    let label = format!("#{}.{}.m{} payload", record.id, index + 1, k + 1);
    let lists = MessageLists::default();
    pages(out, &label, |offset| {
        lists.view(store, None, record.id, index, k, kind, offset)
    })
}

/// Every page of one direction, under a `--- LABEL: VIEW ---` line naming the view used. The
/// pages' notes (why a view fell back to raw, what was decoded) go to stderr, each once.
fn pages(
    out: &mut impl Write,
    label: &str,
    mut read: impl FnMut(u64) -> Result<ViewPage, CommandError>,
) -> Result<()> {
    let mut offset = 0;
    let mut notes: Vec<String> = Vec::new();
    let mut ends_line = true;
    loop {
        let page = read(offset).map_err(|e| anyhow!("{label}: {}", e.message))?;
        if offset == 0 {
            let view = format!("{:?}", page.view).to_lowercase();
            writeln!(out, "--- {label}: {view} ---")?;
        }
        out.write_all(page.text.as_bytes())?;
        if !page.text.is_empty() {
            ends_line = page.text.ends_with('\n');
        }
        let truncated = page
            .truncated
            .then(|| "truncated: recording stopped at the capture cap".to_string());
        for note in page.note.into_iter().chain(truncated) {
            if !notes.contains(&note) {
                out.flush()?;
                eprintln!("{label}: {note}");
                notes.push(note);
            }
        }
        match page.next_offset {
            Some(next) if next > offset => offset = next,
            _ => break,
        }
    }
    if !ends_line {
        writeln!(out)?;
    }
    Ok(())
}
