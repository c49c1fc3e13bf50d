//! Compare: two exchanges, their requests and their responses, as texts a person compares
//! (heads less the headers to ignore, bodies decoded and indented) and side by side for the
//! window's Compare view. `tcpmon-cli diff` reads the same texts.

use crate::error::CommandError;
use serde::{Deserialize, Serialize};
use tcpmon_inspect::diff::{self, Rows, comparable, side_by_side};
use tcpmon_relay::{ConnId, Direction, Error, Store};

/// How two exchanges are compared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "CompareOptions"))]
pub struct Options {
    /// Headers left out on both sides (`Date`, `Set-Cookie`), any case.
    pub ignore_headers: Vec<String>,
    /// Bodies as they were sent: decoded, not indented.
    pub raw: bool,
    /// JSON objects with their keys sorted: key order is no difference.
    pub ignore_key_order: bool,
}

impl From<&Options> for diff::Options {
    fn from(o: &Options) -> Self {
        Self {
            ignore_headers: o.ignore_headers.clone(),
            raw: o.raw,
            ignore_key_order: o.ignore_key_order,
        }
    }
}

/// Two exchanges side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comparison {
    /// The requests.
    pub request: Rows,
    /// The responses.
    pub response: Rows,
}

/// Exchange `index` of connection `id` as the two texts a comparison reads: its request and
/// its response.
pub fn texts(
    store: &Store,
    id: ConnId,
    index: usize,
    options: &diff::Options,
) -> Result<[String; 2], Error> {
    let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
    let exchange = record
        .exchanges
        .get(index)
        .ok_or(Error::NoSuchExchange { conn: id.0, index })?;
    let text = |dir| -> Result<String, Error> {
        let message = store.read_message(id, &exchange, dir, 0, usize::MAX)?;
        Ok(comparable(&message, &exchange.method, options))
    };
    Ok([
        text(Direction::ClientToServer)?,
        text(Direction::ServerToClient)?,
    ])
}

/// Exchanges `a` and `b` (connection, exchange index) side by side.
pub fn compare(
    store: &Store,
    a: (ConnId, usize),
    b: (ConnId, usize),
    options: &Options,
) -> Result<Comparison, CommandError> {
    let options = diff::Options::from(options);
    let [a_request, a_response] = texts(store, a.0, a.1, &options)?;
    let [b_request, b_response] = texts(store, b.0, b.1, &options)?;
    Ok(Comparison {
        request: side_by_side(&a_request, &b_request),
        response: side_by_side(&a_response, &b_response),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::captured;
    use tcpmon_inspect::diff::RowKind;

    #[tokio::test]
    async fn two_exchanges_side_by_side_with_headers_ignored() {
        let requests = b"GET /a HTTP/1.1\r\nDate: 1\r\n\r\nGET /b HTTP/1.1\r\nDate: 2\r\n\r\n";
        let responses = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"n\":1}HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"n\":1}";
        let (engine, id) = captured(requests, responses.to_vec()).await;
        let options = Options {
            ignore_headers: vec!["date".into()],
            ..Options::default()
        };
        let compared = compare(engine.store(), (id, 0), (id, 1), &options).unwrap();
        assert!(compared.response.same, "{compared:?}");
        assert!(!compared.request.same);
        assert_eq!(compared.request.rows[0].kind, RowKind::Changed);
        assert_eq!(compared.request.rows.len(), 1, "the Date lines left out");
        let missing = compare(engine.store(), (id, 0), (id, 7), &options).unwrap_err();
        assert!(
            missing.message.contains("no exchange 7"),
            "{}",
            missing.message
        );
    }
}
