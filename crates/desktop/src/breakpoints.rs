//! The paused-message editor: a message a breakpoint holds, as text a person edits, and the
//! text they send back made into bytes the engine forwards (the head's CRLF line ends, the
//! body as typed; the engine sets `Content-Length`). A binary body, or one the rules did not
//! hold, is left out of the text and goes on as it came.

use crate::error::{CommandError, ErrorKind};
use serde::{Deserialize, Serialize};
use tcpmon_inspect::edit::edited_request;
use tcpmon_inspect::http1::head_len;
use tcpmon_inspect::view::raw;
use tcpmon_relay::{PausedContent, PausedMessage, Resolution};

/// A paused message as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PausedView {
    /// What the list knows of it.
    pub message: PausedMessage,
    /// Its head and, when the body is text, the body, with LF line ends.
    pub text: String,
    /// Why the body is not in `text` (it then goes on as it came), if it is not.
    pub body_kept: Option<String>,
}

/// What the user chose in the editor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Decision {
    /// Send it on: as shown (`edited` none, or the text unchanged) or as edited.
    Continue {
        /// The editor's text.
        edited: Option<String>,
    },
    /// Close the client's connection.
    Drop,
    /// Answer with this response (head and body, as text) instead.
    Respond {
        /// The response.
        response: String,
    },
}

/// Whether `body` can be edited as text and come back byte for byte when it is not changed.
fn is_text(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| {
        !text
            .bytes()
            .any(|b| b == 0x7f || b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    })
}

/// The message the editor's text stands for: the head, and the body when it is text.
fn shown(content: &PausedContent) -> (Vec<u8>, Option<String>) {
    let mut bytes = content.head.clone();
    match &content.body {
        Some(body) if is_text(body) => {
            bytes.extend_from_slice(body);
            (bytes, None)
        }
        Some(body) => (
            bytes,
            Some(format!(
                "binary body of {} bytes: goes on as it came (Respond can replace it)",
                body.len()
            )),
        ),
        None => (
            bytes,
            Some("the body was not held (larger than 16 MiB, or it ends with the connection): it goes on as it came".into()),
        ),
    }
}

/// The editor's view of a paused message.
pub fn view(content: &PausedContent) -> PausedView {
    let (bytes, body_kept) = shown(content);
    PausedView {
        message: content.message.clone(),
        text: raw::render(&bytes).0,
        body_kept,
    }
}

/// What the engine does for `decision` on `content`.
pub fn resolution(content: &PausedContent, decision: Decision) -> Result<Resolution, CommandError> {
    Ok(match decision {
        Decision::Drop => Resolution::Drop,
        Decision::Continue { edited: None } => Resolution::Unchanged,
        Decision::Continue { edited: Some(text) } => {
            let (original, body_kept) = shown(content);
            let bytes = edited_request(&original, &text);
            if bytes == original {
                return Ok(Resolution::Unchanged);
            }
            let (head, body) = split(bytes)?;
            Resolution::Edited {
                head,
                body: body_kept.is_none().then_some(body),
            }
        }
        Decision::Respond { response } => {
            let text = response.replace("\r\n", "\n");
            let (head, body) = match text.find("\n\n") {
                Some(at) => (&text[..at + 2], &text[at + 2..]),
                None => (text.as_str(), ""),
            };
            let mut bytes = head
                .trim_end_matches('\n')
                .replace('\n', "\r\n")
                .into_bytes();
            bytes.extend_from_slice(b"\r\n\r\n");
            bytes.extend_from_slice(body.as_bytes());
            let (head, body) = split(bytes)?;
            Resolution::Respond { head, body }
        }
    })
}

/// Most bytes "Load from file..." reads into the Respond text.
const RESPONSE_FILE_MAX: u64 = 16 << 20;

/// "Load from file...": a whole response (a file starting with `HTTP/`) or a body, as the
/// Respond text (a body gets a `200 OK` head to edit).
pub fn response_file(path: &std::path::Path) -> Result<String, CommandError> {
    let io = |e: std::io::Error| {
        CommandError::new(
            ErrorKind::Io,
            format!("cannot read {}: {e}", path.display()),
        )
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > RESPONSE_FILE_MAX {
        let message = format!(
            "{} holds {len} bytes; a response typed here holds at most {RESPONSE_FILE_MAX}",
            path.display()
        );
        return Err(CommandError::new(ErrorKind::InvalidInput, message).on("paused"));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        let message = format!(
            "{} is not text (UTF-8): a response typed here is text",
            path.display()
        );
        CommandError::new(ErrorKind::InvalidInput, message).on("paused")
    })?;
    Ok(if text.starts_with("HTTP/") {
        text
    } else {
        format!("HTTP/1.1 200 OK\n\n{text}")
    })
}

