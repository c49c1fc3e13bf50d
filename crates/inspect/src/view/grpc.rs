//! The gRPC view: a gRPC or gRPC-Web body as the list of its messages, each decoded as protobuf
//! (as `protoc --decode_raw` prints it, or with field names when the user's schema knows the
//! call's method), then how the call ended (`grpc-status` with its name, `grpc-message`).
//!
//! Every message gets a line saying what it is (number, size on the wire, compressed or not,
//! its type) and why it is not decoded when it is not; the messages after a bad one still are.

use std::fmt::Write;

use super::{PrettyError, hex, output_budget, raw};
use crate::Direction;
use prost_reflect::MessageDescriptor;

use crate::grpc::{Encoding, Item, Message, MessageError, Protocol, Splitter, Status};
use crate::protobuf::{Schema, TextError, decode_raw, decode_raw_within, schema};

/// What a body needs besides its bytes to be read as a call's messages.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// How the body is framed (its `content-type`).
    pub protocol: Protocol,
    /// Its `grpc-encoding` header, if any.
    pub encoding: Option<&'a str>,
    /// The request's target, `/package.Service/Method` (an absolute URL's path counts): which
    /// types the schema reads.
    pub path: &'a str,
    /// The side that sent the body.
    pub direction: Direction,
    /// Fields that may carry the call's status, later ones winning: the response head's (a
    /// "trailers-only" response), then its HTTP/2 trailers. Empty for a request.
    pub status_fields: &'a [(String, String)],
    /// The user's schema, if one is set.
    pub schema: Option<&'a Schema>,
}

/// A rendered body: its text and what the pane should say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The messages and the status, as text.
    pub text: String,
    /// Notes about the whole body (the schema not knowing the method, a body cut short).
    pub notes: Vec<String>,
}

/// Body bytes fed to the splitter at a time: the compressed messages one piece completes share
/// what is left of the budget, and together inflate to at most about a thousand times the
/// piece (deflate's limit), 4 MiB.
const FEED: usize = 4 << 10;

/// Bytes of a message that is not protobuf shown in hex.
pub const HEX_SHOWN: usize = 4096;

/// The body's messages, each decoded, then the call's status. Fails only when the text (or
/// what compressed messages inflate to) would be over [`output_budget`] of the body's size.
pub fn render(body: &[u8], call: &Call<'_>) -> Result<Rendered, PrettyError> {
    let mut splitter = Splitter::new(call.protocol, Encoding::from_header(call.encoding));
    let mut notes = Vec::new();
    let path = origin_form(call.path);
    let message_type = call.schema.map(|s| s.message_type(path, call.direction));
    if let Some(Err(e)) = &message_type {
        notes.push(format!("{e}: decoded without the schema"));
    }
    let mut out = Out {
        text: String::new(),
        budget: output_budget(body.len()),
        message_type: message_type.and_then(Result::ok),
        count: 0,
    };
    let mut status_fields: Vec<(String, String)> = call.status_fields.to_vec();
    let mut inflated = 0usize;
    for piece in body.chunks(FEED) {
        splitter.set_max_decompressed(out.budget.saturating_sub(inflated));
        for item in splitter.feed(piece) {
            match item {
                Item::Message(message) => {
                    inflated += match &message.data {
                        Ok(data) if message.compressed => data.len(),
                        Err(MessageError::Bomb { max }) => *max,
                        _ => 0,
                    };
                    out.message(&message)?;
                }
                Item::Trailers { fields, .. } => match fields {
                    Ok(fields) => status_fields.extend(fields),
                    Err(e) => notes.push(format!("gRPC-Web trailers: {e}")),
                },
                Item::Broken(e) => notes.push(e.to_string()),
            }
        }
    }
    if let Err(e) = splitter.finish() {
        notes.push(e.to_string());
    }
    if out.count == 0 {
        out.text.push_str("(no messages)\n");
    }
    status_text(&mut out.text, &status_fields, &mut notes);
    Ok(Rendered {
        text: out.text,
        notes,
    })
}

/// The text of a body's messages under construction, within its budget.
struct Out {
    text: String,
    budget: usize,
    message_type: Option<MessageDescriptor>,
    /// Messages so far.
    count: usize,
}

impl Out {
    /// The budget spent.
    fn over(&self) -> PrettyError {
        PrettyError::OverBudget(format!(
            "the decoded messages would take over {} KiB of text, 8 times the body's size",
            self.budget >> 10
        ))
    }

