//! Resend: the request a Resend button sends again, read from the capture and, when the
//! window edited it, made consistent (the capture's line ends, a fitting Content-Length).

use crate::error::CommandError;
use tcpmon_inspect::edit::edited_request;
use tcpmon_relay::{ConnId, Direction, Error, Store};

/// The bytes to resend for connection `id`: exchange `exchange`'s request (the whole request
/// side when `None`), or `edited` text in its place.
pub fn request(
    store: &Store,
    id: ConnId,
    exchange: Option<usize>,
    edited: Option<&str>,
) -> Result<Vec<u8>, CommandError> {
    let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
    let captured = store.read_row(&record, exchange, Direction::ClientToServer)?;
    Ok(match edited {
        Some(text) => edited_request(&captured, text),
        None => captured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::captured;

    #[tokio::test]
    async fn an_exchange_or_the_whole_side_is_resent_and_edits_keep_the_framing() {
        let requests = b"GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
        let (engine, id) = captured(requests, b"HTTP/1.1 204 No Content\r\n\r\n".repeat(2)).await;
        let store = engine.store();
        assert_eq!(request(store, id, None, None).unwrap(), requests);
        assert_eq!(
            request(store, id, Some(1), None).unwrap(),
            b"POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
        );
        let edited = request(
            store,
            id,
            Some(1),
            Some("POST /b HTTP/1.1\nContent-Length: 2\n\nhello"),
        )
        .unwrap();
        assert_eq!(
            edited,
            b"POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
        );
        let missing = request(store, id, Some(9), None).unwrap_err();
        assert_eq!(
            missing.message,
            format!("connection {id} has no exchange 9")
        );
    }
}