/// A message's head and body; refused when it has no head that parses.
fn split(mut bytes: Vec<u8>) -> Result<(Vec<u8>, Vec<u8>), CommandError> {
    let len = head_len(&bytes);
    if len == 0 {
        let message = "the text does not start with an HTTP head: a request or status line, headers, then a blank line";
        return Err(CommandError::new(ErrorKind::InvalidInput, message).on("paused"));
    }
    let body = bytes.split_off(len);
    Ok((bytes, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::{ConnId, ListenerId, PauseId, PausedPhase};

    fn content(head: &str, body: Option<&[u8]>) -> PausedContent {
        PausedContent {
            message: PausedMessage {
                id: PauseId(1),
                listener: ListenerId(1),
                connection: ConnId(1),
                exchange: 0,
                phase: PausedPhase::Request,
                rule: 1,
                summary: String::new(),
                since: 0,
                body_held: body.is_some(),
            },
            head: head.into(),
            body: body.map(<[u8]>::to_vec),
        }
    }

    #[test]
    fn the_editor_text_comes_back_as_the_message_it_stands_for() {
        let paused = content("POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n", Some(b"hi"));
        let shown = view(&paused);
        assert_eq!(shown.text, "POST /a HTTP/1.1\nContent-Length: 2\n\nhi");
        assert_eq!(shown.body_kept, None);
        let same = Decision::Continue {
            edited: Some(shown.text.clone()),
        };
        assert_eq!(resolution(&paused, same).unwrap(), Resolution::Unchanged);
        let edited = Decision::Continue {
            edited: Some("POST /b HTTP/1.1\nContent-Length: 2\nX-A: 1\n\nhello".into()),
        };
        assert_eq!(
            resolution(&paused, edited).unwrap(),
            Resolution::Edited {
                head: b"POST /b HTTP/1.1\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n".to_vec(),
                body: Some(b"hello".to_vec()),
            }
        );
    }

    #[test]
    fn a_binary_or_unheld_body_stays_out_of_the_text_and_goes_as_it_came() {
        let binary = content("POST / HTTP/1.1\r\n\r\n", Some(&[0, 159, 146, 150]));
        let shown = view(&binary);
        assert_eq!(shown.text, "POST / HTTP/1.1\n\n");
        assert!(shown.body_kept.unwrap().contains("binary body of 4 bytes"));
        let edited = Decision::Continue {
            edited: Some("PUT / HTTP/1.1\n\n".into()),
        };
        assert_eq!(
            resolution(&binary, edited).unwrap(),
            Resolution::Edited {
                head: b"PUT / HTTP/1.1\r\n\r\n".to_vec(),
                body: None,
            }
        );
        let unheld = view(&content("GET / HTTP/1.1\r\n\r\n", None));
        assert!(unheld.body_kept.unwrap().contains("not held"));
    }

    #[test]
    fn a_response_file_is_a_whole_response_or_a_body() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.http");
        std::fs::write(&whole, "HTTP/1.1 503 Busy\n\nlater").unwrap();
        assert_eq!(response_file(&whole).unwrap(), "HTTP/1.1 503 Busy\n\nlater");
        let body = dir.path().join("body.json");
        std::fs::write(&body, "{}").unwrap();
        assert_eq!(response_file(&body).unwrap(), "HTTP/1.1 200 OK\n\n{}");
        let binary = dir.path().join("b.bin");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert!(
            response_file(&binary)
                .unwrap_err()
                .message
                .contains("not text")
        );
        let missing = response_file(&dir.path().join("none")).unwrap_err();
        assert_eq!(missing.kind, ErrorKind::Io);
    }

    #[test]
    fn a_typed_response_gets_crlf_in_its_head_and_a_missing_blank_line() {
        let paused = content("GET / HTTP/1.1\r\n\r\n", Some(b""));
        let respond = |text: &str| {
            resolution(
                &paused,
                Decision::Respond {
                    response: text.into(),
                },
            )
        };
        assert_eq!(
            respond("HTTP/1.1 404 Not Found\nX-A: 1\n\nnot\nhere").unwrap(),
            Resolution::Respond {
                head: b"HTTP/1.1 404 Not Found\r\nX-A: 1\r\n\r\n".to_vec(),
                body: b"not\nhere".to_vec(),
            }
        );
        assert_eq!(
            respond("HTTP/1.1 204 No Content").unwrap(),
            Resolution::Respond {
                head: b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
                body: Vec::new(),
            }
        );
        let wrong = respond("hello").unwrap_err();
        assert_eq!(wrong.field, Some("paused"));
        assert_eq!(
            resolution(&paused, Decision::Drop).unwrap(),
            Resolution::Drop
        );
    }
}
