//! The HTTP/2 follower over any bytes, split anywhere, from the preface or after an h2c
//! upgrade: no panic, it stops with an error or keeps going, and every body range it reports
//! lies inside what was fed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::Direction;
use tcpmon_inspect::h2::{Connection, PREFACE};

fuzz_target!(|data: &[u8]| {
    // First byte: where the two streams split; second: the piece size; third: how to start.
    let [split, piece, start, rest @ ..] = data else {
        return;
    };
    let at = usize::from(*split) * rest.len() / 256;
    let (client, server) = rest.split_at(at);
    // Most inputs get a valid preface, so the frames behind it are reached.
    let client = if start & 1 == 0 {
        [&PREFACE[..], client].concat()
    } else {
        client.to_vec()
    };
    let mut connection = if start & 2 == 0 {
        Connection::prior_knowledge()
    } else {
        Connection::upgraded(0, 0, server.get(..12).unwrap_or_default())
    };
    let piece = usize::from(*piece).max(1);
    let sides = [
        (Direction::ClientToServer, &client[..]),
        (Direction::ServerToClient, server),
    ];
    let mut offsets = [0usize; 2];
    while offsets[0] < client.len() || offsets[1] < server.len() {
        for (dir, bytes) in sides {
            let from = offsets[dir.index()];
            let to = (from + piece).min(bytes.len());
            let _ = connection.feed(dir, &bytes[from..to], from as u64, 1);
            offsets[dir.index()] = to;
        }
    }
    for stream in connection.streams() {
        for (dir, bytes) in sides {
            for range in &stream.message(dir).body {
                assert!(range.offset + range.len <= bytes.len() as u64);
            }
        }
        let _ = stream.reset.map(|r| r.note());
    }
    for go_away in connection.go_aways() {
        let _ = go_away.note();
    }
    let _ = connection.error().map(ToString::to_string);
});
