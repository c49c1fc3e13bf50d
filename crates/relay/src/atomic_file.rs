//! Files written whole or not at all: a temp file beside the target, synced, renamed over it,
//! and the folder synced, so a crash, a power cut or an error never leaves half a file under
//! the chosen name. Sessions, exports and the app's settings all go through [`write_file`].

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

/// Runs `write` on a buffered temp file beside `path`, then makes it `path`; I/O errors are
/// turned into the caller's errors by `failed`.
pub fn write_file<T, E>(
    path: &Path,
    failed: impl Fn(std::io::Error) -> E,
    write: impl FnOnce(&mut BufWriter<NamedTempFile>) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let folder = folder_of(path);
    let mut out = BufWriter::new(NamedTempFile::new_in(folder).map_err(&failed)?);
    let value = write(&mut out)?;
    out.flush().map_err(&failed)?;
    let temp = out.into_inner().map_err(|e| failed(e.into_error()))?;
    temp.as_file().sync_all().map_err(&failed)?;
    temp.persist(path).map_err(|e| failed(e.error))?;
    // The rename is a change of the folder: without this, a power cut may forget it.
    std::fs::File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(&failed)?;
    Ok(value)
}

/// [`write_file`] with the errors of session files and exports.
pub(crate) fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<NamedTempFile>) -> Result<T>,
) -> Result<T> {
    write_file(path, |e| file_error(path, e), write)
}
