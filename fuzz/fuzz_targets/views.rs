//! Every view over any bytes: pretty XML and JSON either render or say why, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::view::{detect, head_len, hex, json, message, raw, xml};

fuzz_target!(|data: &[u8]| {
    let decoded = message::decode(data);
    assert!(decoded.wire_len <= data.len());
    let _ = detect(&decoded.body);
    let _ = head_len(data);
    let _ = xml::pretty(data);
    let _ = xml::pretty_fragment(data, 3);
    let _ = xml::depth_after(data);
    let _ = json::pretty_fragment(data, 2, false);
    let _ = json::depth_after(data);
    let _ = json::pretty(data);
    let _ = raw::render(data);
    let _ = hex::render(data, 0);
});
