//! Saving connections: a TCPMon session file, or Apache TCPMon 1.0 text for old habits and
//! scripts. Shared by the CLI (`--save`) and the desktop app (Save).

use crate::atomic_file::{file_error, folder_of, write_atomically};
use crate::error::Result;
use crate::record::{ConnId, Direction};
use crate::session;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tcpmon_inspect::export::tcpmon_text::{TextEntry, write_entry};

/// A file format connections can be saved in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Self-contained, reopenable (`docs/session-format.md`).
    Session,
    /// Apache TCPMon 1.0 "Save" text.
    Text,
}

impl Format {
    /// The format a file name asks for: `.txt` is text, anything else a session.
    pub fn from_path(path: &Path) -> Self {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
        {
            Format::Text
        } else {
            Format::Session
        }
    }
}

/// Writes `ids` from `store` to `path`; returns how many were written.
pub fn save(store: &Store, ids: &[ConnId], path: &Path, format: Format) -> Result<usize> {
    match format {
        Format::Session => session::save(store, ids, path),
        Format::Text => save_text(store, ids, path),
    }
}

/// Apache TCPMon text; connections removed meanwhile are skipped.
fn save_text(store: &Store, ids: &[ConnId], path: &Path) -> Result<usize> {
    write_atomically(path, |out| {
        let mut written = 0;
        for &id in ids {
            let Some(record) = store.record(id) else {
                continue;
            };
            let (host, port) = record
                .target
                .as_ref()
                .map_or(("", 0), |t| (t.host.as_str(), t.port));
            let entry = TextEntry {
                listen_port: record.listen_port,
                target_host: host,
                target_port: port,
                request: store.reader(id, Direction::ClientToServer),
                response: store.reader(id, Direction::ServerToClient),
            };
            write_entry(out, entry).map_err(|e| file_error(path, e))?;
            written += 1;
        }
        Ok(written)
    })
}

/// Fails now, not after hours of capture, when `path` could not be written later.
pub fn check_writable(path: &Path) -> Result<()> {
    let dir = folder_of(path);
    let fail = |reason: String| Err(file_error(path, reason));
    if !dir.is_dir() {
        return fail(format!("folder {} does not exist", dir.display()));
    }
    if path.is_dir() {
        return fail("it is a folder".into());
    }
    if let Err(e) = tempfile::tempfile_in(dir) {
        return fail(format!("folder is not writable ({e})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_picks_the_format() {
        assert_eq!(Format::from_path(Path::new("a/capture.TXT")), Format::Text);
        assert_eq!(
            Format::from_path(Path::new("capture.tcpmon")),
            Format::Session
        );
        assert_eq!(Format::from_path(Path::new("capture")), Format::Session);
    }

    #[test]
    fn unwritable_places_are_found_before_saving() {
        assert!(
            check_writable(Path::new("/no/such/folder/x.tcpmon"))
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(
            check_writable(dir.path())
                .unwrap_err()
                .to_string()
                .contains("is a folder")
        );
        assert!(check_writable(&dir.path().join("ok.txt")).is_ok());
    }
}
