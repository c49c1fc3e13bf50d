use super::*;
use flate2::{Compress, Compression, FlushCompress};

const TO_SERVER: Direction = Direction::ClientToServer;
const TO_CLIENT: Direction = Direction::ServerToClient;

/// A frame as a peer writes it: masked toward the server.
fn frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = frame::head(Opcode::Binary, payload.len(), mask);
    out[0] = u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode;
    let mut body = payload.to_vec();
    if let Some(key) = mask {
        unmask(&mut body, key, 0);
    }
    out.extend(body);
    out
}

/// Every message `bytes` makes, fed in pieces of `step` bytes.
fn read(dir: Direction, bytes: &[u8], deflate: Option<Deflate>, step: usize) -> Vec<Message> {
    let mut reader = Reader::new(dir, 0, deflate, true);
    let mut out = Vec::new();
    for piece in bytes.chunks(step) {
        reader.feed(piece, 7, &mut out).unwrap();
    }
    out
}

fn datas(messages: &[Message]) -> Vec<(Opcode, Vec<u8>)> {
    messages
        .iter()
        .map(|m| (m.opcode, m.data.clone().unwrap()))
        .collect()
}

#[test]
fn fragments_make_one_message_and_control_frames_between_them_their_own() {
    let key = Some([9, 8, 7, 6]);
    let mut stream = frame(false, false, 1, b"Hel", key);
    stream.extend(frame(true, false, 9, b"ping?", key));
    stream.extend(frame(false, false, 0, b"lo, ", key));
    stream.extend(frame(true, false, 0, b"world", key));
    stream.extend(frame(true, false, 2, &[0, 1, 2], key));
    stream.extend(frame(true, false, 8, b"\x03\xe8bye", key));
    let whole = read(TO_SERVER, &stream, None, stream.len());
    assert_eq!(
        datas(&whole),
        [
            (Opcode::Ping, b"ping?".to_vec()),
            (Opcode::Text, b"Hello, world".to_vec()),
            (Opcode::Binary, vec![0, 1, 2]),
            (Opcode::Close, b"\x03\xe8bye".to_vec()),
        ]
    );
    assert_eq!(whole[1].frames, 3, "the ping is not one of its frames");
    assert_eq!((whole[1].start, whole[3].end), (0, stream.len() as u64));
    assert_eq!(
        whole[3].close,
        Some(Close {
            code: Some(1000),
            reason: "bye".into()
        })
    );
    for step in 1..stream.len() {
        assert_eq!(
            read(TO_SERVER, &stream, None, step),
            whole,
            "pieces of {step}"
        );
    }
}

#[test]
fn compressed_messages_inflate_across_the_context_and_at_every_split() {
    let deflate = Deflate::negotiated("permessage-deflate").unwrap();
    let mut compress = Compress::new(Compression::default(), false);
    let mut stream = Vec::new();
    let texts: [&[u8]; 3] = [
        b"{\"price\": 101.5}",
        b"{\"price\": 101.5}",
        b"{\"price\": 99}",
    ];
    for text in texts {
        let mut out = Vec::with_capacity(100);
        compress
            .compress_vec(text, &mut out, FlushCompress::Sync)
            .unwrap();
        out.truncate(out.len() - 4);
        // The second message in two fragments: RSV1 on the first only.
        if text == texts[1] {
            let (a, b) = out.split_at(3);
            stream.extend(frame(false, true, 1, a, None));
            stream.extend(frame(true, false, 0, b, None));
        } else {
            stream.extend(frame(true, true, 1, &out, None));
        }
    }
    stream.extend(frame(true, false, 1, b"plain", None));
    let whole = read(TO_CLIENT, &stream, Some(deflate), stream.len());
    let expected: Vec<_> = texts
        .iter()
        .map(|t| (Opcode::Text, t.to_vec()))
        .chain([(Opcode::Text, b"plain".to_vec())])
        .collect();
    assert_eq!(datas(&whole), expected);
    assert!(whole[0].compressed && !whole[3].compressed);
    assert!(whole.iter().all(|m| m.problem.is_none()));
    for step in [1, 2, 3, 5, 7] {
        assert_eq!(read(TO_CLIENT, &stream, Some(deflate), step), whole);
    }
}

#[test]
fn a_counting_reader_keeps_nothing_but_close_frames() {
    let mut stream = frame(true, false, 2, &[7; 1000], None);
    stream.extend(frame(true, false, 8, b"\x03\xe9", None));
    let mut reader = Reader::new(TO_CLIENT, 100, None, false);
    let mut out = Vec::new();
    reader.feed(&stream, 5, &mut out).unwrap();
    assert_eq!(out[0].data, None);
    assert!(reader.between_messages());
    reader
        .feed(&frame(false, false, 1, b"a", None), 6, &mut out)
        .unwrap();
    assert!(!reader.between_messages(), "inside a fragmented message");
    assert_eq!((out[0].start, out[0].size), (100, 1000));
    let mut summary = Summary::default();
    out.iter().for_each(|m| summary.add(m));
    assert_eq!(
        summary.to_client,
        Count {
            messages: 2,
            bytes: 1002
        }
    );
    assert_eq!(summary.close.unwrap().1.code, Some(1001));
}

#[test]
fn what_no_peer_sends_is_an_error() {
    let mut out = Vec::new();
    let orphan = frame(true, false, 0, b"x", None);
    assert_eq!(
        Reader::new(TO_CLIENT, 0, None, true).feed(&orphan, 0, &mut out),
        Err(FrameError::Orphan)
    );
    let mut twice = frame(false, false, 1, b"a", None);
    twice.extend(frame(true, false, 1, b"b", None));
    assert_eq!(
        Reader::new(TO_CLIENT, 0, None, true).feed(&twice, 0, &mut out),
        Err(FrameError::Interleaved)
    );
}
