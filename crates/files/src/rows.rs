//! The rows a [`Pick`] names, with the bytes each side of them holds: what text, HAR and curl
//! exports are written from.

use crate::error::Result;
use crate::save::Pick;
use std::rc::Rc;
use tcpmon_inspect::exchange::Exchange;
use tcpmon_relay::{ConnectionRecord, Direction, Store};

/// `host:port` the connection went to, as HAR and curl name the server.
pub(crate) fn server(record: &ConnectionRecord) -> String {
    record
        .target
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The picked exchanges with both sides' bytes (raw rows have no place in HAR or curl).
pub(crate) struct Loaded {
    pub(crate) record: Rc<ConnectionRecord>,
    pub(crate) index: usize,
    pub(crate) exchange: Exchange,
    pub(crate) server: String,
    pub(crate) request: Vec<u8>,
    pub(crate) response: Vec<u8>,
}

pub(crate) fn load_exchanges(store: &Store, pick: Pick<'_>) -> Result<Vec<Loaded>> {
    pick.rows(store)
        .into_iter()
        .filter_map(|(record, row)| {
            let index = row?;
            let exchange = record.exchanges.get(index)?;
            Some((record, index, exchange))
        })
        .map(|(record, index, exchange)| {
            Ok(Loaded {
                exchange,
                request: store.read_row(&record, Some(index), Direction::ClientToServer)?,
                response: store.read_row(&record, Some(index), Direction::ServerToClient)?,
                server: server(&record),
                record,
                index,
            })
        })
        .collect()
}
