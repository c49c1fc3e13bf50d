//! WebSocket frames over any bytes, with and without permessage-deflate: no panic, memory
//! bounded by the message cap, messages inside what was fed and in order, and the same
//! messages whatever the split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::Direction;
use tcpmon_inspect::ws::{Deflate, Message, Reader};

fn read(bytes: &[u8], piece: usize, deflate: Option<Deflate>) -> Vec<Message> {
    let mut reader = Reader::new(Direction::ServerToClient, 0, deflate, true);
    let mut out = Vec::new();
    for chunk in bytes.chunks(piece) {
        if reader.feed(chunk, 0, &mut out).is_err() {
            break;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    // First byte: the piece size and whether deflate was agreed on.
    let [first, rest @ ..] = data else {
        return;
    };
    let deflate = (first & 1 == 1).then(Deflate::default);
    let piece = usize::from(first >> 1).max(1);
    let messages = read(rest, piece, deflate);
    let mut end = 0;
    for m in &messages {
        assert!(m.start < m.end && m.end <= rest.len() as u64, "{m:?}");
        assert!(m.size <= m.end - m.start);
        end = end.max(m.end);
    }
    assert!(end <= rest.len() as u64);
    assert_eq!(
        messages,
        read(rest, rest.len().max(1), deflate),
        "another split"
    );
});
