//! The capture store: every recorded byte goes to an append-only log file; RAM holds only the
//! connection records and, per connection and direction, an index of where its chunks lie.
//!
//! Pumps append under one short lock (a memcpy into a pending buffer); a writer thread moves the
//! pending buffer to the file every few milliseconds, so the relay never waits for the disk
//! unless the disk falls far behind. Readers get byte ranges per connection and direction at
//! any time, also while the connection is live. The store knows nothing of sockets or events.
//!
//! The log is a session file as it grows: a metadata record when a connection is accepted and
//! whenever its record changes (connect, close), a removal record when it is removed, its bytes
//! within [`FLUSH_EVERY`]. A process killed at any moment leaves a file that opens as a session
//! with everything captured until shortly before (`tcpmon_files::session::open` finds the exchanges
//! again in the bytes). Space is reserved ahead ([`capture_file::Reserve`]), so a full disk or
//! the capture limit stops recording before bytes are accepted, visibly: the connections that
//! lose bytes are marked truncated with the reason, and relaying goes on.

use crate::capture_file::{self, Reserve};
use crate::error::{Error, Result};
use crate::log_format::{self, RECORD_HEADER_LEN, RecordHeader, RecordKind, ServerSidePrefix};
use crate::record::{
    ConnId, ConnectionRecord, Direction, ExchangePatch, Micros, RULE_EVENTS_KEPT, ServerSide,
    now_micros,
};
use rustix::fs::Advice;
use std::collections::HashSet;
use std::fs::File;
use std::num::NonZeroU64;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tcpmon_inspect::exchange::{Exchange, Piece, Tracker};

/// Default per-connection, per-direction recording cap: generous, but a runaway stream cannot
/// fill the disk.
pub const DEFAULT_CAPTURE_CAP: u64 = 4 << 30;

/// The writer is woken early once this much is pending.
const WAKE_AT: usize = 256 << 10;
/// Past this much pending, the appender writes itself: memory stays bounded if the disk lags.
const WRITE_THROUGH_AT: usize = 8 << 20;
/// Idle flush period: captured bytes reach the file within this time.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// Each flush asks the kernel to drop the cached pages of this much of the log's end.
const DROP_WINDOW: u64 = 64 << 20;
/// Largest payload of one record.
const MAX_RECORD: usize = 1 << 30;
/// Settled exchanges are packed once this many have gathered: packing costs a little per
/// call, and a short connection's few exchanges are packed when it ends.
const SETTLE_BATCH: usize = 16;
/// Default free space kept on the capture's disk: recording stops below it.
pub const DEFAULT_KEEP_FREE: u64 = 1 << 30;

/// Where a live store keeps its log.
#[derive(Debug, Clone)]
pub enum LogPlace {
    /// An unnamed temp file in this folder (or the system's temp folder), gone with the
    /// process: for imports and tests, which need no recovery.
    Anonymous(Option<PathBuf>),
    /// A named, locked log in this capture folder (see [`capture_file`]), left behind by a
    /// crash for recovery; whoever ends the capture cleanly removes it.
    Named(PathBuf),
    /// A named, locked log at exactly this path: a session file written once, as it happens.
    At(PathBuf),
}

/// How much a store records.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes recorded per connection and direction.
    pub per_stream: u64,
    /// Most bytes the log may hold (removed connections' bytes not counted); `None`: no limit.
    pub total: Option<u64>,
    /// Recording stops while the disk has less than this free (0: until it is full).
    pub keep_free: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_stream: DEFAULT_CAPTURE_CAP,
            total: None,
            keep_free: DEFAULT_KEEP_FREE,
        }
    }
}

impl Limits {
    /// Records everything, as long as the disk takes it (imports, tests).
    pub fn unlimited() -> Self {
        Self {
            per_stream: u64::MAX,
            total: None,
            keep_free: 0,
        }
    }
}

/// Where one recorded chunk lies (24 bytes: a busy keep-alive connection has two per
/// request). When it was captured is in its record header in the file, read when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRef {
    /// Position of its first byte in the direction's stream.
    pub stream_offset: u64,
    /// Position of its payload in the file.
    pub file_offset: u64,
    /// Payload length.
    pub len: u32,
}

impl ChunkRef {
    /// Position just past its last byte in the direction's stream.
    pub fn stream_end(&self) -> u64 {
        self.stream_offset + u64::from(self.len)
    }
}

/// Where the server's side of a changed message lies (see
/// [`RecordKind::ServerSide`](crate::log_format::RecordKind::ServerSide)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideRef {
    /// The exchange, from 0.
    pub exchange: u32,
    /// The message's direction.
    pub dir: Direction,
    /// Whether the body follows the head (else the capture's body is the message's).
    pub whole: bool,
    /// Position of the message's first byte in the file (after the payload's prefix).
    pub file_offset: u64,
    /// The message's length.
    pub len: u32,
}

struct Entry {
    record: ConnectionRecord,
    chunks: [Vec<ChunkRef>; 2],
    /// Server sides of the messages TCPMon changed.
    sides: Vec<SideRef>,
    recorded: [u64; 2],
    /// Bytes were counted since progress was last taken.
    dirty: bool,
    /// Finds the HTTP exchanges in the recorded bytes while the connection lives and may
    /// still turn out to be HTTP.
    tracker: Option<Box<Tracker>>,
    /// The lowest exchange index changed since progress was last taken.
    changed: Option<usize>,
}

