//! gRPC framing and schema-less protobuf decoding over any bytes: the splitter gives the same
//! items whatever the split, never panics and keeps no message over its cap; the raw decoder
//! never overflows the stack (hostile nesting) and keeps its text within its budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::grpc::{Encoding, Item, MAX_MESSAGE, Protocol, Splitter};
use tcpmon_inspect::protobuf::{self, text::text_budget};

/// Raw text of a message, within its budget plus one last field's line and its closing braces.
fn decode_raw(bytes: &[u8]) {
    if let Ok(text) = protobuf::decode_raw(bytes) {
        let most = text_budget(bytes.len()) + 4 * bytes.len() + (32 << 10);
        assert!(
            text.len() <= most,
            "{} bytes of text from {}",
            text.len(),
            bytes.len()
        );
    }
    let _ = protobuf::raw::decode(bytes);
}

fuzz_target!(|data: &[u8]| {
    decode_raw(data);
    let [choice, split, body @ ..] = data else {
        return;
    };
    let protocol = [Protocol::Grpc, Protocol::GrpcWeb, Protocol::GrpcWebText][*choice as usize % 3];
    let encoding = ["identity", "gzip", "deflate", "snappy"][(*choice as usize / 3) % 4];
    let splitter = || Splitter::new(protocol, Encoding::from_header(Some(encoding)));
    let mut whole = splitter();
    let items = whole.feed(body);
    let at = usize::from(*split).min(body.len());
    let mut pieces = splitter();
    let mut again = pieces.feed(&body[..at]);
    again.extend(pieces.feed(&body[at..]));
    assert_eq!(items, again);
    assert_eq!(whole.finish(), pieces.finish());
    for item in items {
        if let Item::Message(message) = item {
            if let Ok(data) = message.data {
                assert!(data.len() <= MAX_MESSAGE);
                decode_raw(&data);
            }
        }
    }
});
