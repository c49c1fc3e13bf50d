//! WebSocket (RFC 6455, RFC 7692): after a `101 Switching Protocols` to `websocket`, each
//! direction is a stream of frames that make messages. [`Reader`] follows one direction at any
//! byte boundary, as the exchange tracker does (counting messages, keeping nothing but close
//! frames) and as the CLI, HAR export and the window do (keeping each message's payload,
//! unmasked and inflated).

pub mod deflate;
pub mod frame;

use crate::direction::Direction;
pub use deflate::Deflate;
use deflate::Inflater;
pub use frame::{FrameError, FrameHead, Opcode, parse_head, unmask};
use serde::{Deserialize, Serialize};

/// The most payload kept of one message (a larger one is cut, and says so).
pub const MOST_KEPT: usize = deflate::MOST_INFLATED;

/// One message, as its frames delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who sent it.
    pub dir: Direction,
    /// Text, binary, or a control message.
    pub opcode: Opcode,
    /// Stream offset of its first frame's header.
    pub start: u64,
    /// Stream offset after its last frame.
    pub end: u64,
    /// When its last byte was captured (µs since the Unix epoch).
    pub at: u64,
    /// Payload bytes on the wire (compressed, when it is).
    pub size: u64,
    /// How many frames carried it.
    pub frames: u32,
    /// Sent compressed (permessage-deflate).
    pub compressed: bool,
    /// Its payload, unmasked and inflated, when the reader keeps payloads.
    pub data: Option<Vec<u8>>,
    /// Why `data` is not the whole payload (cut at [`MOST_KEPT`], or not inflatable).
    pub problem: Option<String>,
    /// A close message's code and reason.
    pub close: Option<Close>,
    /// TCPMon sent it (the user typed it), not the peer: the capture holds what each side
    /// received. Readers never set it; whoever knows the injected ranges does.
    pub injected: bool,
}

/// The first `most` bytes of `data` as hex pairs (`01 02 ff`), and whether more follow: the
/// preview of a binary message, in the CLI's lines and the window's rows.
pub fn hex_start(data: &[u8], most: usize) -> (String, bool) {
    let pairs: Vec<String> = data.iter().take(most).map(|b| format!("{b:02x}")).collect();
    (pairs.join(" "), data.len() > most)
}

/// What a close frame says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "WebSocketClose"))]
pub struct Close {
    /// The status code (1000 normal, 1001 going away, ...); none in an empty close frame.
    pub code: Option<u16>,
    /// The reason, as UTF-8 (lossy).
    pub reason: String,
}

impl Close {
    fn of(payload: &[u8]) -> Close {
        match payload {
            [a, b, reason @ ..] => Close {
                code: Some(u16::from_be_bytes([*a, *b])),
                reason: String::from_utf8_lossy(reason).into_owned(),
            },
            _ => Close {
                code: None,
                reason: String::new(),
            },
        }
    }
}

/// A message being read.
#[derive(Debug)]
struct Building {
    opcode: Opcode,
    start: u64,
    size: u64,
    frames: u32,
    compressed: bool,
    payload: Vec<u8>,
    cut: bool,
}

/// The frame being read: its header, and how much of its payload has come.
#[derive(Debug)]
struct Frame {
    head: FrameHead,
    read: u64,
    /// A control frame inside a fragmented message is a message of its own.
    control: bool,
}

/// One direction's frames, read as they come.
#[derive(Debug)]
pub struct Reader {
    dir: Direction,
    /// Keep payloads (the tracker does not: it counts).
    keep: bool,
    /// Stream offset of the next byte fed.
    offset: u64,
    /// Header bytes of the next frame, until it is whole.
    head: Vec<u8>,
    frame: Option<Frame>,
    message: Option<Building>,
    control: Option<Building>,
    /// permessage-deflate was agreed on (RSV1 then marks a compressed message).
    deflate: bool,
    /// Only a reader that keeps payloads inflates them.
    inflater: Option<Inflater>,
}

impl Reader {
    /// A reader of `dir`'s frames from stream `offset` on, with the compression the handshake
    /// agreed on; `keep`: keep each message's payload.
    pub fn new(dir: Direction, offset: u64, deflate: Option<Deflate>, keep: bool) -> Reader {
        let to_server = dir == Direction::ClientToServer;
        Reader {
            dir,
            keep,
            offset,
            head: Vec::with_capacity(14),
            frame: None,
            message: None,
            control: None,
            deflate: deflate.is_some(),
            inflater: deflate
                .filter(|_| keep)
                .map(|d| Inflater::new(d.takes_over(to_server))),
        }
    }