    /// A message's line (number, sizes, type or error), then its fields; a blank line after.
    fn message(&mut self, message: &Message) -> Result<(), PrettyError> {
        self.count += 1;
        let out = &mut self.text;
        let s = if message.wire_len == 1 { "" } else { "s" };
        let _ = write!(out, "[message {}] {} byte{s}", self.count, message.wire_len);
        let data = match &message.data {
            Ok(data) => data,
            Err(e) => {
                let compressed = if message.compressed {
                    ", compressed"
                } else {
                    ""
                };
                let _ = writeln!(out, "{compressed}: {e}\n");
                return Ok(());
            }
        };
        if message.compressed {
            let _ = write!(out, ", compressed ({} decompressed)", data.len());
        }
        match self.message_type.as_ref().map(|t| schema::decode(t, data)) {
            Some(Ok(decoded)) => {
                let _ = writeln!(out, ", {}", decoded.type_name);
                out.push_str(&decoded.text);
                if !decoded.text.is_empty() && !decoded.text.ends_with('\n') {
                    out.push('\n');
                }
            }
            Some(Err(e)) => {
                let _ = writeln!(out, ": {e}: decoded without the schema");
                self.raw_fields(data)?;
            }
            None => {
                out.push('\n');
                self.raw_fields(data)?;
            }
        }
        self.text.push('\n');
        if self.text.len() > self.budget {
            return Err(self.over());
        }
        Ok(())
    }

    /// A message's fields without a schema, or why they are not protobuf and its first bytes
    /// in hex.
    fn raw_fields(&mut self, data: &[u8]) -> Result<(), PrettyError> {
        let left = self.budget.saturating_sub(self.text.len());
        match decode_raw_within(data, left) {
            Ok(text) if text.is_empty() => self.text.push_str("(empty)\n"),
            Ok(text) => self.text.push_str(&text),
            Err(TextError::TooLarge { .. }) => return Err(self.over()),
            Err(TextError::Raw(e)) => {
                let _ = writeln!(self.text, "{e}");
                let shown = &data[..data.len().min(HEX_SHOWN)];
                self.text.push_str(&hex::render(shown, 0));
                if shown.len() < data.len() {
                    let _ = writeln!(self.text, "(the first {HEX_SHOWN} of {} bytes)", data.len());
                }
            }
        }
        Ok(())
    }
}

/// The path of a request target in absolute form (`http://host:port/pkg.Service/Method`, as
/// an HTTP/2 head written as text has it), or the target as it is.
fn origin_form(target: &str) -> &str {
    match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    }
}

