//! gRPC bodies of real calls (Python grpcio server and client, see
//! fixtures/grpc/make_fixtures.py) split, decoded without a schema as the real `protoc
//! --decode_raw` decodes them, and with the schema into what the Python client sent.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;
use tcpmon_inspect::Direction;
use tcpmon_inspect::grpc::{Encoding, Item, Protocol, Splitter, Status};
use tcpmon_inspect::protobuf::{self, Schema, schema};

const CALLS: [&str; 4] = ["unary", "gzip", "not_found", "streaming"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/grpc")
}

/// A call's record: path, header fields, trailers, messages each way in protobuf's JSON.
fn call(name: &str) -> Json {
    let text = std::fs::read_to_string(fixtures().join(name).join("call.json")).expect("call.json");
    serde_json::from_str(&text).expect("call.json is JSON")
}

/// One field of a header list recorded as `[name, value]` pairs.
fn field<'a>(fields: &'a Json, name: &str) -> Option<&'a str> {
    fields.as_array()?.iter().find_map(|pair| {
        (pair[0].as_str()? == name)
            .then(|| pair[1].as_str())
            .flatten()
    })
}

/// A body and the splitter its call's headers ask for.
fn body(name: &str, direction: Direction) -> (Vec<u8>, Splitter) {
    let (file, headers) = match direction {
        Direction::ClientToServer => ("request.bin", "request_headers"),
        Direction::ServerToClient => ("response.bin", "response_headers"),
    };
    let record = call(name);
    let headers = &record[headers];
    let protocol = Protocol::from_content_type(field(headers, "content-type").expect("type"))
        .expect("a gRPC content type");
    let encoding = Encoding::from_header(field(headers, "grpc-encoding"));
    let bytes = std::fs::read(fixtures().join(name).join(file)).expect("body");
    (bytes, Splitter::new(protocol, encoding))
}

/// Items of `bytes` fed in the given pieces, the body checked to end between messages.
fn split(mut splitter: Splitter, pieces: &[&[u8]]) -> Vec<Item> {
    let items = pieces.iter().flat_map(|p| splitter.feed(p)).collect();
    splitter.finish().expect("body ends between messages");
    items
}

/// The decoded messages of one direction of a call.
fn messages(name: &str, direction: Direction) -> Vec<Vec<u8>> {
    let (bytes, splitter) = body(name, direction);
    split(splitter, &[&bytes])
        .into_iter()
        .map(|item| match item {
            Item::Message(m) => m.data.expect("message decodes"),
            other => panic!("not a message: {other:?}"),
        })
        .collect()
}

#[test]
fn bodies_split_into_the_messages_sent_at_every_byte_boundary() {
    for name in CALLS {
        let record = call(name);
        for (direction, sent) in [
            (Direction::ClientToServer, "sent"),
            (Direction::ServerToClient, "received"),
        ] {
            let (bytes, _) = body(name, direction);
            let whole = split(body(name, direction).1, &[&bytes]);
            let count = record[sent].as_array().expect("messages").len();
            assert_eq!(whole.len(), count, "{name} {direction:?}");
            for at in 0..=bytes.len() {
                let (a, b) = bytes.split_at(at);
                assert_eq!(
                    split(body(name, direction).1, &[a, b]),
                    whole,
                    "{name} at {at}"
                );
            }
            let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
            assert_eq!(split(body(name, direction).1, &bytewise), whole, "{name}");
        }
    }
    let gzip = split(
        body("gzip", Direction::ServerToClient).1,
        &[&std::fs::read(fixtures().join("gzip/response.bin")).expect("body")],
    );
    assert!(matches!(&gzip[0], Item::Message(m) if m.compressed
        && m.data.as_ref().is_ok_and(|d| d.len() > m.wire_len as usize)));
}