    /// Reads `data`, captured at `at`; each message completed goes to `out`. After an error
    /// the stream is no WebSocket TCPMon can follow: feed it nothing more.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        at: u64,
        out: &mut Vec<Message>,
    ) -> Result<(), FrameError> {
        loop {
            if self.frame.is_none() {
                if data.is_empty() {
                    return Ok(());
                }
                data = self.read_head(data)?;
                continue;
            }
            // A frame with an empty payload ends without another byte.
            let empty = self.frame.as_ref().is_some_and(|f| f.read == f.head.len);
            if data.is_empty() && !empty {
                return Ok(());
            }
            data = self.read_payload(data, at, out);
        }
    }

    /// Takes header bytes from `data`; starts the frame once its header is whole.
    fn read_head<'d>(&mut self, data: &'d [u8]) -> Result<&'d [u8], FrameError> {
        let had = self.head.len();
        let take = data.len().min(14 - had);
        self.head.extend_from_slice(&data[..take]);
        let Some(head) = parse_head(&self.head)? else {
            self.offset += take as u64;
            return Ok(&data[take..]);
        };
        let used = usize::from(head.head_len) - had;
        let start = self.offset - had as u64;
        self.offset += used as u64;
        self.head.clear();
        self.start_frame(head, start)?;
        Ok(&data[used..])
    }

    fn start_frame(&mut self, head: FrameHead, start: u64) -> Result<(), FrameError> {
        let control = head.opcode.is_control();
        let building = |opcode, compressed| Building {
            opcode,
            start,
            size: 0,
            frames: 0,
            compressed,
            payload: Vec::new(),
            cut: false,
        };
        if control {
            self.control = Some(building(head.opcode, false));
        } else if head.opcode == Opcode::Continuation {
            if self.message.is_none() {
                return Err(FrameError::Orphan);
            }
        } else {
            if self.message.is_some() {
                return Err(FrameError::Interleaved);
            }
            let compressed = head.rsv1 && self.deflate;
            self.message = Some(building(head.opcode, compressed));
        }
        self.frame = Some(Frame {
            head,
            read: 0,
            control,
        });
        Ok(())
    }

    /// Takes payload bytes of the current frame from `data`; ends the frame (and the message,
    /// on its last frame) when they are all there.
    fn read_payload<'d>(&mut self, data: &'d [u8], at: u64, out: &mut Vec<Message>) -> &'d [u8] {
        let Some(frame) = &mut self.frame else {
            return data;
        };
        let left = frame.head.len - frame.read;
        let take = data.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let (chunk, rest) = data.split_at(take);
        let building = if frame.control {
            self.control.as_mut()
        } else {
            self.message.as_mut()
        };
        if let Some(message) = building {
            if self.keep || frame.control {
                let room = MOST_KEPT.saturating_sub(message.payload.len());
                let kept = &chunk[..chunk.len().min(room)];
                let from = message.payload.len();
                message.payload.extend_from_slice(kept);
                if let Some(key) = frame.head.mask {
                    unmask(&mut message.payload[from..], key, frame.read);
                }
                message.cut |= kept.len() < chunk.len();
            }
            message.size += take as u64;
        }
        frame.read += take as u64;
        self.offset += take as u64;
        if frame.read == frame.head.len {
            let (fin, control) = (frame.head.fin, frame.control);
            self.frame = None;
            self.end_frame(fin, control, at, out);
        }
        rest
    }

    fn end_frame(&mut self, fin: bool, control: bool, at: u64, out: &mut Vec<Message>) {
        let slot = if control {
            &mut self.control
        } else {
            &mut self.message
        };
        let Some(building) = slot.as_mut() else {
            return;
        };
        building.frames = building.frames.saturating_add(1);
        if !fin {
            return;
        }
        let Some(building) = slot.take() else {
            return;
        };
        out.push(self.finish(building, at));
    }

    fn finish(&mut self, b: Building, at: u64) -> Message {
        let close = (b.opcode == Opcode::Close).then(|| Close::of(&b.payload));
        let mut problem = b.cut.then(|| format!("cut at {} MiB", MOST_KEPT >> 20));
        if let (Some(inflater), true) = (&mut self.inflater, b.compressed && b.cut) {
            inflater.lose_window();
        }
        let data = match &mut self.inflater {
            Some(inflater) if b.compressed && self.keep && !b.cut => {
                match inflater.inflate(&b.payload) {
                    Ok(inflated) => Some(inflated),
                    Err(e) => {
                        problem = Some(e.to_string());
                        Some(b.payload)
                    }
                }
            }
            _ if self.keep => Some(b.payload),
            _ => None,
        };
        Message {
            dir: self.dir,
            opcode: b.opcode,
            start: b.start,
            end: self.offset,
            at,
            size: b.size,
            frames: b.frames,
            compressed: b.compressed,
            data,
            problem,
            close,
            injected: false,
        }
    }

    /// Whether the stream is between messages: no frame, header or fragmented message begun.
    /// A message TCPMon sends itself goes in only there.
    pub fn between_messages(&self) -> bool {
        self.frame.is_none() && self.head.is_empty() && self.message.is_none()
    }
}

/// Messages and payload bytes one way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "WebSocketCount"))]
pub struct Count {
    /// Messages, control messages included.
    pub messages: u64,
    /// Their payload bytes on the wire.
    pub bytes: u64,
}

/// What an exchange that became a WebSocket has carried so far: the row and the CLI's summary
/// show it; the messages themselves are read from the capture when asked for, by a [`Reader`]
/// per direction from `start`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "WebSocketSummary"))]
pub struct Summary {
    /// Client to server.
    pub to_server: Count,
    /// Server to client.
    pub to_client: Count,
    /// Where the frames start in each direction's stream (client to server first): a reader
    /// of the messages starts there.
    pub start: [u64; 2],
    /// permessage-deflate, when it was agreed on.
    pub deflate: Option<Deflate>,
    /// The first close message, and who sent it.
    pub close: Option<(Direction, Close)>,
}

impl Summary {
    /// A reader of `dir`'s messages from the start, keeping their payloads.
    pub fn reader(&self, dir: Direction) -> Reader {
        Reader::new(dir, self.start[dir.index()], self.deflate, true)
    }

    /// Counts `message` in.
    pub fn add(&mut self, message: &Message) {
        let count = match message.dir {
            Direction::ClientToServer => &mut self.to_server,
            Direction::ServerToClient => &mut self.to_client,
        };
        count.messages += 1;
        count.bytes += message.size;
        if let (None, Some(close)) = (&self.close, &message.close) {
            self.close = Some((message.dir, close.clone()));
        }
    }
}

#[cfg(test)]
mod tests;
