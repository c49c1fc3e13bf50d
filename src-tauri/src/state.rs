//! What the commands share: the engine, the open sessions, and what the app was started with.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tcpmon_desktop::error::CommandError;
use tcpmon_desktop::sessions::Sessions;
use tcpmon_relay::session::Session;
use tcpmon_relay::{Engine, EngineOptions, ListenerConfig, ListenerId, Store};

/// Managed by Tauri; one per app.
pub struct AppState {
    /// The relay engine.
    pub engine: Engine,
    /// Session files opened for viewing.
    pub sessions: Arc<Sessions>,
    /// The listener started from the command line, to be selected at start.
    pub launched: Option<ListenerId>,
    /// Why the command-line listener could not start (a port in use, say), to show in words.
    pub launch_error: Option<CommandError>,
    config_dir: OnceLock<PathBuf>,
}

impl AppState {
    /// Creates the engine and starts the command-line listener, if any.
    pub async fn new(launch: Option<ListenerConfig>) -> Result<Self, String> {
        let engine = Engine::new(EngineOptions::default()).map_err(|e| e.to_string())?;
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
            launched,
            launch_error,
            config_dir: OnceLock::new(),
        })
    }

    /// Where settings live; known once the app has its identifier.
    pub fn set_config_dir(&self, dir: PathBuf) {
        let _ = self.config_dir.set(dir);
    }

    /// The settings folder.
    pub fn config_dir(&self) -> Result<&PathBuf, CommandError> {
        self.config_dir
            .get()
            .ok_or_else(|| CommandError::new("io", "the config folder is not known yet"))
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
