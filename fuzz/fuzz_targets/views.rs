//! Every view over any bytes: pretty XML and JSON either render or say why, never panic, and
//! no view makes more text than its budget allows of its input (the window must never be sent
//! gigabytes for a few kilobytes of nesting).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::http1::decode as message;
use tcpmon_inspect::http1::head_len;
use tcpmon_inspect::view::{Fragment, MAX_INDENT, detect, hex, json, output_budget, raw, xml};

/// Text of a fragment stays within the budget, plus what one last line may add: its
/// indentation and up to three characters of text per input byte.
fn bounded(fragment: Result<Fragment, impl std::fmt::Display>, input: usize) {
    if let Ok(f) = fragment {
        let most = output_budget(input) + 2 * MAX_INDENT + 1 + 3 * input;
        assert!(
            f.text.len() <= most,
            "{} bytes of text from {input}",
            f.text.len()
        );
        assert!(f.used <= input);
    }
}

fuzz_target!(|data: &[u8]| {
    let decoded = message::decode(data);
    assert!(decoded.wire_len <= data.len());
    // Decompression stops at 64 bytes; a charset may then take up to 3 bytes per byte.
    let start = message::decode_start(data, 64);
    assert!(start.body.len() <= 3 * data.len().max(64));
    let _ = detect(&decoded.body);
    let _ = head_len(data);
    bounded(xml::pretty(data), data.len());
    bounded(xml::pretty_fragment(data, 3), data.len());
    bounded(xml::pretty_fragment(data, 1 << 20), data.len());
    let _ = xml::depth_after(data);
    bounded(json::pretty_fragment(data, 2, false), data.len());
    bounded(
        json::pretty_fragment(data, usize::MAX / 4, true),
        data.len(),
    );
    let _ = json::depth_after(data);
    bounded(json::pretty(data), data.len());
    let (text, _) = raw::render(data);
    assert!(text.len() <= 4 * data.len());
    assert!(hex::render(data, 0).len() <= 8 * data.len() + 80);
});
