//! Opening a capture file for the subcommands that read one.

use anyhow::Result;
use std::path::Path;
use tcpmon_files::session::{self, Session};

/// Opens a TCPMon session or HAR file; what the reader noticed (a file cut short, records it
/// does not know) goes to stderr, since the rest is still worth reading.
pub fn open(path: &Path) -> Result<Session> {
    let opened = session::open_any(path)?;
    if let Some(note) = &opened.note {
        eprintln!("{}: {note}", path.display());
    }
    Ok(opened)
}
