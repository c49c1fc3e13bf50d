//! The search box's query language over any text, against exchanges the tracker found in the
//! rest of the input (and the same streams as a raw row): a query parses or says why, never
//! panics, and a parsed query answers for every row without panicking. Each term is also
//! checked against its negation: `-term` matches exactly the rows `term` does not.
//!
//! Input: the query, a NUL byte, then one byte saying where the request stream ends and the
//! response stream starts (as in `http_exchanges`), then the two streams. The work is bounded:
//! regexes are capped at 1 MiB by `search`, bodies decode at most `http1::decode::MAX_DECODED`, and
//! the input is a few KiB.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::Direction;
use tcpmon_inspect::exchange::{Exchange, Tracker};
use tcpmon_inspect::search::{Query, Row};

/// Whether `query` matches the row of `exchange` (or the raw row) whose message bytes are
/// `bytes` (request side, response side).
fn matches(query: &Query, exchange: Option<&Exchange>, bytes: &[Vec<u8>; 2]) -> bool {
    let mut load = |dir: Direction| bytes[dir.index()].clone();
    let mut row = Row::new(exchange, "target.test:8080", &mut load);
    let first = query.matches(&mut row);
    // A row caches what it loaded and decoded: asking again gives the same answer.
    assert_eq!(query.matches(&mut row), first);
    first
}

fn slice(stream: &[u8], from: u64, to: u64) -> Vec<u8> {
    let to = (to as usize).min(stream.len());
    stream[(from as usize).min(to)..to].to_vec()
}

fuzz_target!(|data: &[u8]| {
    let (text, traffic) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(text);
    let parsed = Query::parse(&text);
    let Ok(query) = parsed else { return };

    let (request, response) = match traffic {
        [split, rest @ ..] => rest.split_at(usize::from(*split) * rest.len() / 256),
        [] => (&[][..], &[][..]),
    };
    let mut list = Vec::new();
    let mut tracker = Tracker::new();
    tracker.feed(Direction::ClientToServer, request, 1, &mut list);
    tracker.feed(Direction::ServerToClient, response, 2, &mut list);
    tracker.finish(&mut list);
    let mut rows: Vec<(Option<&Exchange>, [Vec<u8>; 2])> = list
        .iter()
        .map(|e| {
            let req = slice(request, e.request.head_at(), e.request.end);
            let res = e
                .response
                .as_ref()
                .map_or(Vec::new(), |r| slice(response, r.head_at(), r.end));
            (Some(e), [req, res])
        })
        .collect();
    rows.push((None, [request.to_vec(), response.to_vec()]));

    // Terms that stand alone (no spaces, so they split the same way) and carry no `-` of their
    // own: `-term` parses to the same test, negated.
    let negatable: Vec<(Query, Query)> = text
        .split_whitespace()
        .filter(|t| !t.starts_with('-'))
        .take(2)
        .filter_map(|t| Some((Query::parse(t).ok()?, Query::parse(&format!("-{t}")).ok()?)))
        .collect();
    for (exchange, bytes) in &rows {
        matches(&query, *exchange, bytes);
        for (term, negated) in &negatable {
            assert_ne!(
                matches(term, *exchange, bytes),
                matches(negated, *exchange, bytes),
                "a term and its negation agree"
            );
        }
    }
});
