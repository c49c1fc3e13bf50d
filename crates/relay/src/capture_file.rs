//! The capture log as a file: where it lives, how it is locked so that a running capture is
//! never taken for one left by a crash, how space is reserved ahead of the bytes (so a full
//! disk is found before bytes are accepted, never after), and how removed connections give
//! their space back.
//!
//! A named log is `captures/<time>-<pid>.tcpmon` in the capture folder (mode 0700), the file
//! mode 0600 (decrypted or private traffic lands here), locked with `flock` for as long as its
//! process lives: a log nobody holds a lock on was left by a process that ended without
//! cleaning up, and can be recovered.

use rustix::fs::{FallocateFlags, FlockOperation};
use rustix::io::Errno;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The extension of capture logs and session files.
pub const EXTENSION: &str = "tcpmon";
/// Space is reserved in steps of this much: one `fallocate` per step, not per write.
const RESERVE_STEP: u64 = 64 << 20;

/// The folder below the capture folder that holds the named logs.
pub fn logs_folder(capture_dir: &Path) -> PathBuf {
    capture_dir.join("captures")
}

/// A new, locked log in `capture_dir`'s logs folder, named for the time and the process.
pub(crate) fn create_named(capture_dir: &Path) -> std::io::Result<(File, PathBuf)> {
    let folder = logs_folder(capture_dir);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&folder)?;
    let stamp = humane_stamp(SystemTime::now());
    let pid = std::process::id();
    // A process may start several engines within a second (the app's tests do): never share.
    for n in 0u32.. {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = folder.join(format!("{stamp}-{pid}{suffix}.{EXTENSION}"));
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match opened {
            Ok(file) => {
                rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive)?;
                return Ok((file, path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free capture log name"))
}

/// A new, locked log at `path` (a session file the user named), replacing what was there,
/// unless another TCPMon is writing it.
pub(crate) fn create_at(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive).map_err(|_| {
        std::io::Error::other(format!(
            "{} is being written by another TCPMon",
            path.display()
        ))
    })?;
    file.set_len(0)?;
    Ok(file)
}

/// `2026-12-06T01-02-03`: sorts by time and is a valid file name everywhere.
fn humane_stamp(at: SystemTime) -> String {
    let at = at.max(SystemTime::UNIX_EPOCH);
    let stamp = humantime::format_rfc3339_seconds(at).to_string();
    stamp.trim_end_matches('Z').replace(':', "-")
}

/// Space on disk for the log, reserved ahead of its end.
#[derive(Default)]
pub(crate) struct Reserve {
    /// File bytes before this offset have space allocated.
    end: u64,
}

impl Reserve {
    /// Makes sure the file has space up to `end`, leaving at least `keep_free` bytes free on
    /// the disk when asked to; the error says why recording must stop. Called with the
    /// store's lock held, about once per step.
    pub(crate) fn ensure(
        &mut self,
        file: &File,
        end: u64,
        keep_free: Option<u64>,
    ) -> Result<(), String> {
        if end <= self.end {
            return Ok(());
        }
        let need = end - self.end;
        if let Some(keep_free) = keep_free {
            let free = rustix::fs::fstatvfs(file)
                .map(|s| s.f_bavail.saturating_mul(s.f_frsize))
                .unwrap_or(u64::MAX);
            if free < keep_free.saturating_add(need) {
                return Err(format!(
                    "less than {} free on the capture's disk",
                    bytesize::ByteSize(keep_free).display().iec()
                ));
            }
        }
        // A whole step when the disk has it and the caller counts free space, else just what
        // is needed now.
        let step = if keep_free.is_some() {
            need.max(RESERVE_STEP)
        } else {
            need
        };
        let grown = match allocate(file, self.end, step) {
            Ok(()) => step,
            // No reservations on this file system: writes will tell.
            Err(Errno::OPNOTSUPP) => need,
            Err(_) => {
                allocate(file, self.end, need)
                    .map_err(|e| format!("the capture's disk is full ({e})"))?;
                need
            }
        };
        self.end += grown;
        Ok(())
    }
}

fn allocate(file: &File, at: u64, len: u64) -> rustix::io::Result<()> {
    rustix::fs::fallocate(file, FallocateFlags::KEEP_SIZE, at, len)
}

/// Gives the space of removed records back to the disk. `records` are (offset, length) of
/// whole records in the file, already written; runs of adjacent ones become one `Skip`
/// record whose payload is a punched hole. Runs too short to free a block are left alone.
/// Best effort: a file system without hole punching keeps the space, nothing else changes.
pub(crate) fn skip_and_punch(file: &File, mut records: Vec<(u64, u64)>) {
    use crate::log_format::{RECORD_HEADER_LEN, RecordHeader, RecordKind};
    use std::os::unix::fs::FileExt;
    records.sort_unstable();
    let header = RECORD_HEADER_LEN as u64;
    // A payload length is a u32: runs stop growing before that (one record is at most 1 GiB).
    let most = u64::from(u32::MAX);
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for (at, len) in records {
        match runs.last_mut() {
            Some(run) if run.0 + run.1 == at && run.1 + len <= most => run.1 += len,
            _ => runs.push((at, len)),
        }
    }
    for (at, len) in runs {
        if len < header + PUNCH_AT_LEAST {
            continue;
        }
        let skip = RecordHeader {
            kind: RecordKind::Skip,
            len: (len - header) as u32,
            conn: crate::record::ConnId(0),
            at: 0,
        };
        if file.write_all_at(&skip.encode(), at).is_err() {
            return;
        }
        let _ = rustix::fs::fallocate(
            file,
            FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
            at + header,
            len - header,
        );
    }
}

/// Runs shorter than this are not worth a hole: they would free no whole block.
const PUNCH_AT_LEAST: u64 = 8 << 10;

/// A log left behind by a process that ended without cleaning up (a crash, a kill).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftLog {
    /// Its path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written.
    pub modified: SystemTime,
}

/// The logs in `capture_dir` that no running TCPMon holds, oldest first.
pub fn left_logs(capture_dir: &Path) -> std::io::Result<Vec<LeftLog>> {
    let folder = logs_folder(capture_dir);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut left = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        // Taken at once: nobody holds it. The lock goes with `file` at the end of the loop.
        if rustix::fs::flock(&file, FlockOperation::NonBlockingLockShared).is_err() {
            continue;
        }
        let Ok(meta) = file.metadata() else { continue };
        left.push(LeftLog {
            path,
            size: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        });
    }
    left.sort_by(|a, b| (a.modified, &a.path).cmp(&(b.modified, &b.path)));
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn stamps_are_calendar_times() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_526_123);
        assert_eq!(humane_stamp(at), "2026-12-06T03-02-03");
        assert_eq!(humane_stamp(SystemTime::UNIX_EPOCH), "1970-01-01T00-00-00");
    }

    #[test]
    fn a_named_log_is_private_and_held_while_open() {
        let dir = tempfile::tempdir().unwrap();
        let (file, path) = create_named(dir.path()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(left_logs(dir.path()).unwrap(), [], "held by this process");
        let (second, other) = create_named(dir.path()).unwrap();
        assert_ne!(path, other, "two logs in one second never share a name");
        drop(file);
        let left = left_logs(dir.path()).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].path, path);
        assert!(create_at(&other).is_err(), "held by its writer");
        drop(second);
    }
}
