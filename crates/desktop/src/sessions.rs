//! Session (and HAR) files opened for viewing, each with an id the window names it by.

use crate::error::{CommandError, ErrorKind};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tcpmon_files::session::{self, Session};

/// The open sessions.
#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<u64, Arc<Session>>>,
    next: AtomicU64,
}

impl Sessions {
    /// Opens a session or HAR file; returns its id and the session.
    pub fn open(&self, path: &Path) -> Result<(u64, Arc<Session>), CommandError> {
        let opened = Arc::new(session::open_any(path)?);
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.lock().insert(id, opened.clone());
        Ok((id, opened))
    }

    /// An open session.
    pub fn get(&self, id: u64) -> Result<Arc<Session>, CommandError> {
        self.lock()
            .get(&id)
            .cloned()
            .ok_or_else(|| CommandError::new(ErrorKind::NotFound, format!("no open session {id}")))
    }

    /// Forgets a session (its file stays).
    pub fn close(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Session>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}
