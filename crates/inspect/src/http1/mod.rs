//! HTTP/1.x: message heads ([`head`]) and body framing ([`framing`]).
//!
//! Both work on bytes that arrive in pieces: a head parser answers "need more bytes" until the
//! blank line has arrived, and a body decoder consumes whatever part of the body it is given.

pub mod buffer;
pub mod framing;
pub mod head;

pub use buffer::HeadBuffer;
pub use framing::{BodyDecoder, Framing, FramingError};
pub use head::{
    Head, HeadError, RequestHead, ResponseHead, edit_headers, parse_request, parse_response,
    request_line,
};
