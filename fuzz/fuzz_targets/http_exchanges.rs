//! The exchange tracker and the Host rewriter over any bytes, split anywhere: no panic, and
//! the spans found always lie inside what was fed, in order (an HTTP/2 stream's bodies inside
//! what was fed; seeds `h2_*` start with the preface).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::Direction;
use tcpmon_inspect::exchange::{Exchange, Tracker};
use tcpmon_inspect::rewrite::HostRewriter;

fuzz_target!(|data: &[u8]| {
    // First byte: where the two streams split; second: the piece size.
    let [split, piece, rest @ ..] = data else {
        return;
    };
    let at = usize::from(*split) * rest.len() / 256;
    let (request, response) = rest.split_at(at);
    let piece = usize::from(*piece).max(1);
    let mut tracker = Tracker::new();
    let mut list: Vec<Exchange> = Vec::new();
    let mut rewritten = Vec::new();
    let mut rewriter = HostRewriter::new("target.test:8080");
    let (mut a, mut b) = (request.chunks(piece), response.chunks(piece));
    loop {
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            break;
        }
        if let Some(x) = x {
            tracker.feed(Direction::ClientToServer, x, 1, &mut list);
            rewriter.push(x, &mut rewritten);
        }
        if let Some(y) = y {
            tracker.feed(Direction::ServerToClient, y, 2, &mut list);
        }
    }
    tracker.finish(&mut list);
    rewritten.extend(rewriter.finish());
    let mut request_end = 0;
    for e in &list {
        if let Some(h2) = e.h2() {
            // An HTTP/2 stream's frames interleave with others': its bodies lie in what was fed.
            for (dir, fed) in [
                (Direction::ClientToServer, request),
                (Direction::ServerToClient, response),
            ] {
                let ranges = h2.message(dir).map_or(&[][..], |m| &m.body[..]);
                assert!(ranges.iter().all(|r| r.offset + r.len <= fed.len() as u64));
            }
            continue;
        }
        assert!(e.request.start >= request_end && e.request.end <= request.len() as u64);
        assert!(e.request.head_at() + e.request.head_len() <= e.request.end);
        request_end = e.request.end;
        if let Some(r) = &e.response {
            assert!(r.start <= r.head_at() && r.end <= response.len() as u64);
        }
        let _ = e.url("fallback:80", false);
    }
});
