//! The three export writers over whatever the tracker finds in any traffic: whatever goes in
//! comes out valid.
//!
//! - HAR: the output is JSON, and `read_har` reads it back with one entry per exchange.
//! - curl: the script is UTF-8, a `#!/bin/sh` line and a comment, then one line per request,
//!   each a POSIX shell command as `curl_command` promises: `[printf 'FORMAT' | ]curl WORD...`,
//!   every word made of bare characters the shell takes literally, single-quoted strings
//!   (with `'\''` for a quote) and `"$(printf 'FORMAT')"` (whose output is the word: never a
//!   NUL or a final newline, which the shell would drop); quotes balanced, nothing else
//!   unquoted (no `;`, `&`, `|`, `$`, backquote, redirection or glob). Read back as the shell
//!   would, the words start with `curl`, end with the `http://` URL, every `-H` is a header
//!   (`Name: value`, `Name:` or `Name;`), and a body is piped in exactly when curl reads `@-`.
//! - TCPMon text: the request and response bytes exactly as captured, between the markers.
//!
//! Input: a flags byte (server address form, connect time, timing), a byte saying where the
//! request stream ends, then the two streams. The server is one of a few `host:port` forms,
//! or, when the streams are preceded by a line `@host:port\n`, that one if it is valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;
use tcpmon_inspect::Direction;
use tcpmon_inspect::exchange::{Exchange, Tracker};
use tcpmon_inspect::formats::curl::{CurlRequest, write_curl_script};
use tcpmon_inspect::formats::har::{HarConnection, HarEntry, read_har, write_har};
use tcpmon_inspect::formats::tcpmon_text::{TextEntry, write_entry};
use tcpmon_relay::HostPort;

/// 2023-11-14T22:13:20Z in µs.
const T: u64 = 1_700_000_000_000_000;

fn slice(stream: &[u8], from: u64, to: u64) -> &[u8] {
    let to = (to as usize).min(stream.len());
    &stream[(from as usize).min(to)..to]
}

/// Characters a POSIX shell takes literally outside quotes (what `quote` leaves bare).
fn bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c)
}

/// What `printf FORMAT` prints, for a format as the writer makes them: printable ASCII, `%%`,
/// `\\` and `\NNN` octal escapes, nothing else.
fn printf(format: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' if chars.next() == Some('%') => out.push(b'%'),
            '%' => return Err(format!("lone % in {format:?}")),
            '\\' => match chars.next() {
                Some('\\') => out.push(b'\\'),
                Some(d @ '0'..='3') => {
                    let rest: String = chars.by_ref().take(2).collect();
                    let octal = format!("{d}{rest}");
                    match u8::from_str_radix(&octal, 8) {
                        Ok(b) if rest.len() == 2 => out.push(b),
                        _ => return Err(format!("bad escape \\{octal} in {format:?}")),
                    }
                }
                other => return Err(format!("bad escape \\{other:?} in {format:?}")),
            },
            c if c == ' ' || c.is_ascii_graphic() => out.push(c as u8),
            c => return Err(format!("{c:?} in a printf format")),
        }
    }
    Ok(out)
}

/// Reads a single-quoted run (after its opening quote) up to the closing quote; the text.
fn single_quoted(line: &str, at: &mut usize) -> Result<String, String> {
    let rest = &line[*at..];
    let end = rest.find('\'').ok_or("unbalanced single quote")?;
    *at += end + 1;
    Ok(rest[..end].to_string())
}

/// A single-quoted printf format, `'\''` joins included, starting at `at` (on its quote).
fn format_arg(line: &str, at: &mut usize) -> Result<String, String> {
    let mut format = String::new();
    loop {
        if !line[*at..].starts_with('\'') {
            return Err(format!("expected a quoted format at {}", *at));
        }
        *at += 1;
        format.push_str(&single_quoted(line, at)?);
        if line[*at..].starts_with("\\''") {
            format.push('\'');
            *at += 2;
        } else {
            return Ok(format);
        }
    }
}