/// What the real protoc prints for `bytes`, or `None` when it fails to parse them.
fn protoc_decode_raw(bytes: &[u8]) -> Option<String> {
    let mut child = Command::new("protoc")
        .arg("--decode_raw")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("protoc runs (Debian package protobuf-compiler)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    let out = child.wait_with_output().expect("protoc ends");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("protoc prints UTF-8"))
}

#[test]
fn raw_decode_prints_what_protoc_decode_raw_prints() {
    let mut compared = 0;
    for name in CALLS {
        for direction in Direction::BOTH {
            for message in messages(name, direction) {
                let ours = protobuf::decode_raw(&message).expect("decodes");
                assert_eq!(Some(ours), protoc_decode_raw(&message), "{name}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 9);
}

/// A small deterministic generator (xorshift) of messages near the edges of the wire format.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push(v as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A message of a few fields, nesting up to `depth` more levels.
    fn message(&mut self, depth: u32) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..self.below(5) {
            let number = [1, 2, 15, 16, 2047, 536_870_911][self.below(6) as usize];
            let wire_type = self.below(6);
            let wire_type = if wire_type == 4 { 3 } else { wire_type };
            Self::varint(&mut out, number << 3 | wire_type);
            match wire_type {
                0 => Self::varint(&mut out, self.next() >> self.below(64)),
                1 => out.extend_from_slice(&self.next().to_le_bytes()),
                5 => out.extend_from_slice(&(self.next() as u32).to_le_bytes()),
                3 => {
                    let inner = if depth > 0 {
                        self.message(depth - 1)
                    } else {
                        vec![]
                    };
                    out.extend_from_slice(&inner);
                    Self::varint(&mut out, number << 3 | 4);
                }
                _ => {
                    let inner = match self.below(3) {
                        0 if depth > 0 => self.message(depth - 1),
                        1 => "é\n\t\"'\\ x".as_bytes().to_vec(),
                        _ => (0..self.below(6)).map(|_| self.next() as u8).collect(),
                    };
                    Self::varint(&mut out, inner.len() as u64);
                    out.extend_from_slice(&inner);
                }
            }
        }
        out
    }
}

#[test]
fn raw_decode_agrees_with_protoc_on_generated_and_broken_messages() {
    let mut generate = Gen(0x9e37_79b9_7f4a_7c15);
    let mut cases: Vec<Vec<u8>> = (0..400).map(|_| generate.message(12)).collect();
    // Broken ones: cut short, a byte changed.
    for i in 0..400 {
        let mut broken = cases[i].clone();
        if broken.is_empty() {
            continue;
        }
        let at = generate.below(broken.len() as u64) as usize;
        if i % 2 == 0 {
            broken.truncate(at);
        } else {
            broken[at] = generate.next() as u8;
        }
        cases.push(broken);
    }
    // Nesting at protoc's limits: 10 levels of messages, 100 groups.
    let mut deep = b"\x08\x01".to_vec();
    for _ in 0..13 {
        deep = [&[0x0a, deep.len() as u8][..], &deep].concat();
    }
    cases.push(deep);
    for n in [100, 101] {
        cases.push([vec![0x0b; n], vec![0x0c; n]].concat());
    }
    for n in [9, 10, 11] {
        let groups = [vec![0x0b; n], vec![0x0c; n]].concat();
        cases.push([&[0x12, groups.len() as u8][..], &groups].concat());
    }
    // Groups count as levels too: an LD in 3 groups in an LD holds 8 groups.
    let inner = [vec![0x0b; 8], vec![0x0c; 8]].concat();
    let groups = [
        &[0x0b; 3][..],
        &[0x12, inner.len() as u8],
        &inner,
        &[0x0c; 3],
    ]
    .concat();
    cases.push([&[0x12, groups.len() as u8][..], &groups].concat());
    let mut failures = 0;
    for case in &cases {
        let ours = protobuf::decode_raw(case).ok();
        failures += usize::from(ours.is_none());
        assert_eq!(ours, protoc_decode_raw(case), "input {case:02x?}");
    }
    assert!(
        failures > 20 && failures < cases.len() - 100,
        "{failures} of {}",
        cases.len()
    );
}

#[test]
fn schema_decode_gives_the_values_the_client_sent() {
    let schema = Schema::from_proto_file(&fixtures().join("shop.proto")).expect("compiles");
    for name in CALLS {
        let record = call(name);
        let path = record["path"].as_str().expect("path");
        for (direction, sent) in [
            (Direction::ClientToServer, "sent"),
            (Direction::ServerToClient, "received"),
        ] {
            let message_type = schema.message_type(path, direction).expect("method");
            let decoded: Vec<Json> = messages(name, direction)
                .iter()
                .map(|m| schema::decode(&message_type, m).expect("decodes"))
                .map(|d| serde_json::from_str(&d.json).expect("JSON"))
                .collect();
            assert_eq!(&Json::from(decoded), &record[sent], "{name} {direction:?}");
        }
    }
    let item = schema
        .message_type("/demo.shop.Shop/GetItem", Direction::ServerToClient)
        .expect("method");
    let text = schema::decode(&item, &messages("unary", Direction::ServerToClient)[0])
        .expect("decodes")
        .text;
    assert!(
        text.contains("name: \"hammer\"") && text.contains("kind: KIND_BOOK"),
        "{text}"
    );
    assert!(
        text.contains("detail {") && text.contains("seen: 1099511627776"),
        "{text}"
    );
}

#[test]
fn a_descriptor_set_made_by_protoc_serves_as_the_schema() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shop.pb");
    let status = Command::new("protoc")
        .arg(format!("-I{}", fixtures().display()))
        .arg("--include_imports")
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg("shop.proto")
        .status()
        .expect("protoc runs");
    assert!(status.success());
    let schema = Schema::from_descriptor_set(&std::fs::read(&out).expect("set")).expect("reads");
    let query = schema
        .message_type("/demo.shop.Shop/ListItems", Direction::ClientToServer)
        .expect("method");
    let decoded = schema::decode(&query, &messages("streaming", Direction::ClientToServer)[0])
        .expect("decodes");
    assert_eq!(decoded.type_name, "demo.shop.Query");
    let json: Json = serde_json::from_str(&decoded.json).expect("JSON");
    assert_eq!(json, call("streaming")["sent"][0]);
    assert!(
        schema
            .message_type("/demo.shop.Shop/Nope", Direction::ClientToServer)
            .is_err()
    );
    assert!(
        schema
            .message_type("demo.shop.Shop", Direction::ClientToServer)
            .is_err()
    );
}

#[test]
fn trailers_give_the_calls_status() {
    let status = |name: &str| {
        let record = call(name);
        let fields = record["trailers"]
            .as_array()
            .expect("trailers")
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().unwrap_or_default().to_owned(),
                    pair[1].as_str().unwrap_or_default().to_owned(),
                )
            });
        Status::from_trailers(fields.collect::<Vec<_>>())
            .expect("valid")
            .expect("a status")
    };
    let ok = status("unary");
    assert_eq!((ok.code, ok.name), (0, Some("OK")));
    assert_eq!(ok.message.as_deref(), Some(""));
    let missing = status("not_found");
    assert_eq!((missing.code, missing.name), (5, Some("NOT_FOUND")));
    assert_eq!(
        missing.message.as_deref(),
        Some("no item named “missing” (100% sure)")
    );
}

