//! A protobuf message read without its schema, field by field, the way `protoc --decode_raw`
//! reads it: same acceptance rules, same guesses, same limits, so that what TCPMon shows is what
//! the tool people already trust would print.
//!
//! Work is linear in the input: a length-delimited field is tried as a message at most
//! [`GUESS_DEPTH`] levels deep (protoc's own budget), so each byte is parsed at most that many
//! times plus one; groups nest at most [`GROUP_DEPTH`] deep, which bounds the stack.

use thiserror::Error;

/// Largest message read: the gRPC splitter's cap on one decoded message.
pub const MAX_INPUT: usize = crate::grpc::MAX_MESSAGE;

/// Levels of nesting (messages and groups) within which length-delimited fields are tried as
/// messages (protoc's `kUnknownFieldRecursionLimit`); deeper ones are shown as strings, as
/// protoc shows them.
pub const GUESS_DEPTH: u32 = 10;

/// Groups nested deeper than this fail the message, as protoc's default recursion limit does.
pub const GROUP_DEPTH: u32 = 100;

/// One field as it is on the wire, in the order it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field number (1 to 2^29 - 1).
    pub number: u32,
    /// What followed the tag.
    pub value: Value<'a>,
}

/// A field's value, with length-delimited ones guessed as protoc guesses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1, as the little-endian integer (a double or a fixed64: no schema says which).
    Fixed64(u64),
    /// Wire type 5, as the little-endian integer (a float or a fixed32).
    Fixed32(u32),
    /// Wire type 2 whose bytes parse, all of them, as a message.
    Message(Vec<Field<'a>>),
    /// Wire types 3 and 4: a (deprecated) group's fields.
    Group(Vec<Field<'a>>),
    /// Wire type 2, not a message, valid UTF-8.
    String(&'a str),
    /// Wire type 2, not a message nor UTF-8 (also an empty field: protoc shows `""`).
    Bytes(&'a [u8]),
}

/// Why bytes are not a protobuf message (protoc says "Failed to parse input.").
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RawError {
    /// Larger than [`MAX_INPUT`].
    #[error("message of {len} bytes is over the {max}-byte limit for decoding")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The wire format is broken at `offset` (from the message's start).
    #[error("not a protobuf message: {reason} at byte {offset}")]
    Malformed {
        /// Where reading stopped.
        offset: usize,
        /// What was wrong there.
        reason: &'static str,
    },
}

/// The fields of `bytes`, or why they are not a message.
pub fn decode(bytes: &[u8]) -> Result<Vec<Field<'_>>, RawError> {
    if bytes.len() > MAX_INPUT {
        return Err(RawError::TooLarge {
            len: bytes.len(),
            max: MAX_INPUT,
        });
    }
    let mut reader = Reader { bytes, pos: 0 };
    match reader.fields(GROUP_DEPTH, GUESS_DEPTH, None) {
        Ok(fields) => Ok(fields),
        Err(reason) => Err(RawError::Malformed {
            offset: reader.pos,
            reason,
        }),
    }
}

/// A cursor over one message's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Fields up to the end of the input, or up to the end-group tag of group `group` when
    /// reading one. `groups` is how many more groups may nest; `guess` how many more levels
    /// (groups count as levels, as in protoc's printer) length-delimited fields may be tried
    /// as messages at.
    fn fields(
        &mut self,
        groups: u32,
        guess: u32,
        group: Option<u32>,
    ) -> Result<Vec<Field<'a>>, &'static str> {
        let mut fields = Vec::new();
        while self.pos < self.bytes.len() {
            let (number, wire_type) = self.tag()?;
            let value = match wire_type {
                0 => Value::Varint(self.varint()?),
                1 => Value::Fixed64(u64::from_le_bytes(self.take_array()?)),
                2 => {
                    let len = usize::try_from(self.varint()?).map_err(|_| "length too large")?;
                    classify(self.take(len)?, guess)
                }
                3 if groups == 0 => return Err("groups nested too deep"),
                3 => {
                    Value::Group(self.fields(groups - 1, guess.saturating_sub(1), Some(number))?)
                }
                4 if group == Some(number) => return Ok(fields),
                4 => return Err("end-group tag without its group"),
                5 => Value::Fixed32(u32::from_le_bytes(self.take_array()?)),
                _ => return Err("invalid wire type"),
            };
            fields.push(Field { number, value });
        }
        match group {
            Some(_) => Err("group not ended"),
            None => Ok(fields),
        }
    }

    /// A tag: at most 5 bytes, bits past the 32nd dropped (as protoc drops them), field
    /// number not 0.
    fn tag(&mut self) -> Result<(u32, u8), &'static str> {
        let start = self.pos;
        let tag = self.varint()? as u32;
        if self.pos - start > 5 {
            return Err("tag too long");
        }
        let number = tag >> 3;
        if number == 0 {
            return Err("field number 0");
        }
        Ok((number, (tag & 7) as u8))
    }

    /// A base-128 varint of at most 10 bytes; bits past the 64th are dropped, as protoc does.
    fn varint(&mut self) -> Result<u64, &'static str> {
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Err("input ends inside a varint");
            };
            self.pos += 1;
            value |= u64::from(byte & 0x7f).wrapping_shl(7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint longer than 10 bytes")
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], &'static str> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or("input ends inside a field")?;
        let taken = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(taken)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], &'static str> {
        let bytes = self.take(N)?;
        let mut array = [0; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }
}

/// A length-delimited field's bytes as protoc guesses them: a message when they parse entirely
/// as one (with `guess` levels left, the nested groups limited to as many), else text or bytes.
fn classify(bytes: &[u8], guess: u32) -> Value<'_> {
    if guess > 0 && !bytes.is_empty() {
        let mut nested = Reader { bytes, pos: 0 };
        if let Ok(fields) = nested.fields(guess, guess - 1, None) {
            return Value::Message(fields);
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !bytes.is_empty() => Value::String(text),
        _ => Value::Bytes(bytes),
    }
}
