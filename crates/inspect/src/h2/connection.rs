//! The connection follower: each direction read frame by frame as its bytes arrive, header
//! blocks decoded in order, what they say put on their streams.

use super::frame::{
    self, END_HEADERS, END_STREAM, FrameHeader, HEADER_LEN, INITIAL_MAX_FRAME, Kind, MAX_FRAME_CAP,
};
use super::hpack::Decoder;
use super::stream::{GoAway, Head, Reset, Stream};
use super::{BLOCK_CAP, DEBUG_KEEP, H2Error, HEADS_BASE, HEADS_PER_BYTE, LIST_CAP};
use crate::Direction;
use std::collections::HashMap;

/// What an HTTP/2 client sends first (RFC 9113 section 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What a direction's reader expects next.
#[derive(Debug, Clone)]
enum Phase {
    /// The client's preface, this many bytes of it matched.
    Preface(usize),
    /// A frame header, `have` bytes of it so far; `at` is when its first byte came.
    Header {
        bytes: [u8; HEADER_LEN],
        have: usize,
        at: u64,
    },
    /// A frame's payload.
    Payload(Frame),
}

impl Phase {
    fn header() -> Self {
        Phase::Header {
            bytes: [0; HEADER_LEN],
            have: 0,
            at: 0,
        }
    }
}

/// The frame whose payload is being read.
#[derive(Debug, Clone)]
struct Frame {
    header: FrameHeader,
    /// Stream offset of its header's first byte.
    offset: u64,
    /// Payload bytes read so far.
    done: u32,
    /// Fixed fields before the payload proper (pad length, priority, promised stream).
    prefix: [u8; 9],
    /// Padding at the end, once the pad length is read.
    pad: u32,
    /// Control frames' payload, as much of it as they need.
    kept: Vec<u8>,
}

impl Frame {
    /// Stream offset of payload byte `done`.
    fn at(&self) -> u64 {
        self.offset + HEADER_LEN as u64 + u64::from(self.done)
    }
}

/// A header block being gathered from HEADERS or PUSH_PROMISE and CONTINUATION frames.
#[derive(Debug, Clone)]
struct Block {
    stream: u32,
    /// PUSH_PROMISE: the stream it promises.
    promised: Option<u32>,
    /// The HEADERS frame had END_STREAM.
    end_stream: bool,
    bytes: Vec<u8>,
}

/// One direction.
#[derive(Debug, Clone)]
struct Reader {
    /// Stream offset of the next byte it needs (bytes before it were read or are not HTTP/2).
    next: u64,
    phase: Phase,
    block: Option<Block>,
    /// The largest frame the other side allowed this one to send.
    max_frame: u32,
    /// Decodes the header blocks this direction sends.
    decoder: Decoder,
    /// Frames seen, by [`Kind::index`].
    counts: [u64; 11],
}

impl Reader {
    fn new(from: u64, phase: Phase) -> Self {
        Self {
            next: from,
            phase,
            block: None,
            max_frame: INITIAL_MAX_FRAME,
            decoder: Decoder::new(),
            counts: [0; 11],
        }
    }
}

/// Follows one HTTP/2 connection; see the module docs.
#[derive(Debug, Clone)]
pub struct Connection {
    readers: [Reader; 2],
    streams: Vec<Stream>,
    /// Stream id to index in `streams`, counting forgotten streams (see `forgotten`).
    index: HashMap<u32, usize>,
    /// Streams dropped from the front of `streams` by [`Connection::forget`].
    forgotten: usize,
    /// The highest forgotten stream id of each parity (client-opened odd, pushed even):
    /// frames still addressed to one (a late RST_STREAM) open nothing.
    forgotten_ids: [u32; 2],
    go_aways: Vec<GoAway>,
    /// Why it stopped, once it has.
    error: Option<H2Error>,
    /// Bytes fed, both directions.
    fed: u64,
    /// Bytes of every header list decoded so far (names and values).
    decoded: u64,
    /// Lowest index in `streams` changed since [`Connection::take_changed`].
    changed_from: Option<usize>,
}

impl Connection {
    /// A connection that is HTTP/2 from its first byte on (prior knowledge, or h2 chosen by
    /// ALPN): the client starts with the preface, the server with its SETTINGS.
    pub fn prior_knowledge() -> Self {
        Self::starting_at(0, 0)
    }

