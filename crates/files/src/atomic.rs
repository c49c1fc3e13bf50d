//! Files written whole or not at all: a temp file beside the target, synced, renamed over it,
//! and the folder synced, so a crash, a power cut or an error never leaves half a file under
//! the chosen name. Sessions, exports and the app's settings all go through [`write_file`].

use crate::error::{Error, FileRole, Result};
use std::io::{BufWriter, Write};
use std::path::Path;
use tempfile::NamedTempFile;

/// The folder a file goes in (`.` for a bare file name).
pub fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
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

/// [`write_file`] with this crate's errors for a file of `role`.
pub(crate) fn write_atomically<T>(
    path: &Path,
    role: FileRole,
    write: impl FnOnce(&mut BufWriter<NamedTempFile>) -> Result<T>,
) -> Result<T> {
    write_file(path, |e| Error::file(role, path, e), write)
}

/// Fails now, not after hours of capture, when `path` could not be written later.
pub fn check_writable(path: &Path, role: FileRole) -> Result<()> {
    let dir = folder_of(path);
    let fail = |reason: String| Err(Error::file(role, path, reason));
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
    fn unwritable_places_are_found_before_saving() {
        let role = FileRole::Har;
        let err = check_writable(Path::new("/no/such/folder/x.har"), role).unwrap_err();
        assert_eq!(
            err.to_string(),
            "HAR file /no/such/folder/x.har: folder /no/such/folder does not exist"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = check_writable(dir.path(), role).unwrap_err().to_string();
        assert!(err.contains("is a folder"), "{err}");
        assert!(check_writable(&dir.path().join("ok.har"), role).is_ok());
    }
}
