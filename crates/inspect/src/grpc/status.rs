//! How a call ended: `grpc-status`, `grpc-message` and `grpc-status-details-bin`, read from
//! HTTP/2 trailers or from a gRPC-Web trailer frame.

use base64::Engine;
use percent_encoding::percent_decode;
use thiserror::Error;

use crate::exchange::H2Stream;
use crate::http1::parse_response;

/// The names of status codes 0 to 16, as the gRPC spec spells them.
const NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// A call's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `grpc-status`.
    pub code: u32,
    /// The code's name (`OK`, `NOT_FOUND`, ...); `None` for codes the spec does not define.
    pub name: Option<&'static str>,
    /// `grpc-message`, percent-decoded (invalid UTF-8 replaced).
    pub message: Option<String>,
    /// `grpc-status-details-bin`, base64-decoded: a `google.rpc.Status` message.
    pub details: Option<Vec<u8>>,
}

impl Status {
    /// How the call an HTTP/2 stream carried ended: from its response's trailers, or from its
    /// head when the server answered with trailers only (as it does for an error before any
    /// message); `None` before either holds a `grpc-status`.
    pub fn of_h2(stream: &H2Stream) -> Result<Option<Self>, StatusError> {
        let response = &stream.response;
        let head = parse_response(response.head.as_bytes()).ok().flatten();
        let head_fields = head.into_iter().flat_map(|h| h.head.headers);
        let trailers = response
            .trailers
            .iter()
            .map(|(n, v)| (n.clone(), v.as_bytes().to_vec()));
        Self::from_trailers(head_fields.chain(trailers))
    }
}

/// Why trailers do not give a status.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StatusError {
    /// `grpc-status` is not a number.
    #[error("grpc-status {0:?} is not a number")]
    BadCode(String),
    /// `grpc-status-details-bin` is not base64.
    #[error("grpc-status-details-bin is not base64: {0}")]
    BadDetails(String),
    /// A gRPC-Web trailer line has no `:`.
    #[error("trailer line {0:?} has no colon")]
    BadLine(String),
}

/// The name of status `code`, if the spec defines it.
pub fn code_name(code: u32) -> Option<&'static str> {
    NAMES.get(usize::try_from(code).ok()?).copied()
}

impl Status {
    /// The status in trailer fields (names compared without case); `None` without `grpc-status`.
    pub fn from_trailers<N, V>(
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<Option<Self>, StatusError>
    where
        N: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let (mut code, mut message, mut details) = (None, None, None);
        for (name, value) in fields {
            let value = value.as_ref();
            match name.as_ref().to_ascii_lowercase().as_str() {
                "grpc-status" => {
                    let text = String::from_utf8_lossy(value).trim().to_owned();
                    code = Some(
                        text.parse::<u32>()
                            .map_err(|_| StatusError::BadCode(text))?,
                    );
                }
                "grpc-message" => {
                    message = Some(percent_decode(value).decode_utf8_lossy().into_owned());
                }
                "grpc-status-details-bin" => details = Some(decode_bin(value)?),
                _ => {}
            }
        }
        Ok(code.map(|code| Status {
            code,
            name: code_name(code),
            message,
            details,
        }))
    }
}

/// A `-bin` header's value: base64, padded or not (gRPC senders omit the padding).
fn decode_bin(value: &[u8]) -> Result<Vec<u8>, StatusError> {
    let trimmed: Vec<u8> = value
        .trim_ascii()
        .iter()
        .copied()
        .filter(|&b| b != b'=')
        .collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .map_err(|e| StatusError::BadDetails(e.to_string()))
}

/// A gRPC-Web trailer frame's payload: HTTP/1-style `name: value` lines, names lowercased.
pub fn parse_trailer_block(payload: &[u8]) -> Result<Vec<(String, String)>, StatusError> {
    let text = String::from_utf8_lossy(payload);
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| StatusError::BadLine(line.to_owned()))?;
            Ok((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_specs_names_and_details_decode_with_or_without_padding() {
        assert_eq!(code_name(16), Some("UNAUTHENTICATED"));
        assert_eq!(code_name(17), None);
        let fields = [
            ("Grpc-Status", "7"),
            ("grpc-status-details-bin", "CAcSAm5v"),
        ];
        let status = Status::from_trailers(fields)
            .expect("valid")
            .expect("status");
        assert_eq!(status.name, Some("PERMISSION_DENIED"));
        assert_eq!(status.details.as_deref(), Some(&b"\x08\x07\x12\x02no"[..]));
        let unpadded = [("grpc-status", "0"), ("grpc-status-details-bin", "CAc")];
        let status = Status::from_trailers(unpadded)
            .expect("valid")
            .expect("status");
        assert_eq!(status.details.as_deref(), Some(&b"\x08\x07"[..]));
        let bad = Status::from_trailers([("grpc-status", "ok")]);
        assert_eq!(bad, Err(StatusError::BadCode("ok".into())));
        assert_eq!(Status::from_trailers([("te", "trailers")]), Ok(None));
        let line = parse_trailer_block(b"grpc-status 0\r\n");
        assert_eq!(line, Err(StatusError::BadLine("grpc-status 0".into())));
    }
}
