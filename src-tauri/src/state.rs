//! What the commands share: the engine, the open sessions, and what the app was started with.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use tcpmon_desktop::error::{CommandError, ErrorKind};
use tcpmon_desktop::messages::MessageLists;
use tcpmon_desktop::sessions::Sessions;
use tcpmon_files::session::Session;
use tcpmon_inspect::protobuf::Schema;
use tcpmon_relay::{Engine, EngineOptions, ListenerConfig, ListenerId, Store};

/// Managed by Tauri; one per app.
pub struct AppState {
    /// The relay engine.
    pub engine: Engine,
    /// Session files opened for viewing.
    pub sessions: Arc<Sessions>,
    /// The WebSocket message lists the window has open.
    pub messages: Arc<MessageLists>,
    /// The listener started from the command line, to be selected at start.
    pub launched: Option<ListenerId>,
    /// Why the command-line listener could not start (a port in use, say), to show in words.
    pub launch_error: Option<CommandError>,
    config_dir: OnceLock<PathBuf>,
    /// Where the capture log lives, and where crashes left theirs.
    capture_dir: Option<PathBuf>,
    /// The capture limit in force, in bytes; 0: none.
    capture_limit: AtomicU64,
    /// The engine's local CA folder, whose certificate "Export CA certificate..." writes.
    ca_dir: Option<PathBuf>,
    /// The protobuf schema the gRPC view names fields with (the "Protobuf schema" setting).
    schema: RwLock<Option<Arc<Schema>>>,
}

impl AppState {
    /// Creates the engine with `options` (the app: the defaults, a capture log in the cache
    /// folder) and starts the command-line listener, if any.
    pub async fn new(
        launch: Option<ListenerConfig>,
        options: EngineOptions,
    ) -> Result<Self, String> {
        let capture_dir = options.capture_dir.clone();
        let ca_dir = options.ca_dir.clone();
        let engine = Engine::new(options).map_err(|e| e.to_string())?;
        let (launched, launch_error) = match launch {
            None => (None, None),
            Some(config) => match engine.add_listener(config).await {
                Ok(info) => (Some(info.id), None),
                Err(e) => (None, Some(CommandError::from(e))),
            },
        };
        Ok(Self {
            engine,
            sessions: Arc::default(),
            messages: Arc::default(),
            launched,
            launch_error,
            config_dir: OnceLock::new(),
            capture_dir,
            capture_limit: AtomicU64::new(0),
            ca_dir,
            schema: RwLock::default(),
        })
    }

    /// The capture folder, where crashes left their logs.
    pub fn capture_dir(&self) -> Option<&Path> {
        self.capture_dir.as_deref()
    }

    /// Applies a capture limit to the live capture now.
    pub fn set_capture_limit(&self, limit: Option<u64>) {
        tcpmon_desktop::capture::apply_limit(self.engine.store(), limit);
        self.capture_limit
            .store(limit.unwrap_or(0), Ordering::Relaxed);
    }

    /// The capture limit in force.
    pub fn capture_limit(&self) -> Option<u64> {
        Some(self.capture_limit.load(Ordering::Relaxed)).filter(|&l| l > 0)
    }

    /// Sets (or with `None` clears) the schema of the gRPC view.
    pub fn set_schema(&self, schema: Option<Schema>) {
        *self.schema.write().unwrap_or_else(|p| p.into_inner()) = schema.map(Arc::new);
    }

    /// The schema of the gRPC view, if one is set.
    pub fn schema(&self) -> Option<Arc<Schema>> {
        self.schema
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A clean exit: the capture log is not needed for recovery (a crash skips this and
    /// leaves it, for the next start to offer).
    pub fn end_cleanly(&self) {
        if let Err(e) = self.engine.store().discard_log() {
            eprintln!("tcpmon: {e}");
        }
    }

    /// Where settings live; known once the app has its identifier.
    pub fn set_config_dir(&self, dir: PathBuf) {
        let _ = self.config_dir.set(dir);
    }

    /// The settings folder.
    pub fn config_dir(&self) -> Result<&PathBuf, CommandError> {
        self.config_dir
            .get()
            .ok_or_else(|| CommandError::new(ErrorKind::Io, "the config folder is not known yet"))
    }

    /// The engine's local CA folder.
    pub fn ca_dir(&self) -> Result<&Path, CommandError> {
        self.ca_dir.as_deref().ok_or_else(|| {
            CommandError::new(
                ErrorKind::Io,
                "no config folder for the CA (neither XDG_CONFIG_HOME nor HOME is set)",
            )
        })
    }

    /// The live store, or an open session's, owned so work on it can leave this thread.
    pub fn store(&self, session: Option<u64>) -> Result<StoreHandle, CommandError> {
        Ok(match session {
            None => StoreHandle::Live(self.engine.clone()),
            Some(id) => StoreHandle::Session(self.sessions.get(id)?),
        })
    }
}

/// The engine's store or an open session's.
pub enum StoreHandle {
    Live(Engine),
    Session(Arc<Session>),
}

impl std::ops::Deref for StoreHandle {
    type Target = Store;
    fn deref(&self) -> &Store {
        match self {
            StoreHandle::Live(engine) => engine.store(),
            StoreHandle::Session(session) => &session.store,
        }
    }
}
