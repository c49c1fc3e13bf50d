//! The search box: a query of terms, all of which a row must match, over an exchange's
//! method, URL, host, status, headers and decoded bodies (or a raw stream's bytes).
//!
//! Terms: `method:POST`, `status:404` or `status:4xx`, `host:text`, `path:text`,
//! `header:Name` or `header:Name=text`, `body:text`, `ws:text` (a WebSocket message's payload),
//! `/regex/`, and bare words (a substring of method, URL, host, status or reason). `-term`
//! negates. Text matches case-insensitively. Cheap terms
//! are tried first, and bytes are loaded and decoded only for the terms that need them.

use crate::Direction;
use crate::exchange::Exchange;
use crate::http1::decode::decode_start;
use crate::http1::{Head, parse_request, parse_response};
use regex::bytes::{Regex, RegexBuilder};
use thiserror::Error;

/// A query that cannot be understood.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct QueryError(String);

#[derive(Debug, Clone)]
enum Test {
    Method(String),
    /// Status code, or its first digit for `4xx`.
    Status {
        code: u16,
        class: bool,
    },
    Host(Regex),
    Path(Regex),
    Header {
        name: String,
        value: Option<Regex>,
    },
    Body(Regex),
    /// A WebSocket message's payload.
    Message(Regex),
    Pattern(Regex),
    Word(Regex),
}

impl Test {
    /// Rough cost, so cheap terms rule rows out before bytes are read.
    fn cost(&self) -> u8 {
        match self {
            Test::Method(_)
            | Test::Status { .. }
            | Test::Host(_)
            | Test::Path(_)
            | Test::Word(_) => 0,
            Test::Header { .. } => 1,
            Test::Body(_) | Test::Pattern(_) | Test::Message(_) => 2,
        }
    }
}

#[derive(Debug, Clone)]
struct Term {
    negate: bool,
    test: Test,
}

/// A parsed query.
#[derive(Debug, Clone)]
pub struct Query {
    terms: Vec<Term>,
}

fn literal(text: &str) -> Result<Regex, QueryError> {
    pattern(&regex::escape(text))
}

fn pattern(source: &str) -> Result<Regex, QueryError> {
    RegexBuilder::new(source)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| QueryError(format!("invalid regular expression: {e}")))
}

/// Splits on spaces, keeping `/regex with spaces/` and `"quoted words"` whole.
fn split_terms(query: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut closing: Option<char> = None;
    for c in query.chars() {
        match closing {
            Some(end) if c == end => {
                closing = None;
                current.push(c);
            }
            Some(_) => current.push(c),
            None if c.is_whitespace() => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            None => {
                let at_start = current.is_empty() || current == "-";
                let after_key = current.ends_with([':', '=']);
                if (c == '/' && at_start) || (c == '"' && (at_start || after_key)) {
                    closing = Some(c);
                }
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    terms
}

impl Query {
    /// Parses a query; an empty query matches everything.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let mut terms = Vec::new();
        for raw in split_terms(query) {
            let (negate, text) = match raw.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, raw.as_str()),
            };
            let unquote = |s: &str| s.trim_matches('"').to_string();
            let test = if text.len() >= 2 && text.starts_with('/') && text.ends_with('/') {
                Test::Pattern(pattern(&text[1..text.len() - 1])?)
            } else {
                match text.split_once(':').filter(|_| !text.starts_with('"')) {
                    Some((key, value)) if !value.is_empty() => {
                        let value = unquote(value);
                        match key.to_ascii_lowercase().as_str() {
                            "method" => Test::Method(value),
                            "status" => status(&value)?,
                            "host" => Test::Host(literal(&value)?),
                            "path" | "url" => Test::Path(literal(&value)?),
                            "header" => match value.split_once('=') {
                                Some((name, v)) => Test::Header {
                                    name: name.to_string(),
                                    value: Some(literal(&unquote(v))?),
                                },
                                None => Test::Header {
                                    name: value,
                                    value: None,
                                },
                            },
                            "body" => Test::Body(literal(&value)?),
                            "ws" => Test::Message(literal(&value)?),
                            _ => Test::Word(literal(text)?),
                        }
                    }
                    _ => Test::Word(literal(&unquote(text))?),
                }
            };
            terms.push(Term { negate, test });
        }
        terms.sort_by_key(|t| t.test.cost());
        Ok(Self { terms })
    }

    /// Whether the query has no terms (every row matches).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether a term asks about the response (`status:`): a rule that acts on requests cannot
    /// use it, since no response exists yet.
    pub fn needs_response(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.test, Test::Status { .. }))
    }

    /// Whether a term reads bodies (`body:`, `/regex/`): a rule with one waits for the body.
    pub fn needs_body(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.test, Test::Body(_) | Test::Pattern(_)))
    }

    /// Whether `row` matches every term.
    pub fn matches(&self, row: &mut Row<'_>) -> bool {
        self.terms.iter().all(|t| row.test(&t.test) != t.negate)
    }
}

