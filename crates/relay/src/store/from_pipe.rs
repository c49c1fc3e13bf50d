//! Bytes recorded straight from a pipe (Linux): the bulk fast path ([`crate::splice`]) moves a
//! raw connection's bytes from its socket into a pipe and from there into the log with
//! `splice`, so they never pass through user space; the relay then sends them on from the
//! log's pages.
//!
//! The bytes go to the log at once, by the caller, not through the pending buffer: under the
//! store's lock the record's place is claimed (the pending bytes before it are taken along),
//! then, holding the flush lock as the writer thread does, both are written. Readers that find
//! the chunk before it is in the file wait on that lock, as they wait for any flush.

use super::{ChunkRef, DROP_WINDOW, MAX_RECORD, Store};
use crate::log_format::{RECORD_HEADER_LEN, RecordHeader, RecordKind};
use crate::record::{ConnId, Direction, now_micros};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::FileExt;
use std::sync::atomic::Ordering;

/// Where bytes moved from a pipe landed in the log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Landed {
    /// The file offset of their first byte.
    pub file_offset: u64,
    /// How many are there: all that were asked for, unless writing the log failed (the rest
    /// is still in the pipe, and the direction is recorded as truncated from there).
    pub len: usize,
}

impl Store {
    /// Whether connection `id` is relayed raw for good: no tracker looks at its bytes, so they
    /// may bypass user space.
    pub(crate) fn untracked(&self, id: ConnId) -> bool {
        let st = self.shared.state();
        st.entries.get(&id).is_some_and(|e| e.tracker.is_none())
    }

    /// How many recorded bytes took the kernel's fast path, never passing through TCPMon's
    /// memory: tests and diagnostics say whether it is in use.
    pub fn bytes_spliced(&self) -> u64 {
        self.shared.spliced.load(Ordering::Relaxed)
    }

    /// The log file, to send recorded bytes on from.
    pub(crate) fn log_fd(&self) -> BorrowedFd<'_> {
        self.shared.file.as_fd()
    }

    /// Records the `len` bytes waiting in `pipe` as relayed in `dir` of raw connection `id`,
    /// moving them into the log. `None`, with nothing moved or counted, unless every one of
    /// them is to be recorded (the connection raw, under its cap and the capture's limits):
    /// the caller then takes them the ordinary way, which says why recording stops.
    pub(crate) fn append_from_pipe(
        &self,
        id: ConnId,
        dir: Direction,
        pipe: BorrowedFd<'_>,
        len: usize,
    ) -> Option<Landed> {
        let d = dir.index();
        let at = now_micros();
        let _flushing = self
            .shared
            .flushing
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let (mut before, base, payload_at) = {
            let mut guard = self.shared.state();
            let st = &mut *guard;
            let entry = st.entries.get(&id)?;
            let room = st.limits.per_stream.saturating_sub(entry.recorded[d]);
            let fits = entry.tracker.is_none() && !entry.record.truncated[d] && room >= len as u64;
            if !fits || len == 0 || len > MAX_RECORD {
                return None;
            }
            if !st.admit(&self.shared.file, (RECORD_HEADER_LEN + len) as u64) {
                return None;
            }
            let header = RecordHeader {
                kind: RecordKind::Data(dir),
                len: len as u32,
                conn: id,
                at,
            };
            let spare = std::mem::take(&mut st.spare);
            let mut before = std::mem::replace(&mut st.pending, spare);
            let base = st.pending_base;
            before.extend_from_slice(&header.encode());
            let payload_at = base + before.len() as u64;
            st.pending_base = payload_at + len as u64;
            st.kept += (RECORD_HEADER_LEN + len) as u64;
            let entry = st.entries.get_mut(&id)?;
            entry.record.bytes[d] += len as u64;
            entry.chunks[d].push(ChunkRef {
                stream_offset: entry.recorded[d],
                file_offset: payload_at,
                len: len as u32,
            });
            entry.recorded[d] += len as u64;
            if !entry.dirty {
                entry.dirty = true;
                st.dirty.push(id);
            }
            (before, base, payload_at)
        };
        let written = self
            .shared
            .file
            .write_all_at(&before, base)
            .map_err(|e| (0, e))
            .and_then(|()| self.splice_in(pipe, payload_at, len));
        before.clear();
        let mut st = self.shared.state();
        if st.spare.capacity() == 0 {
            st.spare = before;
        }
        let end = payload_at + len as u64;
        let moved = match written {
            Ok(()) => {
                self.shared.durable.store(end, Ordering::Release);
                self.shared.spliced.fetch_add(len as u64, Ordering::Relaxed);
                len
            }
            Err((moved, e)) => {
                // As after a failed flush: what follows in the log cannot be read back.
                st.write_error = Some(e.to_string());
                let reason = format!("writing the capture failed: {e}");
                if let Some(entry) = st.entries.get_mut(&id) {
                    if let Some(chunk) = entry.chunks[d].last_mut() {
                        chunk.len = moved as u32;
                    }
                    entry.recorded[d] -= (len - moved) as u64;
                    entry.truncate(d, reason);
                }
                moved
            }
        };
        drop(st);
        if base / DROP_WINDOW != end / DROP_WINDOW {
            self.shared.drop_cached(base, end);
        }
        Some(Landed {
            file_offset: payload_at,
            len: moved,
        })
    }

    /// Moves `len` bytes from `pipe` to the log at `at`; on failure, how many got there.
    fn splice_in(
        &self,
        pipe: BorrowedFd<'_>,
        at: u64,
        len: usize,
    ) -> Result<(), (usize, std::io::Error)> {
        let mut offset = at;
        let mut moved = 0;
        while moved < len {
            let io = |e: std::io::Error| (moved, e);
            let flags = rustix::pipe::SpliceFlags::MOVE;
            match rustix::pipe::splice(
                pipe,
                None,
                &self.shared.file,
                Some(&mut offset),
                len - moved,
                flags,
            ) {
                Ok(0) => return Err(io(std::io::ErrorKind::UnexpectedEof.into())),
                Ok(n) => moved += n,
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(io(e.into())),
            }
        }
        Ok(())
    }
}