/// A gRPC-Web body: real responses' frames, then a trailer frame.
fn grpc_web_body() -> Vec<u8> {
    let read = |name: &str| std::fs::read(fixtures().join(name).join("response.bin"));
    let mut body = [
        read("unary").expect("body"),
        read("streaming").expect("body"),
    ]
    .concat();
    let trailers = b"grpc-status: 0\r\ngrpc-message: \r\n";
    body.push(0x80);
    body.extend_from_slice(&(trailers.len() as u32).to_be_bytes());
    body.extend_from_slice(trailers);
    body
}

#[test]
fn grpc_web_bodies_and_their_text_form_split_with_their_trailers() {
    use base64::Engine;
    let body = grpc_web_body();
    let protocol = Protocol::from_content_type("application/grpc-web+proto").expect("web");
    let items = split(Splitter::new(protocol, Encoding::Identity), &[&body]);
    assert_eq!(items.len(), 5);
    let Some(Item::Trailers {
        fields: Ok(fields), ..
    }) = items.last()
    else {
        panic!("no trailers: {items:?}");
    };
    let status = Status::from_trailers(fields.clone())
        .expect("valid")
        .expect("status");
    assert_eq!(status.name, Some("OK"));
    // The text form, each frame encoded alone as servers do: padding inside the body.
    let mut text = Vec::new();
    let mut rest = &body[..];
    while !rest.is_empty() {
        let len = 5 + u32::from_be_bytes(rest[1..5].try_into().expect("4 bytes")) as usize;
        text.extend(
            base64::engine::general_purpose::STANDARD
                .encode(&rest[..len])
                .bytes(),
        );
        rest = &rest[len..];
    }
    assert!(text[..text.len() - 4].contains(&b'='));
    let protocol = Protocol::from_content_type("application/grpc-web-text").expect("text");
    for at in 0..=text.len() {
        let (a, b) = text.split_at(at);
        assert_eq!(
            split(Splitter::new(protocol, Encoding::Identity), &[a, b]),
            items,
            "at {at}"
        );
    }
}

#[test]
fn raw_decode_throughput() {
    // Every message of the fixtures, repeated into one 8 MiB message of length-delimited fields.
    let mut one = Vec::new();
    for name in CALLS {
        for direction in Direction::BOTH {
            for message in messages(name, direction) {
                one.push(0x0a);
                Gen::varint(&mut one, message.len() as u64);
                one.extend_from_slice(&message);
            }
        }
    }
    let copies = (8 << 20) / one.len();
    let big = one.repeat(copies);
    let started = std::time::Instant::now();
    let text = protobuf::decode_raw(&big).expect("decodes");
    let seconds = started.elapsed().as_secs_f64();
    let single = protobuf::decode_raw(&one).expect("decodes");
    assert_eq!(text, single.repeat(copies));
    println!(
        "raw decode: {:.1} MB/s ({} bytes in {seconds:.3} s)",
        big.len() as f64 / seconds / 1e6,
        big.len()
    );
}