impl Entry {
    fn new(record: ConnectionRecord) -> Self {
        Self {
            record,
            chunks: [Vec::new(), Vec::new()],
            sides: Vec::new(),
            recorded: [0, 0],
            dirty: false,
            tracker: Some(Box::default()),
            changed: None,
        }
    }

    /// Looks for exchanges in recorded bytes, and packs away those the tracker is done with.
    fn track(&mut self, dir: Direction, data: &[u8], at: Micros) {
        let Some(tracker) = &mut self.tracker else {
            return;
        };
        let list = &mut self.record.exchanges;
        tracker.feed(dir, data, at, list.live_mut());
        let settled = tracker.settled(list.live_mut());
        let packed = list.packed_len();
        if let Some(from) = tracker.take_changed() {
            self.changed = Some(self.changed.map_or(packed + from, |c| c.min(packed + from)));
        }
        if settled >= SETTLE_BATCH {
            list.settle(settled);
            tracker.rebase(settled);
        }
        if tracker.is_raw() {
            self.tracker = None;
        }
    }

    /// The connection ended: the tracker finishes its last messages, and every exchange is
    /// packed.
    fn finish_tracking(&mut self) {
        let list = &mut self.record.exchanges;
        if let Some(mut tracker) = self.tracker.take() {
            tracker.finish(list.live_mut());
            if let Some(from) = tracker.take_changed() {
                let from = list.packed_len() + from;
                self.changed = Some(self.changed.map_or(from, |c| c.min(from)));
            }
        }
        let live = list.live_mut().len();
        list.settle(live);
        list.shrink_to_fit();
    }

    /// Stops recording `d` for good (the tracker cannot follow a gap), saying why.
    fn truncate(&mut self, d: usize, reason: String) {
        self.record.truncated[d] = true;
        if self.tracker.take().is_some() {
            if let Some(last) = self.record.exchanges.last_mut() {
                last.add_note(format!("recording stopped: {reason}"));
            }
        }
        self.record.truncation.get_or_insert(reason);
    }

    /// The exchanges that changed since the last call.
    fn take_patch(&mut self) -> Option<ExchangePatch> {
        let from = self.changed.take()?;
        Some(ExchangePatch::of(&self.record.exchanges, from))
    }
}

/// Entries sorted by id: a connection costs its entry and nothing more (a B-tree filled in
/// id order leaves its nodes half empty), lookups are a binary search, and ids arrive almost
/// in order, so inserting is a push.
#[derive(Default)]
struct Entries(Vec<Entry>);

impl Entries {
    fn position(&self, id: ConnId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |e| e.record.id)
    }

    fn get(&self, id: &ConnId) -> Option<&Entry> {
        self.position(*id).ok().map(|i| &self.0[i])
    }

    fn get_mut(&mut self, id: &ConnId) -> Option<&mut Entry> {
        self.position(*id).ok().map(|i| &mut self.0[i])
    }

    fn insert(&mut self, entry: Entry) {
        match self.position(entry.record.id) {
            Ok(i) => self.0[i] = entry,
            Err(i) => self.0.insert(i, entry),
        }
    }

    /// Removes the entries of `ids` in one pass; returns those that were there.
    fn remove(&mut self, ids: &[ConnId]) -> Vec<Entry> {
        let wanted: HashSet<ConnId> = ids.iter().copied().collect();
        let (removed, kept) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|e| wanted.contains(&e.record.id));
        self.0 = kept;
        removed
    }

    fn values(&self) -> impl Iterator<Item = &Entry> {
        self.0.iter()
    }
}

struct State {
    entries: Entries,
    /// Connections whose byte counts changed since progress was last taken.
    dirty: Vec<ConnId>,
    /// Bytes appended but not yet written; they start at file offset `pending_base`.
    pending: Vec<u8>,
    /// A cleared buffer to swap in, so steady traffic does not allocate.
    spare: Vec<u8>,
    pending_base: u64,
    closing: bool,
    write_error: Option<String>,
    /// Space reserved for the log on disk.
    reserve: Reserve,
    /// Bytes of the log that belong to connections still in the store.
    kept: u64,
    /// Why recording is stopped, while it is.
    stopped: Option<String>,
    limits: Limits,
}

impl State {
    fn new(entries: Entries, end: u64, limits: Limits) -> Self {
        Self {
            entries,
            dirty: Vec::new(),
            pending: Vec::new(),
            spare: Vec::new(),
            pending_base: end,
            closing: false,
            write_error: None,
            reserve: Reserve::default(),
            kept: end,
            stopped: None,
            limits,
        }
    }

    fn end(&self) -> u64 {
        self.pending_base + self.pending.len() as u64
    }

    /// Whether `len` more bytes may go to the log; when not, recording stops with the reason.
    fn admit(&mut self, file: &File, len: u64) -> bool {
        if self.stopped.is_none() {
            self.stopped = match self.limits.total {
                Some(total) if self.kept + len > total => Some(format!(
                    "the capture limit of {} was reached",
                    bytesize::ByteSize(total).display().iec()
                )),
                _ => self.write_error.clone(),
            };
        }
        if self.stopped.is_none() {
            let end = self.end() + len;
            let keep_free = Some(self.limits.keep_free).filter(|&k| k > 0);
            self.stopped = self.reserve.ensure(file, end, keep_free).err();
        }
        self.stopped.is_none()
    }

