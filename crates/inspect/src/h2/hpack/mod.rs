//! HPACK (RFC 7541): header blocks decoded with one dynamic table per direction.
//!
//! Written here rather than taken from a crate: the candidates on crates.io are unmaintained
//! (`hpack`, `httlib-hpack`) or build a hash map per Huffman string and panic on a table size
//! over the allowed one (`loona-hpack`); a decoder is small, and this one is bounded the way
//! the rest of TCPMon is and checked against the RFC's own examples (Appendix C).

mod huffman;
mod static_table;

use static_table::STATIC;
use std::collections::VecDeque;

/// Largest dynamic table accepted, whatever SETTINGS allow: 64 KiB.
pub const TABLE_CAP: usize = 64 << 10;

/// The table size both sides start with (RFC 9113 section 6.5.2).
const INITIAL_TABLE: usize = 4096;

/// Each entry's overhead in the table size (RFC 7541 section 4.1).
const ENTRY_OVERHEAD: usize = 32;

/// One decoded header field. Names and values are shown as text; bytes that are not UTF-8
/// become U+FFFD (the captured bytes themselves stay exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Lowercase name, pseudo-headers with their leading `:`.
    pub name: String,
    /// Value as sent.
    pub value: String,
}

impl Field {
    fn new(name: &[u8], value: &[u8]) -> Self {
        Self {
            name: String::from_utf8_lossy(name).into_owned(),
            value: String::from_utf8_lossy(value).into_owned(),
        }
    }
}

/// Why a header block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HpackError {
    /// The block ends inside a field.
    #[error("HPACK: the header block ends inside a field")]
    Truncated,
    /// An integer longer than any size TCPMon accepts.
    #[error("HPACK: an integer too large")]
    Integer,
    /// An index that is neither in the static nor in the dynamic table.
    #[error("HPACK: index {0} is in neither table")]
    Index(u64),
    /// A Huffman string with the EOS symbol or bad padding.
    #[error("HPACK: a malformed Huffman string")]
    Huffman,
    /// A table size update after the first field of a block.
    #[error("HPACK: a table size update after a field")]
    LateSizeUpdate,
    /// A table size update above what the peer's SETTINGS allowed.
    #[error("HPACK: table size {size} is over the {allowed} bytes SETTINGS allow")]
    OverSetting {
        /// Size the encoder asked for.
        size: u64,
        /// Largest size allowed.
        allowed: usize,
    },
    /// A table size update above [`TABLE_CAP`].
    #[error("HPACK: table size {0} is over TCPMon's 64 KiB cap")]
    TableCap(u64),
    /// The decoded header list is over the cap the caller gave.
    #[error("the decoded header list is over {0} bytes")]
    ListCap(usize),
}

/// A dynamic table entry: name and value as sent.
type Entry = (Box<[u8]>, Box<[u8]>);

/// Decodes one direction's header blocks, in the order they were sent.
#[derive(Debug, Clone)]
pub struct Decoder {
    /// Newest entry first, as HPACK indexes them.
    table: VecDeque<Entry>,
    /// Current size of the table (RFC 7541 section 4.1).
    size: usize,
    /// Maximum size the encoder last set.
    max: usize,
    /// Largest size the peer's SETTINGS_HEADER_TABLE_SIZE has allowed, at most [`TABLE_CAP`].
    allowed: usize,
    /// Decoded string bytes, reused across fields.
    scratch: Vec<u8>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder at the start of a connection: an empty table of 4096 bytes.
    pub fn new() -> Self {
        Self {
            table: VecDeque::new(),
            size: 0,
            max: INITIAL_TABLE,
            allowed: INITIAL_TABLE,
            scratch: Vec::new(),
        }
    }

    /// The peer (the side that reads what this decoder reads) sent SETTINGS_HEADER_TABLE_SIZE.
    /// A passive observer cannot know when the encoder saw it, so the largest value ever
    /// allowed bounds later size updates (never above [`TABLE_CAP`]).
    pub fn allow(&mut self, setting: u32) {
        let setting = usize::try_from(setting).unwrap_or(usize::MAX);
        self.allowed = self.allowed.max(setting.min(TABLE_CAP));
    }

    /// Current size of the dynamic table, in RFC 7541 bytes.
    pub fn table_size(&self) -> usize {
        self.size
    }

    /// Decodes a whole header block into `out`, failing once the decoded list (names, values
    /// and 32 bytes per field, as SETTINGS_MAX_HEADER_LIST_SIZE counts) is over `list_cap`.
    pub fn decode(
        &mut self,
        block: &[u8],
        list_cap: usize,
        out: &mut Vec<Field>,
    ) -> Result<(), HpackError> {
        let mut at = 0;
        let mut list = 0usize;
        let mut fields_seen = false;
        while at < block.len() {
            let first = block[at];
            if first & 0xe0 == 0x20 {
                if fields_seen {
                    return Err(HpackError::LateSizeUpdate);
                }
                let (size, used) = integer(&block[at..], 5)?;
                self.resize(size)?;
                at += used;
                continue;
            }
            fields_seen = true;
            let (field, used) = self.field(&block[at..])?;
            list += field.name.len() + field.value.len() + ENTRY_OVERHEAD;
            if list > list_cap {
                return Err(HpackError::ListCap(list_cap));
            }
            out.push(field);
            at += used;
        }
        Ok(())
    }