    /// Like [`Connection::prior_knowledge`], for a connection that becomes HTTP/2 at these
    /// stream offsets (a decrypted tunnel after its `CONNECT`).
    pub fn starting_at(client_from: u64, server_from: u64) -> Self {
        Self {
            readers: [
                Reader::new(client_from, Phase::Preface(0)),
                Reader::new(server_from, Phase::header()),
            ],
            streams: Vec::new(),
            index: HashMap::new(),
            forgotten: 0,
            forgotten_ids: [0; 2],
            go_aways: Vec::new(),
            error: None,
            fed: 0,
            decoded: 0,
            changed_from: None,
        }
    }

    /// A connection that switched to HTTP/2 after an HTTP/1.1 `Upgrade: h2c` request and the
    /// server's `101`: HTTP/2 starts at `client_from` (the preface) and `server_from` (just
    /// after the `101` head). The upgrade request is stream 1's request: its bytes stay the
    /// HTTP/1.1 exchange's, so stream 1 starts with its request complete and `upgraded` set,
    /// and only its response comes in frames. `settings` is the request's `HTTP2-Settings`
    /// payload (base64url-decoded), which counts as the client's first SETTINGS.
    pub fn upgraded(client_from: u64, server_from: u64, settings: &[u8]) -> Self {
        let mut connection = Self::starting_at(client_from, server_from);
        let mut stream = Stream::new(1);
        stream.upgraded = true;
        stream.request.end_stream = true;
        connection.open(stream);
        for entry in settings.chunks_exact(6) {
            connection.setting(Direction::ClientToServer.index(), entry);
        }
        connection
    }

    /// Streams in the order they were first seen, less those forgotten.
    pub fn streams(&self) -> &[Stream] {
        &self.streams
    }

    /// The stream with this id, unless forgotten.
    pub fn stream(&self, id: u32) -> Option<&Stream> {
        self.index
            .get(&id)
            .map(|&i| &self.streams[i - self.forgotten])
    }

    /// Drops the first `n` streams of [`Connection::streams`], which whoever follows the
    /// connection has taken what it needs from: a long-lived connection's memory is its open
    /// streams, not every stream it ever carried. Frames that still come for them are read
    /// past.
    pub fn forget(&mut self, n: usize) {
        let n = n.min(self.streams.len());
        for stream in self.streams.drain(..n) {
            self.index.remove(&stream.id);
            let parity = (stream.id % 2) as usize;
            self.forgotten_ids[parity] = self.forgotten_ids[parity].max(stream.id);
        }
        self.forgotten += n;
        self.changed_from = self.changed_from.and_then(|c| c.checked_sub(n));
    }

    /// GOAWAY frames, in the order seen.
    pub fn go_aways(&self) -> &[GoAway] {
        &self.go_aways
    }

    /// Why the follower stopped, if it has: nothing after that was decoded.
    pub fn error(&self) -> Option<&H2Error> {
        self.error.as_ref()
    }

    /// Frames `dir` sent, by type (indexed by [`Kind::index`]: DATA is 0, CONTINUATION 9,
    /// unknown types 10).
    pub fn frame_counts(&self, dir: Direction) -> &[u64; 11] {
        &self.readers[dir.index()].counts
    }

    /// Whether `dir` stopped inside a frame or a header block (a cut connection).
    pub fn in_frame(&self, dir: Direction) -> bool {
        let reader = &self.readers[dir.index()];
        reader.block.is_some()
            || match &reader.phase {
                Phase::Preface(matched) => *matched > 0,
                Phase::Header { have, .. } => *have > 0,
                Phase::Payload(_) => true,
            }
    }

    /// The lowest index in [`Connection::streams`] changed since the last call, if any.
    pub fn take_changed(&mut self) -> Option<usize> {
        self.changed_from.take()
    }