    /// Whether recording, once stopped, may resume: the capture and the disk have room for a
    /// good amount more (not just the next few bytes, or it would resume and stop again at
    /// once, announcing both).
    fn has_room(&self, file: &File) -> bool {
        let under_limit = self.limits.total.is_none_or(|total| {
            let margin = (total / 16).clamp(64 << 10, 64 << 20);
            self.kept.saturating_add(margin) <= total
        });
        let free =
            rustix::fs::fstatvfs(file).map_or(u64::MAX, |s| s.f_bavail.saturating_mul(s.f_frsize));
        under_limit && free > self.limits.keep_free.saturating_add(1 << 20)
    }

    /// Whether a small record that keeps the log truthful (a record's change, a removal) can
    /// go to the log: past the limits too, as long as the disk takes it.
    fn admit_essential(&mut self, file: &File, len: u64) -> bool {
        self.write_error.is_none() && self.reserve.ensure(file, self.end() + len, None).is_ok()
    }

    /// Appends a record whose payload is `parts`, one after the other, to the pending buffer
    /// (already admitted).
    fn push_record(&mut self, kind: RecordKind, conn: ConnId, at: Micros, parts: &[&[u8]]) -> u64 {
        let header_at = self.end();
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let header = RecordHeader {
            kind,
            len: len as u32,
            conn,
            at,
        };
        self.pending.extend_from_slice(&header.encode());
        for part in parts {
            self.pending.extend_from_slice(part);
        }
        self.kept += (RECORD_HEADER_LEN + len) as u64;
        header_at + RECORD_HEADER_LEN as u64
    }
}

struct Shared {
    file: File,
    /// The log's path when it is a named file.
    path: Option<PathBuf>,
    state: Mutex<State>,
    wake: Condvar,
    /// Held while a pending buffer is on its way to the file.
    flushing: Mutex<()>,
    /// File bytes before this offset can be read back with `pread`.
    durable: AtomicU64,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the index usable: every update is one push.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn flush(&self) -> Result<()> {
        let _flushing = self.flushing.lock().unwrap_or_else(|p| p.into_inner());
        let (mut buf, base) = {
            let mut st = self.state();
            if st.pending.is_empty() {
                return Ok(());
            }
            let spare = std::mem::take(&mut st.spare);
            let buf = std::mem::replace(&mut st.pending, spare);
            let base = st.pending_base;
            st.pending_base += buf.len() as u64;
            (buf, base)
        };
        let written = self.file.write_all_at(&buf, base);
        let end = base + buf.len() as u64;
        buf.clear();
        let mut st = self.state();
        // Keep one buffer of any size the steady state reaches, so it is not regrown each time.
        if st.spare.capacity() == 0 && buf.capacity() <= 2 * WRITE_THROUGH_AT {
            st.spare = buf;
        }
        match written {
            Ok(()) => {
                self.durable.store(end, Ordering::Release);
                drop(st);
                // Ask the kernel to write recent pages out and drop the ones already written:
                // a capture read back rarely is not worth gigabytes of page cache, and pages
                // freed and reused are much cheaper to write than new ones.
                let window = end.saturating_sub(base).max(DROP_WINDOW);
                let _ = rustix::fs::fadvise(
                    &self.file,
                    end.saturating_sub(window),
                    NonZeroU64::new(window),
                    Advice::DontNeed,
                );
                Ok(())
            }
            Err(e) => {
                st.write_error = Some(e.to_string());
                Err(Error::Capture(e))
            }
        }
    }

    fn run_writer(&self) {
        loop {
            let st = self.state();
            let (st, _) = self
                .wake
                .wait_timeout_while(st, FLUSH_EVERY, |s| !s.closing && s.pending.len() < WAKE_AT)
                .unwrap_or_else(|p| p.into_inner());
            let closing = st.closing;
            drop(st);
            // A failed write is remembered in `write_error`; recording stops, relaying goes on.
            let _ = self.flush();
            if closing {
                return;
            }
        }
    }
}

/// Connection records and their captured bytes, indexed in RAM and stored in a log file.
pub struct Store {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

impl Store {
    /// A live store whose log is at `place`, recording within `limits`.
    pub fn live(place: LogPlace, limits: Limits) -> Result<Self> {
        let (file, path) = match place {
            LogPlace::Anonymous(Some(dir)) => {
                std::fs::create_dir_all(&dir).map_err(Error::Capture)?;
                (tempfile::tempfile_in(dir).map_err(Error::Capture)?, None)
            }
            LogPlace::Anonymous(None) => (tempfile::tempfile().map_err(Error::Capture)?, None),
            LogPlace::Named(dir) => {
                let (file, path) = capture_file::create_named(&dir).map_err(Error::Capture)?;
                (file, Some(path))
            }
            LogPlace::At(path) => (
                capture_file::create_at(&path).map_err(Error::Capture)?,
                Some(path),
            ),
        };
        file.write_all_at(&log_format::file_header(), 0)
            .map_err(Error::Capture)?;
        let state = State::new(Entries::default(), log_format::FILE_HEADER_LEN, limits);
        let shared = Arc::new(Shared {
            file,
            path,
            state: Mutex::new(state),
            wake: Condvar::new(),
            flushing: Mutex::new(()),
            durable: AtomicU64::new(log_format::FILE_HEADER_LEN),
        });
        let writer = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("tcpmon-capture".into())
                .spawn(move || shared.run_writer())
                .map_err(Error::Capture)?
        };
        Ok(Self {
            shared,
            writer: Some(writer),
        })
    }

