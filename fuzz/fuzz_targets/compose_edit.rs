//! The Sender and the resend editor over any text. `compose::prepare` either names the field at
//! fault or gives bytes that parse as one HTTP/1.1 request: the method and path as typed, a
//! single `Host` (unless the user gave one), the body as typed after the head, and a
//! `Content-Length` equal to the body's length in bytes when it added one.
//! `edit::edited_request` never panics; the raw view of a capture, unchanged, resends the
//! capture exactly; and when an edit comes out as an HTTP head, every numeric
//! `Content-Length` in it is the length of the body that follows.
//!
//! Input: a selector byte, then text. Even selector: the text is a Sender form, one field a
//! line: method, URL, headers (`Name: value`) up to an empty line, and the rest the body.
//! Odd selector: a capture and an edit of it, split at the first NUL byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpmon_inspect::compose::{Composed, prepare};
use tcpmon_inspect::edit::{edited_request, fix_content_length};
use tcpmon_inspect::http1::{Head, parse_request, parse_response};
use tcpmon_inspect::view::raw;

fn compose(text: &str) {
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or_default().to_string();
    let url = lines.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        headers.push((name.to_string(), value.to_string()));
    }
    let body = lines.collect::<Vec<_>>().join("\n");
    let form = Composed {
        method,
        url,
        headers,
        body,
    };
    let Ok(prepared) = prepare(&form) else { return };
    let bytes = &prepared.bytes;
    let shown = String::from_utf8_lossy(bytes);
    let head = match parse_request(bytes) {
        Ok(Some(head)) => head,
        other => panic!("composed bytes are not a request ({other:?}): {shown:?}"),
    };
    assert_eq!(head.method, form.method.trim(), "{shown:?}");
    assert!(head.target.starts_with('/'), "{shown:?}");
    assert_eq!(head.head.version, 1);
    assert_eq!(&bytes[head.head.len..], form.body.as_bytes(), "{shown:?}");
    let given = |name: &str| {
        form.headers
            .iter()
            .any(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    };
    let count = |name: &str| {
        head.head
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    };
    if !given("host") {
        assert_eq!(count("host"), 1, "{shown:?}");
    }
    if !given("content-length") && !given("transfer-encoding") {
        let length = head.head.header("content-length");
        if form.body.is_empty() {
            assert_eq!(length, None, "{shown:?}");
        } else {
            assert_eq!(
                length,
                Some(form.body.len().to_string().as_bytes()),
                "{shown:?}"
            );
        }
    }
    assert!(prepared.port != 0);
    assert!(!prepared.host.is_empty());
}

/// The head at the start of `bytes`, request or response, if it parses.
fn head(bytes: &[u8]) -> Option<Head> {
    match parse_request(bytes) {
        Ok(Some(r)) => Some(r.head),
        _ => parse_response(bytes).ok().flatten().map(|r| r.head),
    }
}

/// Every `Content-Length` of `message` whose value is a number is its body's length.
fn lengths_fit(message: &[u8]) {
    let Some(head) = head(message) else { return };
    let body = message.len() - head.len;
    for (name, value) in &head.headers {
        let value = value.trim_ascii();
        if name.eq_ignore_ascii_case("content-length")
            && !value.is_empty()
            && value.iter().all(u8::is_ascii_digit)
        {
            assert_eq!(
                value,
                body.to_string().as_bytes(),
                "{:?}",
                String::from_utf8_lossy(message)
            );
        }
    }
}

fn edit(data: &[u8]) {
    let (captured, edited) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let shown = raw::render(captured).0;
    assert_eq!(edited_request(captured, &shown), captured);
    let edited = String::from_utf8_lossy(edited);
    let sent = edited_request(captured, &edited);
    if edited != shown {
        lengths_fit(&sent);
    }
    lengths_fit(&fix_content_length(captured));
}

fuzz_target!(|data: &[u8]| {
    let [selector, rest @ ..] = data else { return };
    if selector % 2 == 0 {
        compose(&String::from_utf8_lossy(rest));
    } else {
        edit(rest);
    }
});