    /// Feeds `data`, the bytes of `dir` from stream offset `offset` on, captured at `at` (µs
    /// since the Unix epoch). Bytes before where HTTP/2 starts, or fed before, are skipped; a
    /// hole is an error. After the first error, every call returns it again.
    pub fn feed(
        &mut self,
        dir: Direction,
        data: &[u8],
        offset: u64,
        at: u64,
    ) -> Result<(), H2Error> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let expected = self.readers[dir.index()].next;
        if offset > expected {
            let got = offset;
            return Err(self.stop(H2Error::Gap {
                by: dir,
                expected,
                got,
            }));
        }
        let skip = usize::try_from(expected - offset).map_or(data.len(), |s| s.min(data.len()));
        match self.consume(dir, &data[skip..], at) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.stop(error)),
        }
    }

    fn stop(&mut self, error: H2Error) -> H2Error {
        self.error = Some(error.clone());
        error
    }

    fn consume(&mut self, dir: Direction, mut data: &[u8], at: u64) -> Result<(), H2Error> {
        self.fed += data.len() as u64;
        let side = dir.index();
        while !data.is_empty() {
            let phase = std::mem::replace(&mut self.readers[side].phase, Phase::header());
            let used = match phase {
                Phase::Preface(matched) => self.preface(side, matched, data)?,
                Phase::Header {
                    bytes,
                    have,
                    at: started,
                } => {
                    let started = if have == 0 { at } else { started };
                    self.header(dir, bytes, have, started, data)?
                }
                Phase::Payload(frame) => self.payload(dir, frame, data, at)?,
            };
            self.readers[side].next += used as u64;
            data = &data[used..];
        }
        Ok(())
    }

    /// Matches the client's preface; how many bytes it took.
    fn preface(&mut self, side: usize, matched: usize, data: &[u8]) -> Result<usize, H2Error> {
        let n = data.len().min(PREFACE.len() - matched);
        if data[..n] != PREFACE[matched..matched + n] {
            return Err(H2Error::Preface);
        }
        let matched = matched + n;
        self.readers[side].phase = if matched == PREFACE.len() {
            Phase::header()
        } else {
            Phase::Preface(matched)
        };
        Ok(n)
    }

    /// Gathers a frame header; once whole, starts its frame.
    fn header(
        &mut self,
        dir: Direction,
        mut bytes: [u8; HEADER_LEN],
        have: usize,
        at: u64,
        data: &[u8],
    ) -> Result<usize, H2Error> {
        let n = data.len().min(HEADER_LEN - have);
        bytes[have..have + n].copy_from_slice(&data[..n]);
        if have + n < HEADER_LEN {
            let have = have + n;
            self.readers[dir.index()].phase = Phase::Header { bytes, have, at };
            return Ok(n);
        }
        let header = FrameHeader::parse(&bytes);
        // `next` is the offset of `data[0]`, `have` bytes into the header.
        let offset = self.readers[dir.index()].next - have as u64;
        self.check(dir, &header)?;
        self.readers[dir.index()].counts[header.kind.index()] += 1;
        let frame = Frame {
            header,
            offset,
            done: 0,
            prefix: [0; 9],
            pad: 0,
            kept: Vec::new(),
        };
        self.reach(dir, &frame, at);
        if header.prefix_len() == 0 {
            self.prefix_done(dir, &frame)?;
        }
        if header.len == 0 {
            self.frame_done(dir, frame)?;
        } else {
            self.readers[dir.index()].phase = Phase::Payload(frame);
        }
        Ok(n)
    }

    /// Refuses a frame header RFC 9113 forbids, or one over a bound.
    fn check(&self, dir: Direction, h: &FrameHeader) -> Result<(), H2Error> {
        let reader = &self.readers[dir.index()];
        if h.len > reader.max_frame {
            let (len, max) = (h.len, reader.max_frame);
            return Err(H2Error::FrameSize { by: dir, len, max });
        }
        let continues = matches!(&reader.block, Some(b) if b.stream == h.stream);
        let what = match h.kind {
            Kind::Continuation if !continues => "CONTINUATION without a header block before it",
            _ if reader.block.is_some() && h.kind != Kind::Continuation => {
                "a frame inside a header block"
            }
            Kind::Data | Kind::Headers | Kind::Priority | Kind::RstStream | Kind::PushPromise
                if h.stream == 0 =>
            {
                "a stream's frame on stream 0"
            }
            Kind::Settings | Kind::Ping | Kind::GoAway if h.stream != 0 => {
                "a connection frame on a stream"
            }
            Kind::PushPromise if dir == Direction::ClientToServer => "PUSH_PROMISE from a client",
            _ if h.len < h.prefix_len() => "a frame shorter than its fixed fields",
            Kind::Priority if h.len != 5 => "PRIORITY not 5 bytes long",
            Kind::RstStream | Kind::WindowUpdate if h.len != 4 => "a frame not 4 bytes long",
            Kind::Ping if h.len != 8 => "PING not 8 bytes long",
            Kind::GoAway if h.len < 8 => "GOAWAY shorter than 8 bytes",
            Kind::Settings if h.len % 6 != 0 || (h.has(frame::ACK) && h.len != 0) => {
                "SETTINGS of a bad length"
            }
            _ => return Ok(()),
        };
        Err(H2Error::Protocol { by: dir, what })
    }

    /// Reads what it can of a frame's payload; how many bytes it took.
    fn payload(
        &mut self,
        dir: Direction,
        mut frame: Frame,
        data: &[u8],
        at: u64,
    ) -> Result<usize, H2Error> {
        let n = data.len().min((frame.header.len - frame.done) as usize);
        let prefix_len = frame.header.prefix_len();
        let mut pos = 0;
        while pos < n {
            let left = (n - pos) as u32;
            let take = if frame.done < prefix_len {
                let take = left.min(prefix_len - frame.done);
                let (from, to) = (frame.done as usize, (frame.done + take) as usize);
                frame.prefix[from..to].copy_from_slice(&data[pos..pos + take as usize]);
                if frame.done + take == prefix_len {
                    frame.done += take;
                    self.prefix_done(dir, &frame)?;
                    frame.pad = pad_len(&frame);
                    pos += take as usize;
                    continue;
                }
                take
            } else if frame.done < frame.header.len - frame.pad {
                let take = left.min(frame.header.len - frame.pad - frame.done);
                self.body(dir, &mut frame, &data[pos..pos + take as usize])?;
                take
            } else {
                left
            };
            frame.done += take;
            pos += take as usize;
        }
        self.reach(dir, &frame, at);
        if frame.done == frame.header.len {
            self.frame_done(dir, frame)?;
        } else {
            self.readers[dir.index()].phase = Phase::Payload(frame);
        }
        Ok(n)
    }

    /// The fixed fields are read: checks the padding fits, and opens a header block.
    fn prefix_done(&mut self, dir: Direction, frame: &Frame) -> Result<(), H2Error> {
        let h = &frame.header;
        if pad_len(frame) > h.len - h.prefix_len() {
            let what = "padding longer than the frame";
            return Err(H2Error::Protocol { by: dir, what });
        }
        let promised = match h.kind {
            Kind::Headers => None,
            Kind::PushPromise => {
                let [.., a, b, c, d] = frame.prefix[..h.prefix_len() as usize] else {
                    return Ok(());
                };
                Some(u32::from_be_bytes([a & 0x7f, b, c, d]))
            }
            _ => return Ok(()),
        };
        self.readers[dir.index()].block = Some(Block {
            stream: h.stream,
            promised,
            end_stream: h.kind == Kind::Headers && h.has(END_STREAM),
            bytes: Vec::new(),
        });
        Ok(())
    }

    /// Takes payload bytes past the fixed fields and before the padding.
    fn body(&mut self, dir: Direction, frame: &mut Frame, bytes: &[u8]) -> Result<(), H2Error> {
        let h = frame.header;
        match h.kind {
            Kind::Data => {
                let Some(stream) = self.open_index(h.stream) else {
                    return Ok(());
                };
                let message = self.streams[stream].message_mut(dir);
                message.add_body(frame.at(), bytes.len() as u64);
                self.touch(stream);
            }
            Kind::Headers | Kind::PushPromise | Kind::Continuation => {
                let reader = &mut self.readers[dir.index()];
                let Some(block) = &mut reader.block else {
                    return Ok(());
                };
                if block.bytes.len() + bytes.len() > BLOCK_CAP {
                    return Err(H2Error::HeaderBlock { by: dir });
                }
                block.bytes.extend_from_slice(bytes);
            }
            Kind::Settings => {
                frame.kept.extend_from_slice(bytes);
                let whole = frame.kept.len() / 6 * 6;
                for entry in frame.kept[..whole].chunks_exact(6) {
                    self.setting(dir.index(), entry);
                }
                frame.kept.drain(..whole);
            }
            Kind::Unknown(_) => {}
            _ => {
                let room = (8 + DEBUG_KEEP).saturating_sub(frame.kept.len());
                frame
                    .kept
                    .extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
        }
        Ok(())
    }

    /// A whole frame has been read.
    fn frame_done(&mut self, dir: Direction, frame: Frame) -> Result<(), H2Error> {
        let h = frame.header;
        match h.kind {
            Kind::Data if h.has(END_STREAM) => {
                if let Some(stream) = self.open_index(h.stream) {
                    self.streams[stream].message_mut(dir).end_stream = true;
                    self.touch(stream);
                }
            }
            Kind::Headers | Kind::PushPromise | Kind::Continuation if h.has(END_HEADERS) => {
                self.block_done(dir)?;
            }
            Kind::RstStream => {
                let code = be32(&frame.kept[..4]);
                if let Some(stream) = self.open_index(h.stream) {
                    self.streams[stream].reset = Some(Reset { by: dir, code });
                    self.touch(stream);
                }
            }
            Kind::GoAway => self.go_aways.push(GoAway {
                by: dir,
                last_stream: be32(&frame.kept[..4]) & 0x7fff_ffff,
                code: be32(&frame.kept[4..8]),
                debug: String::from_utf8_lossy(&frame.kept[8..]).into_owned(),
            }),
            _ => {}
        }
        Ok(())
    }

    /// A header block is whole: decodes it (always, so the table stays right) and puts it on
    /// its stream.
    fn block_done(&mut self, dir: Direction) -> Result<(), H2Error> {
        let reader = &mut self.readers[dir.index()];
        let Some(block) = reader.block.take() else {
            return Ok(());
        };
        let mut list = Vec::new();
        reader
            .decoder
            .decode(&block.bytes, LIST_CAP, &mut list)
            .map_err(|why| H2Error::Hpack { by: dir, why })?;
        let size: usize = list.iter().map(|f| f.name.len() + f.value.len()).sum();
        self.decoded += size as u64;
        if self.decoded > HEADS_BASE + HEADS_PER_BYTE * self.fed {
            return Err(H2Error::Amplification { by: dir });
        }
        if let Some(promised) = block.promised {
            let Some(stream) = self.open_index(promised) else {
                return Ok(());
            };
            let pushed = &mut self.streams[stream];
            pushed.pushed_by = Some(block.stream);
            pushed.request.head = Some(Head::from_fields(list));
            pushed.request.end_stream = true;
            self.touch(stream);
            return Ok(());
        }
        let Some(stream) = self.open_index(block.stream) else {
            return Ok(());
        };
        let message = self.streams[stream].message_mut(dir);
        if message.head.is_some() {
            message.trailers = Some(list);
        } else {
            let head = Head::from_fields(list);
            let interim = dir == Direction::ServerToClient
                && head.status.is_some_and(|s| (100..200).contains(&s));
            if interim {
                message.interim.push(head);
            } else {
                message.head = Some(head);
            }
        }
        message.end_stream |= block.end_stream;
        self.touch(stream);
        Ok(())
    }

    /// One SETTINGS entry sent by `side`: it bounds what the other side may send. The largest
    /// value ever sent counts, since an observer cannot tell when the peer acted on it.
    fn setting(&mut self, side: usize, entry: &[u8]) {
        let id = u16::from_be_bytes([entry[0], entry[1]]);
        let value = be32(&entry[2..6]);
        let peer = &mut self.readers[1 - side];
        match id {
            frame::SETTINGS_HEADER_TABLE_SIZE => peer.decoder.allow(value),
            frame::SETTINGS_MAX_FRAME_SIZE => {
                peer.max_frame = peer.max_frame.max(value.min(MAX_FRAME_CAP));
            }
            _ => {}
        }
    }

    /// Extends the extent of the message a HEADERS, CONTINUATION or DATA frame belongs to.
    fn reach(&mut self, dir: Direction, frame: &Frame, at: u64) {
        let h = &frame.header;
        let header_block = || {
            let block = self.readers[dir.index()].block.as_ref();
            block.is_some_and(|b| b.promised.is_none())
        };
        let carries = match h.kind {
            Kind::Data | Kind::Headers => true,
            Kind::Continuation => header_block(),
            _ => false,
        };
        if let Some(stream) = carries.then(|| self.open_index(h.stream)).flatten() {
            self.streams[stream]
                .message_mut(dir)
                .reach(frame.offset, frame.at(), at);
            self.touch(stream);
        }
    }

    /// The index in `streams` of stream `id`, opening it when first seen; `None` for a
    /// forgotten one.
    fn open_index(&mut self, id: u32) -> Option<usize> {
        match self.index.get(&id) {
            Some(&i) => Some(i - self.forgotten),
            None if id <= self.forgotten_ids[(id % 2) as usize] => None,
            None => Some(self.open(Stream::new(id))),
        }
    }

    fn open(&mut self, stream: Stream) -> usize {
        let i = self.streams.len();
        self.index.insert(stream.id, i + self.forgotten);
        self.streams.push(stream);
        i
    }

    fn touch(&mut self, index: usize) {
        self.changed_from = Some(self.changed_from.map_or(index, |c| c.min(index)));
    }
}

/// The padding a frame's pad length field announces (0 when it has none).
fn pad_len(frame: &Frame) -> u32 {
    if frame.header.padded() {
        u32::from(frame.prefix[0])
    } else {
        0
    }
}

fn be32(bytes: &[u8]) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_be_bytes(word)
}

#[cfg(test)]
mod tests;
