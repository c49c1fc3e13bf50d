//! File formats other tools read and write: pure functions from captured bytes to a format's
//! bytes, and back where the format is one other tools write. Reading and writing files, and
//! building stores from them, is `tcpmon-files`'.
//!
//! - [`tcpmon_text`]: Apache TCPMon 1.0 "Save" text.
//! - [`har`]: HTTP Archive 1.2, written and read.
//! - [`curl`]: curl commands that send a captured request again.
//!
//! All three leave credentials for a proxy out ([`redact_request`]): a file is shared more
//! readily than a capture. A session file keeps every byte.

pub mod curl;
pub mod har;
pub mod tcpmon_text;

use crate::http1::edit_headers;
use std::borrow::Cow;

/// Headers whose values exports replace with [`REDACTED`]: the credentials a client gives a
/// proxy (TCPMon's own, with `--proxy-auth`), which never reach an origin.
pub const REDACTED_HEADERS: [&str; 1] = ["Proxy-Authorization"];

/// What exports write in place of a redacted header's value.
pub const REDACTED: &str = "[redacted]";

/// A request's bytes (from the first byte of its head) with the value of every
/// [`REDACTED_HEADERS`] header replaced by [`REDACTED`]; the body and everything else as
/// captured.
pub fn redact_request(bytes: &[u8]) -> Cow<'_, [u8]> {
    edit_headers(bytes, &REDACTED_HEADERS, Some(REDACTED.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_are_redacted_and_nothing_else() {
        let raw: &[u8] = b"GET http://a.test/ HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\nAuthorization: Basic b3JpZ2lu\r\n\r\nProxy-Authorization: in the body";
        assert_eq!(
            &*redact_request(raw),
            &b"GET http://a.test/ HTTP/1.1\r\nProxy-Authorization: [redacted]\r\nAuthorization: Basic b3JpZ2lu\r\n\r\nProxy-Authorization: in the body"[..]
        );
    }
}
