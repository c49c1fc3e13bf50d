//! WebSocket and Server-Sent Events lines: one per message or event with `--ws` (`#C.N.mK`),
//! and a summary of each when its connection closes.

use tcpmon_inspect::sse::{self, Event};
use tcpmon_inspect::ws::{Message, Opcode, Summary};
use tcpmon_relay::{ConnId, Direction};

/// Characters of a text message shown on its line.
const PREVIEW_CHARS: usize = 80;
/// Bytes of a binary message shown (as hex) on its line.
const PREVIEW_BYTES: usize = 16;

/// `->` toward the server, `<-` toward the client.
fn arrow(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "->",
        Direction::ServerToClient => "<-",
    }
}

/// The line for message `k` (from 1) of exchange `exchange` (from 0) of connection `id`: time,
/// direction, opcode, payload size on the wire, and a preview (text quoted, binary as hex,
/// a close's code and reason).
pub fn message_line(id: ConnId, exchange: usize, k: u64, message: &Message) -> String {
    let data = message.data.as_deref().unwrap_or_default();
    let preview = match message.opcode {
        Opcode::Text => format!(" {}", quoted(&String::from_utf8_lossy(data))),
        Opcode::Close => match &message.close {
            Some(close) => match close.code {
                Some(code) => format!(" {code} {:?}", close.reason),
                None => String::new(),
            },
            None => String::new(),
        },
        _ if data.is_empty() => String::new(),
        _ => {
            let (hex, more) = tcpmon_inspect::ws::hex_start(data, PREVIEW_BYTES);
            format!(" {hex}{}", if more { " ..." } else { "" })
        }
    };
    let compressed = if message.compressed { " deflated" } else { "" };
    let injected = if message.injected { " injected" } else { "" };
    let problem = message
        .problem
        .as_ref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    format!(
        "#{id}.{}.m{k} {} {} {} {}B{compressed}{injected}{preview}{problem}",
        exchange + 1,
        crate::report::time(message.at),
        arrow(message.dir),
        message.opcode.name(),
        message.size,
    )
}

/// The line for event `k` (from 1) of exchange `exchange`'s event stream: time, its type when
/// not the default, its id, and its data (quoted, cut as a text message's preview).
pub fn event_line(id: ConnId, exchange: usize, k: u64, event: &Event) -> String {
    let kind = event
        .event
        .as_deref()
        .map_or_else(|| "message".to_string(), escaped);
    let event_id = event
        .id
        .as_deref()
        .map(|i| format!(" id=\"{}\"", escaped(i)))
        .unwrap_or_default();
    format!(
        "#{id}.{}.m{k} {} <- event {kind}{event_id} {}",
        exchange + 1,
        crate::report::time(event.at),
        quoted(&event.data),
    )
}

/// A short field a server chose, escaped and cut so it cannot drive the terminal.
fn escaped(text: &str) -> String {
    text.chars()
        .take(PREVIEW_CHARS)
        .flat_map(char::escape_debug)
        .collect()
}

/// The start of `text`, quoted and escaped, `...` after it when it goes on.
fn quoted(text: &str) -> String {
    let shown: String = text.chars().take(PREVIEW_CHARS).collect();
    let more = if shown.len() < text.len() { "..." } else { "" };
    format!("{shown:?}{more}")
}

/// The summary of exchange `exchange`'s event stream once its connection has closed.
pub fn events_line(id: ConnId, exchange: usize, summary: &sse::Summary) -> String {
    format!(
        "#{id}.{} event stream: {} events",
        exchange + 1,
        summary.events
    )
}

/// The summary of exchange `exchange`'s WebSocket once its connection has closed: messages
/// and payload bytes each way, and who closed it with which code.
pub fn summary_line(id: ConnId, exchange: usize, summary: &Summary) -> String {
    let close = match &summary.close {
        Some((dir, close)) => {
            let who = match dir {
                Direction::ClientToServer => "the client",
                Direction::ServerToClient => "the server",
            };
            let code = close
                .code
                .map_or_else(|| "no code".to_string(), |c| c.to_string());
            format!("closed by {who} ({code} {:?})", close.reason)
        }
        None => "ended without a close message".to_string(),
    };
    format!(
        "#{id}.{} websocket: -> {} messages {}B, <- {} messages {}B, {close}",
        exchange + 1,
        summary.to_server.messages,
        summary.to_server.bytes,
        summary.to_client.messages,
        summary.to_client.bytes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_inspect::ws::{Close, Count};

    fn message(opcode: Opcode, data: &[u8]) -> Message {
        Message {
            dir: Direction::ServerToClient,
            opcode,
            start: 0,
            end: 0,
            at: 1_700_000_000_000_000,
            size: data.len() as u64,
            frames: 1,
            compressed: false,
            data: Some(data.to_vec()),
            problem: None,
            close: None,
            injected: false,
        }
    }

    #[test]
    fn lines_show_direction_kind_size_and_a_preview() {
        let text = message_line(ConnId(3), 0, 2, &message(Opcode::Text, b"{\"a\": \"\\n\"}"));
        assert_eq!(
            text,
            "#3.1.m2 2023-11-14T22:13:20.000Z <- text 11B \"{\\\"a\\\": \\\"\\\\n\\\"}\""
        );
        let binary = message_line(ConnId(3), 0, 3, &message(Opcode::Binary, &[0xab; 20]));
        assert!(
            binary.ends_with("binary 20B ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ..."),
            "{binary}"
        );
        let long = "x".repeat(200);
        let cut = message_line(ConnId(1), 0, 1, &message(Opcode::Text, long.as_bytes()));
        assert!(
            cut.ends_with(&format!(" \"{}\"...", "x".repeat(PREVIEW_CHARS))),
            "{cut}"
        );
    }

    #[test]
    fn the_summary_counts_each_way_and_names_who_closed() {
        let summary = Summary {
            to_server: Count {
                messages: 6,
                bytes: 80,
            },
            to_client: Count {
                messages: 5,
                bytes: 70,
            },
            close: Some((
                Direction::ClientToServer,
                Close {
                    code: Some(1000),
                    reason: "done".into(),
                },
            )),
            ..Summary::default()
        };
        assert_eq!(
            summary_line(ConnId(2), 0, &summary),
            "#2.1 websocket: -> 6 messages 80B, <- 5 messages 70B, closed by the client (1000 \"done\")"
        );
    }
}