fn status(value: &str) -> Result<Test, QueryError> {
    let bad = || QueryError(format!("status:{value} is not a status like 404 or 4xx"));
    let lower = value.to_ascii_lowercase();
    if let Some(digit) = lower.strip_suffix("xx") {
        let code = digit.parse::<u16>().map_err(|_| bad())?;
        return (1..=5)
            .contains(&code)
            .then_some(Test::Status { code, class: true })
            .ok_or_else(bad);
    }
    Ok(Test::Status {
        code: lower.parse().map_err(|_| bad())?,
        class: false,
    })
}

/// Most decoded bytes of one body a `body:` term looks through: a compressed bomb costs a
/// row this much inflating, not the view's 64 MiB.
const BODY_DECODED: u64 = 16 << 20;

/// One table row being searched: an exchange, or a raw connection (no exchange). The bytes
/// are fetched through `load` (one direction's) only when a term needs them:
/// for an exchange, its message from the final head on; for a raw row, the stream's start.
pub struct Row<'a> {
    exchange: Option<&'a Exchange>,
    /// The connection's target (`host:port`), for URLs and hosts an exchange does not name.
    fallback_host: &'a str,
    load: &'a mut dyn FnMut(Direction) -> Vec<u8>,
    loaded: [Option<Vec<u8>>; 2],
    decoded: [Option<Vec<u8>>; 2],
    /// A WebSocket's message payloads, read when a `ws:` term needs them, and kept once read.
    messages: Option<&'a mut dyn FnMut() -> Vec<Vec<u8>>>,
    payloads: Option<Vec<Vec<u8>>>,
}

impl<'a> Row<'a> {
    /// A row to search.
    pub fn new(
        exchange: Option<&'a Exchange>,
        fallback_host: &'a str,
        load: &'a mut dyn FnMut(Direction) -> Vec<u8>,
    ) -> Self {
        Self {
            exchange,
            fallback_host,
            load,
            loaded: [None, None],
            decoded: [None, None],
            messages: None,
            payloads: None,
        }
    }

    /// The row is a WebSocket: `load` reads its messages' payloads (for `ws:` terms).
    pub fn with_messages(mut self, load: &'a mut dyn FnMut() -> Vec<Vec<u8>>) -> Self {
        self.messages = Some(load);
        self
    }

    fn message(&mut self, dir: Direction) -> &[u8] {
        let side = dir.index();
        if self.loaded[side].is_none() {
            self.loaded[side] = Some((self.load)(dir));
        }
        self.loaded[side].as_deref().unwrap_or_default()
    }

    /// The decoded body of an exchange's message, or a raw row's bytes.
    fn body(&mut self, dir: Direction) -> &[u8] {
        let side = dir.index();
        if self.decoded[side].is_none() {
            let decoded = match self.exchange {
                Some(_) => decode_start(self.message(dir), BODY_DECODED)
                    .body
                    .into_owned(),
                None => self.message(dir).to_vec(),
            };
            self.decoded[side] = Some(decoded);
        }
        self.decoded[side].as_deref().unwrap_or_default()
    }

    fn head(&mut self, dir: Direction) -> Option<Head> {
        let bytes = self.message(dir);
        if dir == Direction::ClientToServer {
            parse_request(bytes).ok().flatten().map(|r| r.head)
        } else {
            parse_response(bytes).ok().flatten().map(|r| r.head)
        }
    }

    /// Method, URL, status and reason as one line, the way the table shows them.
    fn summary(&self) -> String {
        match self.exchange {
            Some(e) => format!(
                "{} {} {} {}",
                e.method,
                e.url(self.fallback_host, false),
                e.status.map(|s| s.to_string()).unwrap_or_default(),
                e.reason
            ),
            None => self.fallback_host.to_string(),
        }
    }

    fn host(&self) -> &str {
        self.exchange
            .and_then(|e| e.host.as_deref())
            .unwrap_or(self.fallback_host)
    }

