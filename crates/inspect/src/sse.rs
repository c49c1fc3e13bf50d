//! Server-Sent Events (the HTML standard's `text/event-stream`): a response body that is a
//! stream of events, each a block of `field: value` lines ended by a blank line. [`Parser`]
//! reads the decoded body at any byte boundary, as the exchange tracker does (counting) and as
//! the CLI and search do (keeping each event).

use serde::{Deserialize, Serialize};

/// The most of one line kept (a longer one is cut, and its event says so).
pub const MOST_LINE: usize = 1 << 20;
/// The most data one event keeps (more lines are dropped, and the event says it was cut).
pub const MOST_DATA: usize = 16 << 20;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its type (`event:`); none for the default, `message`.
    pub event: Option<String>,
    /// Its data lines, joined by `\n`.
    pub data: String,
    /// `id:`, when it set one.
    pub id: Option<String>,
    /// `retry:` (ms), when it set one.
    pub retry: Option<u64>,
    /// When its blank line was captured (µs since the Unix epoch).
    pub at: u64,
    /// A line of it was longer than [`MOST_LINE`] and was cut.
    pub cut: bool,
}

impl Event {
    /// An event with no fields yet (a counting parser dispatches these).
    fn empty(at: u64) -> Event {
        Event {
            event: None,
            data: String::new(),
            id: None,
            retry: None,
            at,
            cut: false,
        }
    }
}

/// How many events a response has carried so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "EventStreamSummary"))]
pub struct Summary {
    /// Events dispatched (a blank line after data).
    pub events: u64,
}

/// Reads an event stream's decoded body.
#[derive(Debug, Default)]
pub struct Parser {
    /// Keep each event's fields (the tracker only counts).
    keep: bool,
    /// The line being read.
    line: Vec<u8>,
    line_cut: bool,
    /// The last byte was a CR: an LF right after it ends nothing more.
    after_cr: bool,
    /// The event being read: its data lines so far, and its fields when kept.
    data_lines: u64,
    event: Option<Event>,
}

impl Parser {
    /// A parser that keeps each event's fields, or (`keep` false) only counts them.
    pub fn new(keep: bool) -> Parser {
        Parser {
            keep,
            ..Parser::default()
        }
    }

    /// Reads `body` bytes captured at `at`; each event completed goes to `out` (counted only:
    /// an event with empty fields).
    pub fn feed(&mut self, body: &[u8], at: u64, out: &mut Vec<Event>) {
        for &byte in body {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\r' | b'\n' => {
                    self.after_cr = byte == b'\r';
                    self.end_line(at, out);
                }
                _ => {
                    self.after_cr = false;
                    // Counting needs only enough to tell `data`, a comment and a blank line.
                    let most = if self.keep { MOST_LINE } else { 5 };
                    if self.line.len() < most {
                        self.line.push(byte);
                    } else {
                        self.line_cut = true;
                    }
                }
            }
        }
    }

    fn end_line(&mut self, at: u64, out: &mut Vec<Event>) {
        let line = std::mem::take(&mut self.line);
        let cut = std::mem::take(&mut self.line_cut);
        if line.is_empty() {
            self.dispatch(at, out);
            return;
        }
        if line[0] == b':' {
            return; // a comment (a keep-alive, often)
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => (
                &line[..i],
                line[i + 1..].strip_prefix(b" ").unwrap_or(&line[i + 1..]),
            ),
            None => (&line[..], &b""[..]),
        };
        let first_data = name == b"data" && self.data_lines == 0;
        if name == b"data" {
            self.data_lines += 1;
        }
        if !self.keep {
            return;
        }
        let event = self.event.get_or_insert_with(|| Event::empty(at));
        event.cut |= cut;
        let value = String::from_utf8_lossy(value);
        match name {
            b"data" if event.data.len() + value.len() >= MOST_DATA => event.cut = true,
            b"data" if first_data => event.data.push_str(&value),
            b"data" => {
                event.data.push('\n');
                event.data.push_str(&value);
            }
            b"event" => event.event = Some(value.into_owned()),
            b"id" => event.id = Some(value.into_owned()),
            b"retry" => event.retry = value.parse().ok().or(event.retry),
            _ => {}
        }
    }

    /// A blank line: the event is dispatched if it has data, else its fields are dropped.
    fn dispatch(&mut self, at: u64, out: &mut Vec<Event>) {
        let event = self.event.take();
        if std::mem::take(&mut self.data_lines) == 0 {
            return;
        }
        let mut event = event.unwrap_or_else(|| Event::empty(at));
        event.at = at;
        out.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(body: &[u8], step: usize) -> Vec<Event> {
        let mut parser = Parser::new(true);
        let mut out = Vec::new();
        for piece in body.chunks(step) {
            parser.feed(piece, 5, &mut out);
        }
        out
    }

    #[test]
    fn the_standards_examples_read_the_same_at_every_split() {
        let body = b": a comment\r\ndata: first\r\ndata:second\r\n\r\nevent: add\nid: 7\nretry: 3000\ndata\ndata: x\n\n\
            id: no data, no event\n\ndata: cr only\r\r";
        let whole = events(body, body.len());
        let expect = |event: Option<&str>, data: &str, id: Option<&str>, retry| Event {
            event: event.map(str::to_string),
            data: data.into(),
            id: id.map(str::to_string),
            retry,
            at: 5,
            cut: false,
        };
        assert_eq!(
            whole,
            [
                expect(None, "first\nsecond", None, None),
                expect(Some("add"), "\nx", Some("7"), Some(3000)),
                expect(None, "cr only", None, None),
            ]
        );
        for step in 1..body.len() {
            assert_eq!(events(body, step), whole, "pieces of {step}");
        }
        let mut counting = Parser::new(false);
        let mut out = Vec::new();
        counting.feed(body, 0, &mut out);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn a_line_without_end_is_cut_at_the_cap() {
        let mut body = b"data: ".to_vec();
        body.extend(std::iter::repeat_n(b'x', MOST_LINE + 10));
        body.extend(b"\n\n");
        let event = events(&body, 4096).remove(0);
        assert!(event.cut);
        assert_eq!(event.data.len(), MOST_LINE - "data: ".len());
    }
}
