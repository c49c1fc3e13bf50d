//! HTTP/1.x: message heads ([`head`]), body framing ([`framing`]) and whole messages made
//! readable ([`decode`]: framing and content codings removed, charset decoded).
//!
//! Both work on bytes that arrive in pieces: a head parser answers "need more bytes" until the
//! blank line has arrived, and a body decoder consumes whatever part of the body it is given.

pub mod buffer;
pub mod decode;
pub mod framing;
pub mod head;

pub use buffer::HeadBuffer;
pub use framing::{BodyDecoder, Framing, FramingError};
pub use head::{
    Head, HeadError, RequestHead, ResponseHead, edit_headers, head_len, parse_request,
    parse_response, request_line, version_name,
};