/// Splits one command line into its words as the shell would see them (the output of
/// `"$(printf ...)"` in place), and the bytes piped into curl, or says what a shell would take
/// differently.
#[allow(clippy::type_complexity)]
fn words(line: &str) -> Result<(Vec<Vec<u8>>, Option<Vec<u8>>), String> {
    let mut at = 0;
    let mut out = Vec::new();
    let mut piped = None;
    if let Some(rest) = line.strip_prefix("printf ") {
        at = line.len() - rest.len();
        piped = Some(printf(&format_arg(line, &mut at)?)?);
        if !line[at..].starts_with(" | curl ") {
            return Err("printf is not piped into curl".into());
        }
        at += 3;
    }
    while at < line.len() {
        let mut word = Vec::new();
        let mut quoted = false;
        loop {
            let Some(c) = line[at..].chars().next() else {
                break;
            };
            match c {
                ' ' => break,
                '\'' => {
                    at += 1;
                    word.extend_from_slice(single_quoted(line, &mut at)?.as_bytes());
                    quoted = true;
                }
                '\\' if line[at..].starts_with("\\'") => {
                    word.push(b'\'');
                    at += 2;
                }
                '"' => {
                    let rest = &line[at..];
                    let inner = rest
                        .strip_prefix("\"$(printf ")
                        .ok_or_else(|| format!("double quotes hold {rest:?}"))?;
                    at += rest.len() - inner.len();
                    let printed = printf(&format_arg(line, &mut at)?)?;
                    if !line[at..].starts_with(")\"") {
                        return Err("unterminated $(printf".into());
                    }
                    at += 2;
                    // The shell drops a command substitution's NULs and final newlines.
                    if printed.contains(&0) || printed.ends_with(b"\n") {
                        return Err(format!("$(printf) cannot give {printed:?}"));
                    }
                    word.extend_from_slice(&printed);
                    quoted = true;
                }
                c if bare(c) => {
                    word.push(c as u8);
                    at += 1;
                }
                c => return Err(format!("{c:?} unquoted at {at}")),
            }
        }
        if word.is_empty() && !quoted {
            return Err(format!("two spaces at {at}"));
        }
        out.push(word);
        at += 1;
    }
    Ok((out, piped))
}

