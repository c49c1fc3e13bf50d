//! Which way bytes travel: the one type every crate uses for a side of a connection.

use serde::{Deserialize, Serialize};

/// Which way bytes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Direction {
    /// From the client, towards the target: the request side.
    ClientToServer,
    /// From the target, towards the client: the response side.
    ServerToClient,
}

impl Direction {
    /// Both directions, request side first.
    pub const BOTH: [Direction; 2] = [Direction::ClientToServer, Direction::ServerToClient];

    /// 0 for client-to-server, 1 for server-to-client: an index into per-direction arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}