    /// A read-only store over a log file that is already complete (an opened session): the
    /// records and, per direction, where their chunks lie, as a reader of the file found them.
    pub fn read_only(
        file: File,
        end: u64,
        entries: Vec<(ConnectionRecord, [Vec<ChunkRef>; 2], Vec<SideRef>)>,
    ) -> Self {
        let mut sorted = Entries::default();
        for (record, chunks, sides) in entries {
            let recorded = [0, 1].map(|d| chunks[d].last().map_or(0, ChunkRef::stream_end));
            sorted.insert(Entry {
                record,
                chunks,
                sides,
                recorded,
                dirty: false,
                tracker: None,
                changed: None,
            });
        }
        let mut state = State::new(sorted, end, Limits::unlimited());
        state.closing = true;
        let shared = Arc::new(Shared {
            file,
            path: None,
            state: Mutex::new(state),
            wake: Condvar::new(),
            flushing: Mutex::new(()),
            durable: AtomicU64::new(end),
        });
        Self {
            shared,
            writer: None,
        }
    }

    /// The log's path, when it is a named file (a crash leaves it for recovery).
    pub fn log_path(&self) -> Option<&Path> {
        self.shared.path.as_deref()
    }

    /// Removes a named log's file at a clean end, when nothing is to keep it: a crash skips
    /// this and leaves the log for recovery. The store stays readable (the file is open).
    pub fn discard_log(&self) -> Result<()> {
        match &self.shared.path {
            Some(path) => std::fs::remove_file(path).map_err(Error::Capture),
            None => Ok(()),
        }
    }

    /// Changes the capture limit and the free space kept on the disk; recording resumes at
    /// once when they allow it.
    pub fn set_limits(&self, total: Option<u64>, keep_free: u64) {
        let mut st = self.shared.state();
        st.limits.total = total;
        st.limits.keep_free = keep_free;
        if st.write_error.is_none() {
            st.stopped = None;
        }
    }

    /// Why recording is stopped (the capture limit, a full disk), while it is.
    pub fn recording_stopped(&self) -> Option<String> {
        self.shared.state().stopped.clone()
    }

    /// Writes everything pending to the log and asks the disk to keep it.
    pub fn sync(&self) -> Result<()> {
        self.shared.flush()?;
        self.shared.file.sync_data().map_err(Error::Capture)
    }

    /// Adds a connection record. Recording that stopped resumes for it when there is room
    /// again (the limit freed by removals, the disk by someone else).
    pub fn insert(&self, record: ConnectionRecord) {
        let mut guard = self.shared.state();
        let st = &mut *guard;
        if st.stopped.is_some() && st.write_error.is_none() && st.has_room(&self.shared.file) {
            st.stopped = None;
        }
        let id = record.id;
        st.entries.insert(Entry::new(record));
        self.log_meta(st, id);
    }

    /// Appends the connection's record (without its exchanges, which the bytes hold) to the
    /// log, when there is room.
    fn log_meta(&self, st: &mut State, id: ConnId) {
        let Some(entry) = st.entries.get_mut(&id).filter(|_| self.writer.is_some()) else {
            return;
        };
        let exchanges = std::mem::take(&mut entry.record.exchanges);
        let meta = log_format::meta_json(&entry.record);
        entry.record.exchanges = exchanges;
        let Ok(meta) = meta else {
            return;
        };
        let len = (RECORD_HEADER_LEN + meta.len()) as u64;
        if st.admit_essential(&self.shared.file, len) {
            st.push_record(RecordKind::Meta, id, now_micros(), &[&meta]);
        }
    }

    /// Changes a record and returns the new version (`None` if it was removed meanwhile).
    pub fn update(
        &self,
        id: ConnId,
        change: impl FnOnce(&mut ConnectionRecord),
    ) -> Option<ConnectionRecord> {
        self.change(id, change, true)
    }

    /// Changes a record that no watcher needs to hear of now (a counter): no event, no copy,
    /// and the capture log gets it with the record's next logged change or its end.
    /// `None` when the record is gone.
    pub(crate) fn update_quietly<T>(
        &self,
        id: ConnId,
        change: impl FnOnce(&mut ConnectionRecord) -> T,
    ) -> Option<T> {
        let mut state = self.shared.state();
        state.entries.get_mut(&id).map(|e| change(&mut e.record))
    }

    /// As [`Store::update`], without writing the record to the capture log now: its next
    /// logged change, or its end, carries this one too.
    pub(crate) fn update_unlogged(
        &self,
        id: ConnId,
        change: impl FnOnce(&mut ConnectionRecord),
    ) -> Option<ConnectionRecord> {
        self.change(id, change, false)
    }

