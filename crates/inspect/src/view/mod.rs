//! Views: captured bytes rendered as text for a person. Each view is a small module; pretty
//! views fail with a reason so the caller can fall back to raw and say why.

pub mod grpc;
pub mod hex;
pub mod json;
pub mod raw;
pub mod xml;

use serde::{Deserialize, Serialize};

/// Which rendering to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ViewKind {
    /// Pick one from the content.
    Auto,
    /// Text with control bytes made visible.
    Raw,
    /// Indented XML.
    Xml,
    /// Indented JSON.
    Json,
    /// Offset, hex bytes and ASCII.
    Hex,
    /// A gRPC body's messages decoded as protobuf, and the call's status.
    Grpc,
}

/// Nesting deeper than this is indented no further: indentation grows with depth, so a body
/// nested 100,000 deep (hostile or broken) would otherwise be indented into gigabytes.
pub const MAX_INDENT: usize = 32;

/// What the pane says when some levels were shown flat.
pub const FLAT_NOTE: &str = "nesting deeper than 32 levels is shown without further indentation";

/// Most text a pretty view makes of `input` bytes: indentation within [`MAX_INDENT`] can
/// still multiply a tiny-element document many times over, and the window must not get that.
pub fn output_budget(input: usize) -> usize {
    input.saturating_mul(8).saturating_add(64 << 10)
}

/// Indented text of a whole document or of a page of one: the text, how many input bytes it
/// used, and the nesting depth after them (where the next page starts).
#[derive(Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Indented text.
    pub text: String,
    /// Input bytes used: up to and including where the piece may end.
    pub used: usize,
    /// Elements (XML) or containers (JSON) open after those bytes.
    pub depth: usize,
    /// Some lines were deeper than [`MAX_INDENT`] and are indented as if at it.
    pub flat: bool,
}

/// Why a pretty view does not show a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrettyError {
    /// The bytes are not in the view's format: for a guessed view, no news.
    NotFormat(String),
    /// They are, but indenting them would make more text than [`output_budget`] allows: worth
    /// saying even for a guess.
    OverBudget(String),
}

impl std::fmt::Display for PrettyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrettyError::NotFormat(reason) | PrettyError::OverBudget(reason) => f.write_str(reason),
        }
    }
}

impl From<String> for PrettyError {
    fn from(reason: String) -> Self {
        PrettyError::NotFormat(reason)
    }
}

/// Indented text under construction, bounded in indentation and size.
pub(crate) struct Indented {
    pub(crate) text: String,
    budget: usize,
    pub(crate) flat: bool,
}

impl Indented {
    /// Room for indenting `input` bytes.
    pub(crate) fn new(input: usize) -> Self {
        Self {
            text: String::with_capacity(input.saturating_add(input / 2).min(64 << 20)),
            budget: output_budget(input),
            flat: false,
        }
    }

    /// Indents a new line `depth` levels deep (capped at [`MAX_INDENT`]). Between two lines the
    /// text grows by at most a few times the input those lines hold, so checking the budget
    /// here bounds the whole.
    pub(crate) fn line(&mut self, depth: usize) -> Result<(), PrettyError> {
        if self.text.len() > self.budget {
            return Err(PrettyError::OverBudget(format!(
                "indenting it would take over {} KiB of text, 8 times its size",
                self.budget >> 10
            )));
        }
        if depth > MAX_INDENT {
            self.flat = true;
        }
        self.text
            .extend(std::iter::repeat_n("  ", depth.min(MAX_INDENT)));
        Ok(())
    }
}

/// Body bytes [`detect`] looks at.
pub const DETECT_SAMPLE: usize = 4096;

/// The view `Auto` stands for, judged from the start of a message body.
pub fn detect(body: &[u8]) -> ViewKind {
    let sample = &body[..body.len().min(DETECT_SAMPLE)];
    let start = sample
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &sample[i..]);
    let is_html = |prefix: &[u8]| {
        start.len() >= prefix.len() && start[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    match start.first() {
        // HTML is rarely well-formed XML: show it as the text it is.
        Some(b'<') if is_html(b"<!doctype html") || is_html(b"<html") => ViewKind::Raw,
        Some(b'<') => ViewKind::Xml,
        Some(b'{' | b'[') => ViewKind::Json,
        _ if looks_binary(sample) => ViewKind::Hex,
        _ => ViewKind::Raw,
    }
}

/// More than a few control bytes (other than whitespace), or text that is not UTF-8.
fn looks_binary(sample: &[u8]) -> bool {
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    let utf8_error = match std::str::from_utf8(sample) {
        Ok(_) => false,
        // An error only in the last 3 bytes may be a character cut by the sample.
        Err(e) => e.error_len().is_some() || sample.len() - e.valid_up_to() > 3,
    };
    controls * 100 > sample.len() || utf8_error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_by_content() {
        assert_eq!(detect(b"  <?xml version=\"1.0\"?><a/>"), ViewKind::Xml);
        assert_eq!(detect(b"<!DOCTYPE HTML>\n<html>"), ViewKind::Raw);
        assert_eq!(detect(b"\n{\"a\":1}"), ViewKind::Json);
        assert_eq!(detect(b"[1,2]"), ViewKind::Json);
        assert_eq!(detect(b"plain text\r\n"), ViewKind::Raw);
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), ViewKind::Hex);
        assert_eq!(detect("caf\u{e9}".as_bytes()), ViewKind::Raw);
    }
}
