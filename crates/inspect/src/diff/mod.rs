//! Two HTTP messages compared as a person reads them: each becomes text (its head's lines, the
//! headers asked to be ignored left out, then its body decoded and, when JSON or XML,
//! indented, so whitespace is no difference; a binary body as a hex dump), and the two texts
//! are diffed by line with `similar`, within a time bound.

mod rows;

pub use rows::{Line, MOST_ROWS, Part, Row, RowKind, Rows, side_by_side};

use crate::http1::decode::decode_payload;
use crate::view::{self, ViewKind, hex, json, xml};
use similar::{Algorithm, TextDiff};
use std::time::Duration;

/// A diff that takes longer gives up on the finest alignment (similar's deadline), so two
/// large bodies never stall a command.
const DIFF_TIME: Duration = Duration::from_secs(2);
/// Most decoded body compared (a larger one is cut, and says so).
const MOST_BODY: usize = 16 << 20;

/// How messages are turned into text.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Headers left out of both sides (case-insensitive names: `Date`, `Set-Cookie`).
    pub ignore_headers: Vec<String>,
    /// Bodies as they were sent (decoded, not indented).
    pub raw: bool,
    /// JSON objects compared with their keys sorted, so key order is no difference.
    pub ignore_key_order: bool,
}

/// `message` (an HTTP request or response as captured; `request_method` for a response's
/// framing) as the text a diff compares.
pub fn comparable(message: &[u8], request_method: &str, options: &Options) -> String {
    let decoded = decode_payload(message, request_method);
    let mut text = String::new();
    let head = String::from_utf8_lossy(&message[..decoded.head_len.min(message.len())]);
    for line in head.lines().filter(|l| !l.is_empty()) {
        let name = line.split(':').next().unwrap_or_default().trim();
        if !options
            .ignore_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
        {
            text.push_str(line);
            text.push('\n');
        }
    }
    let body = &decoded.body[..decoded.body.len().min(MOST_BODY)];
    if !body.is_empty() {
        text.push('\n');
        text.push_str(&body_text(body, options));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    if decoded.body.len() > MOST_BODY {
        text.push_str(&format!("(body cut at {} MiB)\n", MOST_BODY >> 20));
    }
    text
}

/// A body as text: indented JSON (its keys sorted when key order is to be ignored) or XML,
/// other text as it is, anything else as hex.
fn body_text(body: &[u8], options: &Options) -> String {
    let Ok(text) = std::str::from_utf8(body) else {
        return hex::render(body, 0);
    };
    let kind = view::detect(body);
    if !options.raw && options.ignore_key_order && kind == ViewKind::Json {
        // serde_json's maps are sorted; a document past its nesting limit keeps its order.
        let sorted = serde_json::from_slice::<serde_json::Value>(body);
        if let Ok(text) = sorted.and_then(|v| serde_json::to_string_pretty(&v)) {
            return text;
        }
    }
    let pretty = match (options.raw, kind) {
        (false, ViewKind::Json) => json::pretty(body).ok(),
        (false, ViewKind::Xml) => xml::pretty(body).ok(),
        _ => None,
    };
    pretty.map_or_else(|| text.to_string(), |p| p.text)
}

/// The unified diff of `old` and `new` under the labels, 3 lines of context; `None` when they
/// are equal.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIME)
        .diff_lines(old, new);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(old_label, new_label)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_whitespace_and_ignored_headers_are_no_difference() {
        let a = b"HTTP/1.1 200 OK\r\nDate: Mon\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"a\":1,\"b\":[2]}";
        let b = b"HTTP/1.1 200 OK\r\nDate: Tue\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{ \"a\": 1,\n  \"b\": [ 2 ] }";
        let options = Options {
            ignore_headers: vec!["content-length".into()],
            ..Options::default()
        };
        let (ta, tb) = (
            comparable(a, "GET", &options),
            comparable(b, "GET", &options),
        );
        let diff = unified(&ta, &tb, "a", "b").expect("the dates differ");
        assert!(diff.contains("-Date: Mon\n+Date: Tue\n"), "{diff}");
        assert!(!diff.contains("\"a\""), "indented alike: {diff}");
        let quiet = Options {
            ignore_headers: vec!["date".into(), "content-length".into()],
            ..Options::default()
        };
        assert_eq!(
            unified(
                &comparable(a, "GET", &quiet),
                &comparable(b, "GET", &quiet),
                "a",
                "b"
            ),
            None
        );
    }

    #[test]
    fn key_order_is_no_difference_when_asked() {
        let a = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":2}";
        let b = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{\"b\":2,\"a\":1}";
        let by = |options: &Options| {
            unified(
                &comparable(a, "GET", options),
                &comparable(b, "GET", options),
                "a",
                "b",
            )
        };
        assert!(
            by(&Options::default()).is_some(),
            "key order shows by default"
        );
        let sorted = Options {
            ignore_key_order: true,
            ..Options::default()
        };
        assert_eq!(by(&sorted), None);
    }

    #[test]
    fn a_changed_value_is_one_line_and_binary_bodies_compare_as_hex() {
        let a = b"POST /x HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"n\":1}";
        let b = b"POST /x HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"n\":2}";
        let diff = unified(
            &comparable(a, "", &Options::default()),
            &comparable(b, "", &Options::default()),
            "first",
            "second",
        )
        .unwrap();
        assert!(diff.starts_with("--- first\n+++ second\n"), "{diff}");
        assert!(diff.contains("-  \"n\": 1\n+  \"n\": 2\n"), "{diff}");
        let binary = comparable(
            b"PUT / HTTP/1.1\r\nContent-Length: 2\r\n\r\n\xff\x00",
            "",
            &Options::default(),
        );
        assert!(binary.contains("ff 00"), "{binary}");
    }
}