    fn change(
        &self,
        id: ConnId,
        change: impl FnOnce(&mut ConnectionRecord),
        log: bool,
    ) -> Option<ConnectionRecord> {
        let mut guard = self.shared.state();
        let st = &mut *guard;
        let entry = st.entries.get_mut(&id)?;
        change(&mut entry.record);
        if entry.record.state.is_finished() {
            entry.finish_tracking();
            // A finished connection's index no longer grows: give back the spare capacity,
            // which for 100,000 short connections is most of their index memory.
            entry.chunks.iter_mut().for_each(Vec::shrink_to_fit);
        }
        let record = entry.record.clone();
        if log || record.state.is_finished() {
            self.log_meta(st, id);
        }
        Some(record)
    }

    /// The connection's CONNECT tunnel carries HTTP again from here (TCPMon decrypts it): the
    /// bytes recorded next are parsed as new exchanges.
    #[cfg(feature = "tls")]
    pub(crate) fn resume_http(&self, id: ConnId) {
        let mut guard = self.shared.state();
        if let Some(entry) = guard.entries.get_mut(&id) {
            let live = entry.record.exchanges.live_mut().len();
            if let Some(tracker) = &mut entry.tracker {
                tracker.resume_http(live);
            }
        }
    }

    /// Counts `data` as relayed in `dir` and records it (up to the cap).
    pub(crate) fn append(&self, id: ConnId, dir: Direction, data: &[u8]) {
        self.append_at(id, dir, data, now_micros());
    }

    /// Records `data` as relayed in `dir`, captured at `at`: how an import (a HAR file) builds a
    /// store at its own times. The relay's own path is `append`, at the current time.
    pub fn append_at(&self, id: ConnId, dir: Direction, data: &[u8], at: Micros) {
        if data.is_empty() {
            return;
        }
        let d = dir.index();
        let mut guard = self.shared.state();
        let st = &mut *guard;
        let Some(entry) = st.entries.get_mut(&id) else {
            return;
        };
        entry.record.bytes[d] += data.len() as u64;
        if !entry.dirty {
            entry.dirty = true;
            st.dirty.push(id);
        }
        if entry.record.truncated[d] {
            return;
        }
        let per_stream = st.limits.per_stream;
        let room = per_stream.saturating_sub(entry.recorded[d]);
        let keep = &data[..data.len().min(usize::try_from(room).unwrap_or(usize::MAX))];
        let len = (keep.len() + keep.len().div_ceil(MAX_RECORD) * RECORD_HEADER_LEN) as u64;
        let mut stop = None;
        if st.admit(&self.shared.file, len) {
            self.keep_bytes(st, id, dir, keep, at);
        } else {
            stop = st.stopped.clone();
        }
        if keep.len() < data.len() {
            stop = Some(format!(
                "recording stopped at the per-connection cap of {}",
                bytesize::ByteSize(per_stream).display().iec()
            ));
        }
        if let (Some(reason), Some(entry)) = (stop, st.entries.get_mut(&id)) {
            entry.truncate(d, reason);
        }
        let pending = st.pending.len();
        drop(guard);
        if pending >= WRITE_THROUGH_AT {
            // Recording failures are kept in `write_error` and shown as truncation.
            let _ = self.shared.flush();
        } else if pending >= WAKE_AT {
            self.shared.wake.notify_one();
        }
    }

    /// Records admitted bytes: the tracker looks for exchanges in them, the log gets them.
    fn keep_bytes(&self, st: &mut State, id: ConnId, dir: Direction, data: &[u8], at: Micros) {
        let d = dir.index();
        if let Some(entry) = st.entries.get_mut(&id) {
            entry.track(dir, data, at);
        }
        for piece in data.chunks(MAX_RECORD) {
            let file_offset = st.push_record(RecordKind::Data(dir), id, at, &[piece]);
            let Some(entry) = st.entries.get_mut(&id) else {
                return;
            };
            entry.chunks[d].push(ChunkRef {
                stream_offset: entry.recorded[d],
                file_offset,
                len: piece.len() as u32,
            });
            entry.recorded[d] += piece.len() as u64;
        }
    }

    /// Keeps the server's side of message `dir` of `exchange`, which TCPMon changed: `message`
    /// whole, or (`whole` false) its head, the body having gone on as the capture has it.
    /// Listed on the record (its first [`RULE_EVENTS_KEPT`]): whether it was (so watchers
    /// need the record again); not kept at all while recording is stopped.
    pub(crate) fn keep_server_side(
        &self,
        id: ConnId,
        exchange: usize,
        dir: Direction,
        message: &[u8],
        whole: bool,
    ) -> bool {
        let mut guard = self.shared.state();
        let st = &mut *guard;
        let prefix = ServerSidePrefix {
            exchange: exchange as u32,
            whole,
        };
        let len = (RECORD_HEADER_LEN + ServerSidePrefix::LEN + message.len()) as u64;
        if st.entries.get(&id).is_none() || !st.admit(&self.shared.file, len) {
            return false;
        }
        let parts: [&[u8]; 2] = [&prefix.encode(), message];
        let at = st.push_record(RecordKind::ServerSide(dir), id, now_micros(), &parts);
        if let Some(entry) = st.entries.get_mut(&id) {
            entry.sides.push(SideRef {
                exchange: prefix.exchange,
                dir,
                whole,
                file_offset: at + ServerSidePrefix::LEN as u64,
                len: message.len() as u32,
            });
            if entry.record.server_side.len() < RULE_EVENTS_KEPT {
                entry.record.server_side.push(ServerSide {
                    exchange: prefix.exchange,
                    direction: dir,
                });
                return true;
            }
        }
        false
    }

