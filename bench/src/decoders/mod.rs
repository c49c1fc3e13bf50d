//! `tcpmon-bench decoders`: how fast each protocol decoder of `tcpmon-inspect` reads, in MB/s of
//! its input (10^6 bytes), one line each. Streams are fed in [`PIECE`]-byte pieces, as reads of
//! a socket or a capture come; a gRPC message's protobuf is decoded whole, as the views do.
//! Every run checks that the decoder found everything its input holds.
//!
//! - h2: `h2::Connection` over a connection of GETs (see [`h2`]), small and large bodies.
//! - ws: `ws::Reader` over masked client frames, counting (the tracker) and keeping payloads
//!   (`--ws`, exports, the window).
//! - sse: `sse::Parser` over an event stream, counting and keeping events.
//! - grpc: `grpc::Splitter` over a body of ~900-byte messages, plain and gzip'ed.
//! - protobuf: `protobuf::raw::decode` (fields, guessed as protoc guesses) and
//!   `protobuf::decode_raw` (protoc's text) of those messages.

mod h2;
mod messages;

use anyhow::{Result, ensure};
use std::time::Instant;
use tcpmon_inspect::grpc::{Encoding, Item, Protocol, Splitter};
use tcpmon_inspect::protobuf::{decode_raw, raw};
use tcpmon_inspect::sse::Parser;

/// Pieces streams are fed in.
pub const PIECE: usize = 64 << 10;

/// Seconds `work` takes.
pub fn timed(work: impl FnOnce() -> Result<()>) -> Result<f64> {
    let start = Instant::now();
    work()?;
    Ok(start.elapsed().as_secs_f64())
}

/// One decoder's line: `input` bytes read in `secs`.
fn line(what: &str, input: usize, secs: f64) {
    println!(
        "decoders {what:<46} {:>6.1} MB {:>7.0} MB/s",
        input as f64 / 1e6,
        input as f64 / secs / 1e6
    );
}

/// Times every decoder over about `mb` MiB of input each.
pub fn run(mb: usize) -> Result<()> {
    let bytes = mb << 20;
    for body in [1 << 10, 64 << 10] {
        let streams = (bytes / (body + 80)).max(1);
        let (client, server) = h2::conversation(streams, body);
        let input = client.len() + server.len();
        let mut connection = None;
        let secs = timed(|| {
            connection = Some(h2::follow(&client, &server, PIECE)?);
            Ok(())
        })?;
        h2::check(&connection.expect("followed"), streams, body)?;
        let what = format!("h2, {} KiB responses, {streams} streams", body >> 10);
        line(&what, input, secs);
    }
    for (size, keep) in [(32, false), (32, true), (64 << 10, true)] {
        let (stream, count) = crate::ws::client_stream(size, bytes);
        let secs = crate::ws::read_secs(&stream, count, keep)?;
        let what = if keep { "keeping payloads" } else { "counting" };
        let size = if size < 1024 {
            format!("{size}-byte")
        } else {
            format!("{} KiB", size >> 10)
        };
        line(&format!("ws, {size} messages, {what}"), stream.len(), secs);
    }
    sse(bytes)?;
    protobuf(bytes)
}

/// An event stream: typed events with ids, JSON data over two lines, a comment now and then.
fn sse(bytes: usize) -> Result<()> {
    let mut stream = Vec::new();
    let mut events = 0;
    while stream.len() < bytes {
        if events % 10 == 0 {
            stream.extend_from_slice(b": keep-alive\n\n");
        }
        let event = format!(
            "event: price\nid: {events}\ndata: {{\"symbol\":\"TCPM\",\"seq\":{events},\ndata: \"bid\":{}.{:02},\"ask\":{}.25}}\n\n",
            100 + events % 7,
            events % 100,
            101 + events % 7
        );
        stream.extend_from_slice(event.as_bytes());
        events += 1;
    }
    for keep in [false, true] {
        let mut parser = Parser::new(keep);
        let mut out = Vec::new();
        let secs = timed(|| {
            for piece in stream.chunks(PIECE) {
                parser.feed(piece, 0, &mut out);
            }
            Ok(())
        })?;
        ensure!(out.len() == events, "events lost");
        let what = if keep { "keeping events" } else { "counting" };
        line(&format!("sse, {events} events, {what}"), stream.len(), secs);
    }
    Ok(())
}

/// gRPC bodies of order messages, then the messages' protobuf.
fn protobuf(bytes: usize) -> Result<()> {
    let one = messages::order(0).len();
    let orders: Vec<Vec<u8>> = (0..(bytes / one).max(1) as u64)
        .map(messages::order)
        .collect();
    for (gzip, encoding) in [(false, Encoding::Identity), (true, Encoding::Gzip)] {
        let body = messages::grpc_body(&orders, gzip);
        let mut splitter = Splitter::new(Protocol::Grpc, encoding);
        let mut got = 0;
        let secs = timed(|| {
            for piece in body.chunks(PIECE) {
                for item in splitter.feed(piece) {
                    ensure!(
                        matches!(item, Item::Message(m) if m.data.is_ok()),
                        "a message lost"
                    );
                    got += 1;
                }
            }
            Ok(splitter.finish()?)
        })?;
        ensure!(got == orders.len(), "messages lost");
        let what = if gzip { "gzip'ed" } else { "plain" };
        let what = format!("grpc, {got} ~{one}-byte messages, {what}");
        line(&what, body.len(), secs);
    }
    let input = orders.iter().map(Vec::len).sum();
    let secs = timed(|| {
        for order in &orders {
            ensure!(
                raw::decode(order)?.len() == messages::ORDER_FIELDS,
                "fields lost"
            );
        }
        Ok(())
    })?;
    line("protobuf, raw fields (guessed as protoc does)", input, secs);
    let secs = timed(|| {
        for order in &orders {
            ensure!(!decode_raw(order)?.is_empty(), "no text");
        }
        Ok(())
    })?;
    line("protobuf, protoc --decode_raw text", input, secs);
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `tcpmon-bench decoders` as a user runs it, on 1 MiB per decoder: every decoder finds
    /// everything its input holds (each run checks that itself).
    #[test]
    fn every_decoder_runs() {
        super::run(1).expect("decoders");
    }
}