fn check_curl(script: &[u8], requests: usize) {
    let script = std::str::from_utf8(script).expect("the curl script is UTF-8");
    let lines: Vec<&str> = script.lines().collect();
    assert!(script.ends_with('\n'));
    assert_eq!(lines.len(), requests + 2, "{script}");
    assert_eq!(lines[0], "#!/bin/sh");
    assert!(lines[1].starts_with("# "));
    for line in &lines[2..] {
        let (words, piped) = words(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(
            words.first().map(Vec::as_slice),
            Some(&b"curl"[..]),
            "{line}"
        );
        let url = words.last().map(Vec::as_slice).unwrap_or_default();
        assert!(url.starts_with(b"http://"), "the URL is not last: {line}");
        // A body is piped in exactly when curl is told to read it from its input.
        let stdin = words
            .windows(2)
            .any(|w| w[0] == b"--data-binary" && w[1] == b"@-");
        assert_eq!(stdin, piped.is_some(), "{line}");
        // Options and their values, in order: `-X -H` is the method "-H" (a token may start
        // with '-'), not a header.
        let mut at = 0;
        while at + 1 < words.len() {
            if words[at] == b"-H" {
                let header = &words[at + 1];
                assert!(
                    header.contains(&b':') || header.ends_with(b";"),
                    "a header without ':' or ';': {line}"
                );
            }
            at += if matches!(&words[at][..], b"-H" | b"-X") {
                2
            } else {
                1
            };
        }
    }
}

fn check_text(out: &[u8], request: &[u8], response: &[u8]) {
    let head = b"\n==============\nListen Port: 9090\nTarget Host: target.test\nTarget Port: 8080\n==== Request ====\n";
    let mut expected = head.to_vec();
    expected.extend_from_slice(request);
    expected.extend_from_slice(b"==== Response ====\n");
    expected.extend_from_slice(response);
    expected.extend_from_slice(b"\n==============\n");
    assert_eq!(out, expected);
}

fuzz_target!(|data: &[u8]| {
    let [flags, split, rest @ ..] = data else {
        return;
    };
    let (server, rest) = match rest.strip_prefix(b"@") {
        Some(line) => {
            let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
            let text = String::from_utf8_lossy(&line[..end]);
            let server = text.parse::<HostPort>().ok().map(|h| h.to_string());
            (server, line.get(end + 1..).unwrap_or_default())
        }
        None => (None, rest),
    };
    let server = server.unwrap_or_else(|| {
        ["target.test:8080", "127.0.0.1:80", "[::1]:3128", "::1", "h"][usize::from(flags & 3)]
            .to_string()
    });
    let (request, response) = rest.split_at(usize::from(*split) * rest.len() / 256);

    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut tracker = Tracker::new();
    let step = u64::from(flags >> 4) * 1_000;
    tracker.feed(Direction::ClientToServer, request, T + step, &mut exchanges);
    tracker.feed(
        Direction::ServerToClient,
        response,
        T + 2 * step,
        &mut exchanges,
    );
    tracker.finish(&mut exchanges);

    let ip: Option<IpAddr> = match flags & 0x0c {
        0 => None,
        4 => Some("127.0.0.1".parse().unwrap()),
        8 => Some("::ffff:10.0.0.1".parse().unwrap()),
        _ => Some("2001:db8::1".parse().unwrap()),
    };
    let conn = HarConnection {
        id: 7,
        server_ip: ip,
        server: &server,
        accepted_at: T,
        connected_at: (flags & 0x40 != 0).then_some(T + step / 2),
        tls: flags & 0x80 != 0,
        secured_at: (flags & 0x80 != 0).then_some(T + step / 2 + 1),
    };
    let messages: Vec<(&[u8], &[u8])> = exchanges
        .iter()
        .map(|e| {
            let res = e
                .response
                .as_ref()
                .map_or(&[][..], |r| slice(response, r.start, r.end));
            (slice(request, e.request.start, e.request.end), res)
        })
        .collect();
    let entries: Vec<HarEntry<'_>> = exchanges
        .iter()
        .zip(&messages)
        .enumerate()
        .map(|(i, (exchange, (req, res)))| HarEntry {
            conn: &conn,
            exchange,
            first_of_connection: i == 0,
            request: req,
            response: res,
            messages: &[],
            changed: &[],
        })
        .collect();
    let mut har = Vec::new();
    write_har(&mut har, &entries, "fuzz").expect("HAR written to memory");
    let json: serde_json::Value = serde_json::from_slice(&har).expect("the HAR file is JSON");
    let written = json["log"]["entries"].as_array().map_or(0, Vec::len);
    // An exchange without a method (an HTTP/2 stream whose request head was not seen) is left out.
    let with_method = exchanges.iter().filter(|e| !e.method.is_empty()).count();
    assert_eq!(written, with_method);
    match read_har(&har) {
        Ok(back) => assert_eq!(back.len(), with_method),
        Err(e) => panic!(
            "our own HAR does not read back: {e}\n{}",
            String::from_utf8_lossy(&har)
        ),
    }

    let requests: Vec<CurlRequest<'_>> = exchanges
        .iter()
        .zip(&messages)
        .map(|(exchange, (req, _))| CurlRequest {
            exchange,
            request: req,
            server: &server,
            tls: false,
        })
        .collect();
    let mut script = Vec::new();
    write_curl_script(&mut script, &requests).expect("curl written to memory");
    check_curl(&script, requests.len());

    let mut text = Vec::new();
    let entry = TextEntry {
        listen_port: 9090,
        target_host: "target.test",
        target_port: 8080,
        request,
        response,
    };
    write_entry(&mut text, entry).expect("text written to memory");
    check_text(&text, request, response);
});
