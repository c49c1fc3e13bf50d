//! Protobuf messages made readable, with or without their schema.
//!
//! - [`raw`]: the fields of a message read without a schema, guessed as `protoc --decode_raw`
//!   guesses (nested message, else string, else bytes), bounded in depth and linear in time.
//! - [`text`]: those fields in `protoc --decode_raw`'s exact text.
//! - [`schema`]: with a `.proto` file or a FileDescriptorSet, a message of the type a gRPC
//!   method names, as proto3 JSON and as text with field names.

pub mod raw;
pub mod schema;
pub mod text;

pub use raw::{Field, RawError, Value};
pub use schema::{Decoded, Schema, SchemaError};
pub use text::{TextError, decode_raw, decode_raw_within};
