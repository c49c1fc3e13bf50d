//! `--save FILE`: a TCPMon session file, or Apache TCPMon text when the name ends in `.txt`.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use tcpmon_inspect::export::tcpmon_text::{TextEntry, write_entry};
use tcpmon_relay::{ConnId, Direction, Store, session};

fn is_text(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// Fails now, not after hours of capture, when the file could not be written.
pub fn check_writable(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        bail!(
            "cannot save to {}: folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    if path.is_dir() {
        bail!("cannot save to {}: it is a folder", path.display());
    }
    tempfile::tempfile_in(dir)
        .with_context(|| format!("cannot save to {}: folder is not writable", path.display()))?;
    Ok(())
}

/// Writes the connections to `path` in the format its name asks for.
pub fn save(store: &Store, ids: &[ConnId], path: &Path) -> Result<()> {
    if !is_text(path) {
        session::save(store, ids, path)?;
        return Ok(());
    }
    let failed = || format!("cannot write {}", path.display());
    let mut out = BufWriter::new(File::create(path).with_context(failed)?);
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
        write_entry(&mut out, entry).with_context(failed)?;
    }
    out.flush().with_context(failed)
}