    fn test(&mut self, test: &Test) -> bool {
        let exchange = self.exchange;
        match test {
            Test::Method(m) => exchange.is_some_and(|e| e.method.eq_ignore_ascii_case(m)),
            Test::Status { code, class } => exchange
                .and_then(|e| e.status)
                .is_some_and(|s| if *class { s / 100 == *code } else { s == *code }),
            Test::Host(re) => re.is_match(self.host().as_bytes()),
            Test::Path(re) => exchange.is_some_and(|e| re.is_match(e.target.as_bytes())),
            Test::Word(re) => {
                re.is_match(self.summary().as_bytes()) || re.is_match(self.host().as_bytes())
            }
            Test::Header { name, value } => {
                exchange.is_some()
                    && Direction::BOTH.into_iter().any(|side| {
                        self.head(side).is_some_and(|head| {
                            head.headers.iter().any(|(n, v)| {
                                n.eq_ignore_ascii_case(name)
                                    && value.as_ref().is_none_or(|re| re.is_match(v))
                            })
                        })
                    })
            }
            Test::Body(re) => Direction::BOTH
                .into_iter()
                .any(|side| re.is_match(self.body(side))),
            Test::Message(re) => {
                if self.payloads.is_none() {
                    self.payloads = self.messages.as_mut().map(|load| load());
                }
                let payloads = self.payloads.as_deref().unwrap_or_default();
                payloads.iter().any(|m| re.is_match(m))
            }
            Test::Pattern(re) => {
                re.is_match(self.summary().as_bytes())
                    || Direction::BOTH.into_iter().any(|side| {
                        let bytes = self.message(side);
                        let head = crate::http1::head_len(bytes);
                        re.is_match(&bytes[..head])
                    })
                    || Direction::BOTH
                        .into_iter()
                        .any(|side| re.is_match(self.body(side)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Tracker;

    /// Exchanges and the bytes of each message, from a request and a response stream.
    fn rows(request: &[u8], response: &[u8]) -> Vec<(Exchange, [Vec<u8>; 2])> {
        let mut list = Vec::new();
        let mut tracker = Tracker::new();
        tracker.feed(Direction::ClientToServer, request, 1, &mut list);
        tracker.feed(Direction::ServerToClient, response, 2, &mut list);
        tracker.finish(&mut list);
        list.into_iter()
            .map(|e| {
                let req = request[e.request.head_at() as usize..e.request.end as usize].to_vec();
                let res = e.response.as_ref().map_or(Vec::new(), |r| {
                    response[r.head_at() as usize..r.end as usize].to_vec()
                });
                (e, [req, res])
            })
            .collect()
    }

    fn matching(query: &str, rows: &[(Exchange, [Vec<u8>; 2])]) -> Vec<usize> {
        let query = Query::parse(query).unwrap();
        (0..rows.len())
            .filter(|&i| {
                let (exchange, bytes) = &rows[i];
                let mut load = |dir: Direction| bytes[dir.index()].clone();
                query.matches(&mut Row::new(Some(exchange), "target:80", &mut load))
            })
            .collect()
    }

    #[test]
    fn terms_pick_rows_by_each_field() {
        let gz = {
            use std::io::Write;
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(b"{\"secret\":\"Needle\"}").unwrap();
            enc.finish().unwrap()
        };
        let mut response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
        response.extend_from_slice(
            format!(
                "HTTP/1.1 404 Not Found\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                gz.len()
            )
            .as_bytes(),
        );
        response.extend_from_slice(&gz);
        response.extend_from_slice(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
        let request = b"POST /svc HTTP/1.1\r\nHost: api.test\r\nSOAPAction: \"urn:Get\"\r\nContent-Length: 5\r\n\r\n<a/>\n\
GET /find?q=1 HTTP/1.1\r\nHost: www.test\r\n\r\n\
DELETE /x HTTP/1.1\r\n\r\n";
        let rows = rows(request, &response);
        assert_eq!(rows.len(), 3);
        assert_eq!(matching("", &rows), [0, 1, 2]);
        assert_eq!(matching("method:post", &rows), [0]);
        assert_eq!(matching("status:4xx", &rows), [1]);
        assert_eq!(matching("status:500", &rows), [2]);
        assert_eq!(matching("-status:200", &rows), [1, 2]);
        assert_eq!(matching("host:WWW", &rows), [1]);
        assert_eq!(
            matching("host:target", &rows),
            [2],
            "no Host header: the target"
        );
        assert_eq!(matching("path:find", &rows), [1]);
        assert_eq!(matching("header:soapaction", &rows), [0]);
        assert_eq!(matching("header:SOAPAction=urn:get", &rows), [0]);
        assert_eq!(
            matching("header:soapaction=\"\\\"urn:Get\\\"\"", &rows),
            Vec::<usize>::new()
        );
        assert_eq!(matching("header:Host=\"api.test\"", &rows), [0]);
        assert_eq!(matching("\"http://www.test/find\"", &rows), [1]);
        assert_eq!(matching("header:content-encoding=gzip", &rows), [1]);
        assert_eq!(
            matching("body:needle", &rows),
            [1],
            "found in the gunzipped body"
        );
        assert_eq!(matching("/sec.et/", &rows), [1]);
        assert_eq!(matching("/^DELETE /", &rows), [2]);
        assert_eq!(matching("api.test method:POST", &rows), [0]);
        assert_eq!(matching("delete", &rows), [2]);
        assert_eq!(matching("\"not found\" -delete", &rows), [1]);
    }

    #[test]
    fn raw_rows_are_searched_by_their_bytes_and_bad_queries_say_why() {
        let bytes = [b"\x16\x03hello".to_vec(), b"world".to_vec()];
        let mut load = |dir: Direction| bytes[dir.index()].clone();
        let mut row = Row::new(None, "db.test:5432", &mut load);
        assert!(
            Query::parse("body:WORLD db.test")
                .unwrap()
                .matches(&mut row)
        );
        assert!(!Query::parse("method:GET").unwrap().matches(&mut row));
        assert!(Query::parse("/[/").is_err());
        assert!(Query::parse("status:abc").is_err());
        assert_eq!(
            split_terms("a /b c/ -\"d e\" header:x=\"y z\""),
            ["a", "/b c/", "-\"d e\"", "header:x=\"y z\""]
        );
    }
}