    /// Decodes the field representation at the start of `input`; its length in bytes.
    fn field(&mut self, input: &[u8]) -> Result<(Field, usize), HpackError> {
        let first = input[0];
        if first & 0x80 != 0 {
            let (index, used) = integer(input, 7)?;
            let (name, value) = self.entry(index)?;
            return Ok((Field::new(name, value), used));
        }
        // Literal: with incremental indexing (01), never indexed (0001) or not indexed (0000).
        let indexing = first & 0x40 != 0;
        let prefix = if indexing { 6 } else { 4 };
        let (index, mut used) = integer(input, prefix)?;
        let name: Box<[u8]> = if index == 0 {
            used += self.string(&input[used..])?;
            self.scratch.as_slice().into()
        } else {
            self.entry(index)?.0.into()
        };
        used += self.string(&input[used..])?;
        let field = Field::new(&name, &self.scratch);
        if indexing {
            let value = self.scratch.as_slice().into();
            self.insert(name, value);
        }
        Ok((field, used))
    }

    /// Decodes the string literal at the start of `input` into `scratch`; its length in bytes.
    fn string(&mut self, input: &[u8]) -> Result<usize, HpackError> {
        let Some(&first) = input.first() else {
            return Err(HpackError::Truncated);
        };
        let (len, used) = integer(input, 7)?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| used.checked_add(len))
            .filter(|&end| end <= input.len())
            .ok_or(HpackError::Truncated)?;
        self.scratch.clear();
        if first & 0x80 != 0 {
            huffman::decode(&input[used..end], &mut self.scratch)?;
        } else {
            self.scratch.extend_from_slice(&input[used..end]);
        }
        Ok(end)
    }

    /// The entry at HPACK `index` (1-based; the static table, then the dynamic one).
    fn entry(&self, index: u64) -> Result<(&[u8], &[u8]), HpackError> {
        let i = usize::try_from(index).map_err(|_| HpackError::Index(index))?;
        if (1..=STATIC.len()).contains(&i) {
            let (name, value) = STATIC[i - 1];
            return Ok((name.as_bytes(), value.as_bytes()));
        }
        i.checked_sub(STATIC.len() + 1)
            .and_then(|d| self.table.get(d))
            .map(|(name, value)| (&**name, &**value))
            .ok_or(HpackError::Index(index))
    }

    /// Adds an entry, evicting the oldest ones to make room (RFC 7541 section 4.4).
    fn insert(&mut self, name: Box<[u8]>, value: Box<[u8]>) {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        self.evict_to(self.max.saturating_sub(size));
        if size <= self.max {
            self.size += size;
            self.table.push_front((name, value));
        } else {
            // An entry larger than the table empties it and is not added.
            self.evict_to(0);
        }
    }

    /// A dynamic table size update (RFC 7541 section 6.3).
    fn resize(&mut self, size: u64) -> Result<(), HpackError> {
        if size > TABLE_CAP as u64 {
            return Err(HpackError::TableCap(size));
        }
        if size > self.allowed as u64 {
            let allowed = self.allowed;
            return Err(HpackError::OverSetting { size, allowed });
        }
        self.max = size as usize;
        self.evict_to(self.max);
        Ok(())
    }

    fn evict_to(&mut self, limit: usize) {
        while self.size > limit {
            let Some((name, value)) = self.table.pop_back() else {
                break;
            };
            self.size -= name.len() + value.len() + ENTRY_OVERHEAD;
        }
    }
}

/// Decodes an integer with an `prefix`-bit prefix (RFC 7541 section 5.1) at the start of
/// `input`; the value and its length in bytes. Values above 2^32 are refused: no size or
/// index TCPMon accepts comes near.
fn integer(input: &[u8], prefix: u32) -> Result<(u64, usize), HpackError> {
    let mask = (1u8 << prefix) - 1;
    let first = input.first().ok_or(HpackError::Truncated)? & mask;
    if first < mask {
        return Ok((u64::from(first), 1));
    }
    let mut value = u64::from(mask);
    for (i, &byte) in input[1..].iter().enumerate() {
        if i >= 5 {
            return Err(HpackError::Integer);
        }
        value += u64::from(byte & 0x7f) << (7 * i);
        if value > u64::from(u32::MAX) {
            return Err(HpackError::Integer);
        }
        if byte & 0x80 == 0 {
            return Ok((value, i + 2));
        }
    }
    Err(HpackError::Truncated)
}

#[cfg(test)]
mod tests;