/// `grpc-status` with its name and `grpc-message`, when the fields hold a status.
fn status_text(out: &mut String, fields: &[(String, String)], notes: &mut Vec<String>) {
    let status = match Status::from_trailers(fields.iter().map(|(n, v)| (n, v.as_bytes()))) {
        Ok(Some(status)) => status,
        Ok(None) => return,
        Err(e) => {
            notes.push(e.to_string());
            return;
        }
    };
    let name = status.name.unwrap_or("not a defined code");
    let _ = writeln!(out, "grpc-status: {} {name}", status.code);
    if let Some(message) = status.message.as_ref().filter(|m| !m.is_empty()) {
        // Captured text: control characters made visible, as the raw view shows them.
        let _ = writeln!(out, "grpc-message: {}", raw::render(message.as_bytes()).0);
    }
    if let Some(details) = &status.details {
        out.push_str("grpc-status-details-bin (google.rpc.Status):\n");
        match decode_raw(details) {
            Ok(text) => out.push_str(&text),
            Err(e) => {
                let _ = writeln!(out, "{e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        [&[flag][..], &len.to_be_bytes(), payload].concat()
    }

    fn call<'a>(fields: &'a [(String, String)], schema: Option<&'a Schema>) -> Call<'a> {
        Call {
            protocol: Protocol::Grpc,
            encoding: None,
            path: "http://shop.example:50051/demo.shop.Shop/GetItem",
            direction: Direction::ServerToClient,
            status_fields: fields,
            schema,
        }
    }

    fn status(code: &str, message: &str) -> Vec<(String, String)> {
        vec![
            ("grpc-status".into(), code.into()),
            ("grpc-message".into(), message.into()),
        ]
    }

    #[test]
    fn messages_decode_raw_with_sizes_errors_and_the_status_by_name() {
        let query = b"\x0a\x03pen\x10\x07";
        let body = [frame(0, query), frame(0, b"\x0f"), frame(1, b"x")].concat();
        let fields = status("5", "no pen%0A here");
        let shown = render(&body, &call(&fields, None)).expect("renders");
        assert_eq!(
            shown.text,
            "[message 1] 7 bytes\n1: \"pen\"\n2: 7\n\n\
             [message 2] 1 byte\nnot a protobuf message: invalid wire type at byte 1\n\
             00000000  0f                                                .\n\n\
             [message 3] 1 byte, compressed: message marked compressed but the call has no \
             grpc-encoding\n\n\
             grpc-status: 5 NOT_FOUND\ngrpc-message: no pen\n here\n"
        );
        assert_eq!(shown.notes, Vec::<String>::new());
    }

    #[test]
    fn a_schema_names_the_fields_and_says_when_it_does_not_know_the_method() {
        let proto = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/grpc/shop.proto"
        );
        let schema = Schema::load(std::path::Path::new(proto)).expect("compiles");
        let body = frame(0, b"\x0a\x03pen\x10\x07");
        let request = Call {
            direction: Direction::ClientToServer,
            ..call(&[], Some(&schema))
        };
        let shown = render(&body, &request).expect("renders");
        assert_eq!(
            shown.text,
            "[message 1] 7 bytes, demo.shop.Query\nname: \"pen\"\nlimit: 7\n\n"
        );
        let as_item = render(&body, &call(&[], Some(&schema))).expect("renders");
        assert!(
            as_item
                .text
                .starts_with("[message 1] 7 bytes: not a demo.shop.Item: ")
                && as_item
                    .text
                    .ends_with(": decoded without the schema\n1: \"pen\"\n2: 7\n\n"),
            "{}",
            as_item.text
        );
        let other = Call {
            path: "/demo.shop.Shop/List",
            ..request
        };
        let shown = render(&body, &other).expect("renders");
        assert!(shown.text.contains("\n1: \"pen\"\n"), "{}", shown.text);
        assert_eq!(
            shown.notes,
            ["the schema has no method demo.shop.Shop/List: decoded without the schema"]
        );
    }

    #[test]
    fn grpc_web_trailers_give_the_status_and_a_cut_body_is_noted() {
        let body = [
            frame(0, b""),
            frame(0x80, b"grpc-status: 0\r\n"),
            vec![0, 0],
        ]
        .concat();
        let web = Call {
            protocol: Protocol::GrpcWeb,
            ..call(&[], None)
        };
        let shown = render(&body, &web).expect("renders");
        assert_eq!(
            shown.text,
            "[message 1] 0 bytes\n(empty)\n\ngrpc-status: 0 OK\n"
        );
        assert_eq!(
            shown.notes,
            ["body ends inside a message at byte 26: 3 more bytes expected"]
        );
        let none = render(b"", &call(&status("99", ""), None)).expect("renders");
        assert_eq!(
            none.text,
            "(no messages)\ngrpc-status: 99 not a defined code\n"
        );
    }

    #[test]
    fn hostile_nesting_is_bounded_by_the_budget() {
        // 25 bytes a message that print as about 250 bytes of indented text.
        let mut nested = b"\x08\x01".to_vec();
        for _ in 0..9 {
            let len = u8::try_from(nested.len()).expect("small");
            nested = [&[0x0a, len][..], &nested].concat();
        }
        let body: Vec<u8> = (0..10_000).flat_map(|_| frame(0, &nested)).collect();
        let shown = render(&body, &call(&[], None));
        assert!(
            matches!(&shown, Err(PrettyError::OverBudget(r)) if r.contains("8 times")),
            "{shown:?}"
        );
    }

    #[test]
    fn compressed_messages_inflate_within_the_budget_of_the_body() {
        use std::io::Write;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&vec![0; 1 << 20]).expect("in memory");
        let bomb = frame(1, &gzip.finish().expect("in memory"));
        let body = bomb.repeat(64);
        let gzipped = Call {
            encoding: Some("gzip"),
            ..call(&[], None)
        };
        let shown = render(&body, &gzipped).expect("renders");
        let budget = output_budget(body.len());
        let first = format!("message decompresses to over {budget} bytes: not decoded");
        let spent = "message decompresses to over 0 bytes: not decoded";
        let (full, none) = (
            shown.text.matches(&first).count(),
            shown.text.matches(spent).count(),
        );
        // Only the messages of the first 4 KiB piece inflate as far as the budget.
        assert_eq!((full, full + none), (3, 64), "{}", shown.text);
    }
}