    /// Where the server sides of connection `id`'s changed messages lie, in the order kept.
    pub fn server_sides(&self, id: ConnId) -> Vec<SideRef> {
        let st = self.shared.state();
        st.entries
            .get(&id)
            .map_or_else(Vec::new, |e| e.sides.clone())
    }

    /// Where the server's side of message `dir` of exchange `exchange` lies, when TCPMon
    /// changed that message (the last one kept).
    pub fn server_side(&self, id: ConnId, exchange: usize, dir: Direction) -> Option<SideRef> {
        let st = self.shared.state();
        let sides = &st.entries.get(&id)?.sides;
        (sides.iter())
            .rfind(|s| s.exchange as usize == exchange && s.dir == dir)
            .copied()
    }

    /// Where the captured body of message `dir` of exchange `exchange` lies in its stream
    /// (from, length): what follows a server side kept as its head only.
    pub fn captured_body(
        record: &ConnectionRecord,
        exchange: usize,
        dir: Direction,
    ) -> Result<(u64, u64)> {
        let found = record
            .exchanges
            .get(exchange)
            .ok_or(Error::NoSuchExchange {
                conn: record.id.0,
                index: exchange,
            })?;
        Ok(found.span(dir).map_or((0, 0), |span| {
            let from = span.head_at().saturating_add(span.head_len());
            (from, span.end.saturating_sub(from))
        }))
    }

    /// The bytes `side` points at (the head only when it is not whole).
    pub fn read_side(&self, side: &SideRef) -> Result<Vec<u8>> {
        self.read_pieces(&[(side.file_offset, side.len as usize)])
    }

    /// The server's side of message `dir` of exchange `exchange`, when TCPMon changed it: the
    /// request as the server got it, or the response as the server sent it (a message kept as
    /// its head gets the captured body after it). `None` when the message went unchanged.
    pub fn read_server_side(
        &self,
        record: &ConnectionRecord,
        exchange: usize,
        dir: Direction,
    ) -> Result<Option<Vec<u8>>> {
        let Some(side) = self.server_side(record.id, exchange, dir) else {
            return Ok(None);
        };
        let mut message = self.read_side(&side)?;
        if !side.whole {
            let (from, len) = Self::captured_body(record, exchange, dir)?;
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            message.extend_from_slice(&self.read(record.id, dir, from, len)?);
        }
        Ok(Some(message))
    }

    /// Byte counts of the connections that relayed anything since the last call, and the
    /// exchanges that changed.
    pub(crate) fn take_progress(&self) -> Vec<(ConnId, [u64; 2], Option<ExchangePatch>)> {
        let mut guard = self.shared.state();
        let st = &mut *guard;
        let ids = std::mem::take(&mut st.dirty);
        ids.into_iter()
            .filter_map(|id| {
                let entry = st.entries.get_mut(&id)?;
                entry.dirty = false;
                Some((id, entry.record.bytes, entry.take_patch()))
            })
            .collect()
    }

    /// One record.
    pub fn record(&self, id: ConnId) -> Option<ConnectionRecord> {
        self.shared
            .state()
            .entries
            .get(&id)
            .map(|e| e.record.clone())
    }

    /// All records, in accept order.
    pub fn records(&self) -> Vec<ConnectionRecord> {
        self.shared
            .state()
            .entries
            .values()
            .map(|e| e.record.clone())
            .collect()
    }

    /// Removes connections; returns those that were there.
    ///
    /// The log says so (a recovery leaves them out too) and gives the disk the space of their
    /// larger runs of records back.
    pub(crate) fn remove(&self, ids: &[ConnId]) -> Vec<ConnId> {
        // Their bytes must be in the file before its space can be given back.
        let _ = self.shared.flush();
        let mut guard = self.shared.state();
        let st = &mut *guard;
        let removed = st.entries.remove(ids);
        let durable = self.shared.durable.load(Ordering::Acquire);
        let mut records = Vec::new();
        for entry in &removed {
            for chunk in entry.chunks.iter().flatten() {
                let at = chunk.file_offset - RECORD_HEADER_LEN as u64;
                let len = RECORD_HEADER_LEN as u64 + u64::from(chunk.len);
                st.kept = st.kept.saturating_sub(len);
                if at + len <= durable {
                    records.push((at, len));
                }
            }
            let id = entry.record.id;
            if st.admit_essential(&self.shared.file, RECORD_HEADER_LEN as u64) {
                st.push_record(RecordKind::Removed, id, now_micros(), &[]);
            }
        }
        drop(guard);
        capture_file::skip_and_punch(&self.shared.file, records);
        removed.iter().map(|e| e.record.id).collect()
    }

    /// Bytes recorded in `dir` (less than relayed when truncated).
    pub fn recorded_len(&self, id: ConnId, dir: Direction) -> Result<u64> {
        let st = self.shared.state();
        let entry = st.entries.get(&id).ok_or(Error::NoSuchConnection(id.0))?;
        Ok(entry.recorded[dir.index()])
    }

