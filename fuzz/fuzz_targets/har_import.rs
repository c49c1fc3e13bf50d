//! The HAR loader over any bytes: entries come back or a clear error, never a panic; what
//! it rebuilds parses back into exchanges.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::Direction;
use tcpmon_inspect::exchange::Tracker;
use tcpmon_inspect::formats::har::read_har;

fuzz_target!(|data: &[u8]| {
    let Ok(entries) = read_har(data) else { return };
    for entry in entries {
        let mut list = Vec::new();
        let mut tracker = Tracker::new();
        tracker.feed(
            Direction::ClientToServer,
            &entry.request,
            entry.request_at.0,
            &mut list,
        );
        tracker.feed(
            Direction::ServerToClient,
            &entry.response,
            entry.response_at.0,
            &mut list,
        );
        tracker.finish(&mut list);
    }
});
