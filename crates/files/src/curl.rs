//! curl scripts: one command per picked exchange that sends its request again.

use crate::atomic::write_atomically;
use crate::error::{Error, FileRole, Result};
use crate::rows::load_exchanges;
use crate::save::Pick;
use std::path::Path;
use tcpmon_inspect::formats::curl::{CurlRequest, write_curl_script};
use tcpmon_relay::Store;

/// Writes the picked exchanges' requests to `path` as a curl script; returns how many.
pub fn save(store: &Store, pick: Pick<'_>, path: &Path) -> Result<usize> {
    let loaded = load_exchanges(store, pick)?;
    let requests: Vec<CurlRequest<'_>> = loaded
        .iter()
        .map(|l| CurlRequest {
            exchange: &l.exchange,
            request: &l.request,
            server: &l.server,
            tls: l.record.target_tls.is_some(),
        })
        .collect();
    write_atomically(path, FileRole::Curl, |out| {
        write_curl_script(out, &requests).map_err(|e| Error::file(FileRole::Curl, path, e))?;
        Ok(requests.len())
    })
}
