//! Fields read without a schema printed exactly as `protoc --decode_raw` prints them, so a user
//! can compare TCPMon's view with the tool's output byte for byte.

use std::fmt::Write;

use thiserror::Error;

use super::raw::{self, Field, RawError, Value};

/// Why there is no text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    /// The bytes are not a message.
    #[error(transparent)]
    Raw(#[from] RawError),
    /// Deep indentation would make the text larger than [`text_budget`] allows.
    #[error("the decoded text would be over {max} bytes")]
    TooLarge {
        /// The budget.
        max: usize,
    },
}

/// Most text made of `input` bytes: a two-byte field 110 levels deep is a 230-byte line, so
/// hostile nesting could otherwise turn a message into a hundred times its size.
pub fn text_budget(input: usize) -> usize {
    input.saturating_mul(16).saturating_add(1 << 20)
}

/// `protoc --decode_raw`'s output for `bytes`.
pub fn decode_raw(bytes: &[u8]) -> Result<String, TextError> {
    decode_raw_within(bytes, text_budget(bytes.len()))
}

/// `protoc --decode_raw`'s output for `bytes`, unless it would be over `max` bytes (a view
/// sharing one budget among many messages).
pub fn decode_raw_within(bytes: &[u8], max: usize) -> Result<String, TextError> {
    let fields = raw::decode(bytes)?;
    let mut out = Text {
        text: String::with_capacity(bytes.len().saturating_mul(2).min(max).min(64 << 20)),
        max,
    };
    out.fields(&fields, 0)?;
    Ok(out.text)
}

/// Text under construction, bounded.
struct Text {
    text: String,
    max: usize,
}

impl Text {
    /// Each field on its own line, nested ones between `N {` and `}`, two spaces a level.
    fn fields(&mut self, fields: &[Field<'_>], depth: usize) -> Result<(), TextError> {
        for field in fields {
            if self.text.len() > self.max {
                return Err(TextError::TooLarge { max: self.max });
            }
            let indent = "  ".repeat(depth);
            let number = field.number;
            // Writing to a String cannot fail.
            let _ = match &field.value {
                Value::Varint(v) => writeln!(self.text, "{indent}{number}: {v}"),
                Value::Fixed64(v) => writeln!(self.text, "{indent}{number}: 0x{v:016x}"),
                Value::Fixed32(v) => writeln!(self.text, "{indent}{number}: 0x{v:08x}"),
                Value::String(s) => {
                    writeln!(self.text, "{indent}{number}: \"{}\"", escape(s.as_bytes()))
                }
                Value::Bytes(b) => writeln!(self.text, "{indent}{number}: \"{}\"", escape(b)),
                Value::Message(nested) | Value::Group(nested) => {
                    let _ = writeln!(self.text, "{indent}{number} {{");
                    self.fields(nested, depth + 1)?;
                    writeln!(self.text, "{indent}}}")
                }
            };
        }
        Ok(())
    }
}

/// C-style escaping as protoc's `CEscape`: the usual backslash escapes, every other byte outside
/// printable ASCII as three octal digits (so UTF-8 text shows as octal, as protoc shows it).
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out
}
