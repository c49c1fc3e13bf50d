//! The Apache TCPMon 1.0 "Save" format, byte for byte, so old scripts that read it keep working.
//!
//! Per connection: a line feed, 14 `=`, the listen port, target host and port, the request
//! marker, the request bytes as captured (no separator added, as 1.0 did), the response marker,
//! the response bytes, then a line feed and 14 `=` and a line feed. All marker lines end in a
//! bare LF. Unlike 1.0, bytes are written exactly as captured (no charset round trip), and the
//! target is the connection's real target (in proxy mode 1.0 wrote its greyed-out form fields).

use std::io::{self, Read, Write};

/// One connection as the text format sees it; the bytes are streamed, so a connection of any
/// size can be written.
#[derive(Debug)]
pub struct TextEntry<'a, R1: Read, R2: Read> {
    /// The port the listener was listening on.
    pub listen_port: u16,
    /// The host the connection was relayed to.
    pub target_host: &'a str,
    /// The port the connection was relayed to.
    pub target_port: u16,
    /// Client-to-server bytes.
    pub request: R1,
    /// Server-to-client bytes.
    pub response: R2,
}

const RULE: &[u8] = b"==============";

/// Writes one entry in the TCPMon 1.0 text format.
pub fn write_entry<R1: Read, R2: Read>(
    out: &mut impl Write,
    entry: TextEntry<'_, R1, R2>,
) -> io::Result<()> {
    let TextEntry {
        listen_port,
        target_host,
        target_port,
        mut request,
        mut response,
    } = entry;
    out.write_all(b"\n")?;
    out.write_all(RULE)?;
    write!(
        out,
        "\nListen Port: {}\nTarget Host: {}\nTarget Port: {}\n==== Request ====\n",
        listen_port, target_host, target_port
    )?;
    io::copy(&mut request, out)?;
    out.write_all(b"==== Response ====\n")?;
    io::copy(&mut response, out)?;
    out.write_all(b"\n")?;
    out.write_all(RULE)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_example_byte_for_byte() {
        let mut out = Vec::new();
        let first = TextEntry {
            listen_port: 9090,
            target_host: "api.example.test",
            target_port: 8080,
            request: &b"GET /status HTTP/1.1\r\nHost: api.example.test:9090\r\nAccept: */*\r\n\r\n"
                [..],
            response: &b"HTTP/1.1 204 No Content\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n"[..],
        };
        let second = TextEntry {
            request: &b"POST /orders HTTP/1.1\r\nHost: api.example.test:9090\r\nContent-Type: text/xml\r\nContent-Length: 23\r\n\r\n<order id=\"7\">1</order>"[..],
            response: &b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nstored"[..],
            ..first
        };
        write_entry(&mut out, first).unwrap();
        write_entry(&mut out, second).unwrap();
        let expected = "\n==============\nListen Port: 9090\nTarget Host: api.example.test\nTarget Port: 8080\n==== Request ====\nGET /status HTTP/1.1\r\nHost: api.example.test:9090\r\nAccept: */*\r\n\r\n==== Response ====\nHTTP/1.1 204 No Content\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n\n==============\n\n==============\nListen Port: 9090\nTarget Host: api.example.test\nTarget Port: 8080\n==== Request ====\nPOST /orders HTTP/1.1\r\nHost: api.example.test:9090\r\nContent-Type: text/xml\r\nContent-Length: 23\r\n\r\n<order id=\"7\">1</order>==== Response ====\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nstored\n==============\n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn binary_bytes_pass_unchanged() {
        let mut out = Vec::new();
        let entry = TextEntry {
            listen_port: 1,
            target_host: "h",
            target_port: 2,
            request: &[0u8, 0xff, 0xc3][..],
            response: &[0x80u8][..],
        };
        write_entry(&mut out, entry).unwrap();
        assert!(out.windows(3).any(|w| w == [0, 0xff, 0xc3]));
        assert!(out.windows(3).any(|w| w == [b'\n', 0x80, b'\n']));
    }
}