    /// Up to `max` recorded bytes of one direction, starting at `offset` in that stream.
    pub fn read(&self, id: ConnId, dir: Direction, offset: u64, max: usize) -> Result<Vec<u8>> {
        let pieces: Vec<(u64, usize)> = {
            let st = self.shared.state();
            let entry = st.entries.get(&id).ok_or(Error::NoSuchConnection(id.0))?;
            let chunks = &entry.chunks[dir.index()];
            let first = chunks.partition_point(|c| c.stream_end() <= offset);
            let mut left = max;
            let mut pieces = Vec::new();
            for c in &chunks[first..] {
                if left == 0 {
                    break;
                }
                let skip = offset.saturating_sub(c.stream_offset);
                let len = (u64::from(c.len) - skip).min(left as u64) as usize;
                pieces.push((c.file_offset + skip, len));
                left -= len;
            }
            pieces
        };
        self.read_pieces(&pieces)
    }

    /// One side of a table row: exchange `row` of `record`'s connection (its message in `dir`,
    /// empty while that side has none), or the whole direction when `row` is `None`. What
    /// exports, view pages and resend read.
    pub fn read_row(
        &self,
        record: &ConnectionRecord,
        row: Option<usize>,
        dir: Direction,
    ) -> Result<Vec<u8>> {
        let Some(index) = row else {
            return self.read(record.id, dir, 0, usize::MAX);
        };
        let exchange = record.exchanges.get(index).ok_or(Error::NoSuchExchange {
            conn: record.id.0,
            index,
        })?;
        self.read_message(record.id, &exchange, dir, 0, usize::MAX)
    }

    /// Up to `max` bytes of `exchange`'s message in `dir` (of connection `id`) from `offset`
    /// in it: its span's bytes, or an HTTP/2 stream's decoded head followed by its DATA
    /// payloads from the capture. The one place that knows a message may not be contiguous.
    pub fn read_message(
        &self,
        id: ConnId,
        exchange: &Exchange,
        dir: Direction,
        offset: u64,
        max: usize,
    ) -> Result<Vec<u8>> {
        if let Some(message) = exchange.h2_message(dir) {
            let mut out = Vec::new();
            for piece in message.pieces(offset, max as u64) {
                match piece {
                    Piece::Head(range) => out.extend_from_slice(&message.head.as_bytes()[range]),
                    Piece::Capture(r) => {
                        out.extend(self.read(id, dir, r.offset, r.len as usize)?);
                    }
                }
            }
            return Ok(out);
        }
        match exchange.span(dir) {
            Some(span) => {
                let left = span.len().saturating_sub(offset);
                let len = usize::try_from(left).unwrap_or(usize::MAX).min(max);
                self.read(id, dir, span.start + offset, len)
            }
            None => Ok(Vec::new()),
        }
    }

    /// A reader over all recorded bytes of one direction, fetched a page at a time.
    pub fn reader(&self, id: ConnId, dir: Direction) -> StreamReader<'_> {
        StreamReader {
            store: self,
            id,
            dir,
            offset: 0,
        }
    }

    /// When one chunk was captured, and its bytes (read with its record header).
    pub fn read_chunk(&self, chunk: &ChunkRef) -> Result<(Micros, Vec<u8>)> {
        let header_at = chunk.file_offset - RECORD_HEADER_LEN as u64;
        let mut bytes = self.read_pieces(&[(header_at, RECORD_HEADER_LEN + chunk.len as usize)])?;
        let header: [u8; RECORD_HEADER_LEN] = bytes[..RECORD_HEADER_LEN]
            .try_into()
            .unwrap_or([0; RECORD_HEADER_LEN]);
        let at = RecordHeader::decode(&header).map_or(0, |h| h.at);
        bytes.drain(..RECORD_HEADER_LEN);
        Ok((at, bytes))
    }

    fn read_pieces(&self, pieces: &[(u64, usize)]) -> Result<Vec<u8>> {
        let end = pieces
            .iter()
            .map(|(at, len)| at + *len as u64)
            .max()
            .unwrap_or(0);
        if end > self.shared.durable.load(Ordering::Acquire) {
            self.shared.flush()?;
        }
        // After a failed write, what reached the file before it is still readable.
        if end > self.shared.durable.load(Ordering::Acquire) {
            let reason = self.shared.state().write_error.clone().unwrap_or_default();
            return Err(Error::Capture(std::io::Error::other(reason)));
        }
        let mut out = vec![0; pieces.iter().map(|p| p.1).sum()];
        let mut at = 0;
        for &(file_offset, len) in pieces {
            self.shared
                .file
                .read_exact_at(&mut out[at..at + len], file_offset)
                .map_err(Error::Capture)?;
            at += len;
        }
        Ok(out)
    }

    /// Whether `dir` of connection `id` is a WebSocket stream between messages, as recorded so
    /// far (`None`: no WebSocket followed there, or not recorded any more).
    pub(crate) fn between_websocket_messages(&self, id: ConnId, dir: Direction) -> Option<bool> {
        let st = self.shared.state();
        let tracker = st.entries.get(&id)?.tracker.as_ref()?;
        tracker.websocket_between_messages(dir)
    }

    /// Both directions' chunks of a connection, in capture order.
    pub fn chunks_in_order(&self, id: ConnId) -> Result<Vec<(Direction, ChunkRef)>> {
        self.chunks_after(id, [0, 0])
    }

    /// Both directions' chunks of a connection that hold bytes at or past `from` (a stream
    /// offset per direction, client to server first), in capture order: what a reader that
    /// follows a live connection has not read yet.
    pub fn chunks_after(&self, id: ConnId, from: [u64; 2]) -> Result<Vec<(Direction, ChunkRef)>> {
        let st = self.shared.state();
        let entry = st.entries.get(&id).ok_or(Error::NoSuchConnection(id.0))?;
        let mut all: Vec<_> = Direction::BOTH
            .iter()
            .flat_map(|&d| {
                let chunks = &entry.chunks[d.index()];
                let first = chunks.partition_point(|c| c.stream_end() <= from[d.index()]);
                chunks[first..].iter().map(move |c| (d, *c))
            })
            .collect();
        // Appends are serialised, so file order is capture order (clock steps cannot reorder).
        all.sort_by_key(|(_, c)| c.file_offset);
        Ok(all)
    }

    /// Bytes of the log that hold connections still in the store (what the capture limit
    /// counts; removed connections' larger runs are given back to the disk).
    pub fn disk_bytes(&self) -> u64 {
        self.shared.state().kept
    }
}

