//! Files written whole or not at all: a temp file beside the target, synced, then renamed over
//! it, so a crash or an error never leaves half a file under the chosen name.

use crate::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::Path;
use tempfile::NamedTempFile;

/// The folder a file goes in (`.` for a bare file name).
pub(crate) fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The error for a file that cannot be written or read.
pub(crate) fn file_error(path: &Path, reason: impl ToString) -> Error {
    Error::Session {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Runs `write` on a buffered temp file beside `path`, then makes it `path`.
pub(crate) fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<NamedTempFile>) -> Result<T>,
) -> Result<T> {
    let failed = |e: std::io::Error| file_error(path, e);
    let mut out = BufWriter::new(NamedTempFile::new_in(folder_of(path)).map_err(failed)?);
    let value = write(&mut out)?;
    out.flush().map_err(failed)?;
    let temp = out.into_inner().map_err(|e| failed(e.into_error()))?;
    temp.as_file().sync_all().map_err(failed)?;
    temp.persist(path).map_err(|e| failed(e.error))?;
    Ok(value)
}
