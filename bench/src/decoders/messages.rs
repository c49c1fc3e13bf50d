//! Inputs for the gRPC and protobuf decoders: order-like protobuf messages (scalars, text, a
//! nested message per line item, a packed field, bytes that are neither a message nor text),
//! made by a little encoder, and gRPC bodies of them, plain or gzip'ed per message.

use std::io::Write;

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(0x80 | (value & 0x7f) as u8);
        value >>= 7;
    }
    out.push(value as u8);
}

fn tag(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, u64::from(field) << 3 | u64::from(wire));
}

fn delimited(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    tag(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Line items in each order.
const ITEMS: u64 = 16;

/// Order `n`, about 900 bytes.
pub fn order(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    tag(&mut out, 1, 0);
    varint(&mut out, n);
    delimited(&mut out, 2, format!("customer-{n}@example.com").as_bytes());
    for i in 0..ITEMS {
        let mut item = Vec::new();
        delimited(&mut item, 1, format!("SKU-{n}-{i}").as_bytes());
        tag(&mut item, 2, 0);
        varint(&mut item, i % 5 + 1);
        tag(&mut item, 3, 1);
        item.extend_from_slice(&(i as f64 * 1.25 + 0.99).to_bits().to_le_bytes());
        delimited(&mut item, 4, b"colour: blue, size: M");
        delimited(&mut out, 3, &item);
    }
    tag(&mut out, 4, 5);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    delimited(&mut out, 5, &[0xff; 24]);
    let mut packed = Vec::new();
    (0..32).for_each(|i| varint(&mut packed, i * 1000 + n));
    delimited(&mut out, 6, &packed);
    out
}

/// Top-level fields of every [`order`].
pub const ORDER_FIELDS: usize = 4 + ITEMS as usize + 1;

/// A gRPC body of `messages`, each gzip'ed (flag 1) or not (flag 0).
pub fn grpc_body(messages: &[Vec<u8>], gzip: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for message in messages {
        let payload = if gzip {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(message).expect("in memory");
            encoder.finish().expect("in memory")
        } else {
            message.clone()
        };
        body.push(u8::from(gzip));
        let len = u32::try_from(payload.len()).expect("small messages");
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(&payload);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_inspect::protobuf::{Value, raw};

    /// An order reads back as what was written: its fields, a nested item, the bytes field.
    #[test]
    fn order_reads_back() {
        let bytes = order(7);
        let fields = raw::decode(&bytes).expect("a message");
        assert_eq!(fields.len(), ORDER_FIELDS);
        assert_eq!(fields[0].value, Value::Varint(7));
        assert_eq!(fields[1].value, Value::String("customer-7@example.com"));
        let Value::Message(item) = &fields[2].value else {
            panic!("item not read as a message: {:?}", fields[2].value);
        };
        assert_eq!(item[0].value, Value::String("SKU-7-0"));
        assert_eq!(item[2].value, Value::Fixed64(0.99f64.to_bits()));
        assert_eq!(fields[ORDER_FIELDS - 2].value, Value::Bytes(&[0xff; 24]));
    }
}