/// Reads one direction of a connection from the store; see [`Store::reader`].
pub struct StreamReader<'a> {
    store: &'a Store,
    id: ConnId,
    dir: Direction,
    offset: u64,
}

impl std::io::Read for StreamReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let page = self
            .store
            .read(self.id, self.dir, self.offset, buf.len().min(1 << 20))
            .map_err(std::io::Error::other)?;
        buf[..page.len()].copy_from_slice(&page);
        self.offset += page.len() as u64;
        Ok(page.len())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.shared.state().closing = true;
        self.shared.wake.notify_one();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ConnectionState, ListenerId};

    pub(crate) fn record(id: u64) -> ConnectionRecord {
        ConnectionRecord {
            state: ConnectionState::Active,
            ..ConnectionRecord::accepted(
                ConnId(id),
                ListenerId(1),
                8080,
                "127.0.0.1:5000".into(),
                None,
                now_micros(),
            )
        }
    }

    #[test]
    fn reads_any_range_back_while_and_after_writing() {
        let store = Store::live(LogPlace::Anonymous(None), Limits::unlimited()).unwrap();
        store.insert(record(1));
        store.insert(record(2));
        let mut expected = Vec::new();
        for i in 0..200u32 {
            let chunk: Vec<u8> = (0..(i % 37) + 1).map(|j| (i * 7 + j) as u8).collect();
            store.append(ConnId(1), Direction::ServerToClient, &chunk);
            store.append(ConnId(2), Direction::ServerToClient, b"interleaved");
            expected.extend_from_slice(&chunk);
        }
        for (offset, max) in [
            (0, 10),
            (5, 1000),
            (100, 3),
            (0, usize::MAX),
            (expected.len() as u64, 5),
        ] {
            let got = store
                .read(ConnId(1), Direction::ServerToClient, offset, max)
                .unwrap();
            let start = offset as usize;
            let end = expected.len().min(start.saturating_add(max));
            assert_eq!(got, expected[start..end], "offset {offset} max {max}");
        }
        assert!(
            store
                .read(ConnId(1), Direction::ClientToServer, 0, 10)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.record(ConnId(1)).unwrap().bytes,
            [0, expected.len() as u64]
        );
    }

    #[test]
    fn a_chunks_capture_time_is_read_back_from_its_record_header() {
        let store = Store::live(LogPlace::Anonymous(None), Limits::unlimited()).unwrap();
        store.insert(record(1));
        store.append_at(ConnId(1), Direction::ServerToClient, b"first", 1_000_001);
        store.append_at(ConnId(1), Direction::ServerToClient, b"second", 2_000_002);
        let times: Vec<_> = store
            .chunks_in_order(ConnId(1))
            .unwrap()
            .iter()
            .map(|(_, c)| store.read_chunk(c).unwrap())
            .collect();
        assert_eq!(
            times,
            [
                (1_000_001, b"first".to_vec()),
                (2_000_002, b"second".to_vec())
            ]
        );
    }

    #[test]
    fn cap_stops_recording_but_counts_every_byte() {
        let store = Store::live(
            LogPlace::Anonymous(None),
            Limits {
                per_stream: 10,
                ..Limits::unlimited()
            },
        )
        .unwrap();
        store.insert(record(1));
        store.append(ConnId(1), Direction::ClientToServer, b"0123456");
        store.append(ConnId(1), Direction::ClientToServer, b"789abc");
        assert_eq!(store.take_progress(), [(ConnId(1), [13, 0], None)]);
        assert!(store.take_progress().is_empty(), "nothing new since");
        assert_eq!(
            store
                .read(ConnId(1), Direction::ClientToServer, 0, 100)
                .unwrap(),
            b"0123456789"
        );
        assert_eq!(store.record(ConnId(1)).unwrap().truncated, [true, false]);
    }

    #[test]
    fn removed_connections_are_gone() {
        let store = Store::live(LogPlace::Anonymous(None), Limits::unlimited()).unwrap();
        store.insert(record(1));
        assert_eq!(store.remove(&[ConnId(1), ConnId(9)]), vec![ConnId(1)]);
        assert!(matches!(
            store.read(ConnId(1), Direction::ClientToServer, 0, 1),
            Err(Error::NoSuchConnection(1))
        ));
    }
}
