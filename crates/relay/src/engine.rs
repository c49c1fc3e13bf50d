//! The engine: a registry of listeners over one capture store and one event bus. It runs on
//! the caller's tokio runtime and is cheap to clone.

use crate::breakpoints::PausedMessage;
use crate::config::{HostPort, ListenerConfig, Mode, TargetTls};
use crate::conn::Core;
use crate::conn_error::Side;
use crate::dial::resolve;
use crate::error::{Error, Result};
use crate::event::{EventBus, EventKind, ListenerInfo, Subscription};
use crate::listener::{Accepted, Origin, accept_loop, serve};
use crate::record::{ConnId, ConnectionRecord, ListenerId};
use crate::replay_h2;
use crate::rules::Rules;
use crate::store::{Limits, LogPlace, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tcpmon_inspect::http1::request_line;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The listener id of the Sender's connections (real listeners count from 1).
pub const SENDER: ListenerId = ListenerId(0);
/// How long stopping waits for connection tasks to record their end.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How often progress events are sent for connections that relayed bytes.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Pending-connection queue: a burst of clients must not be refused (std and mio use 128).
const BACKLOG: u32 = 1024;
/// How long a resend waits for the first byte of its answer before half-closing anyway.
const RESEND_FIRST_ANSWER: Duration = Duration::from_secs(30);
/// A resend's answer that pauses this long is taken as complete.
const RESEND_QUIET: Duration = Duration::from_secs(1);
/// Buffer of the in-memory pipe a resend uses as its client.
const RESEND_PIPE: usize = 64 * 1024;

/// Engine-wide settings.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Capture folder: the log is a named file in its `captures/`, which a crash leaves for
    /// recovery (whoever ends the capture cleanly removes it); `None`: an anonymous temp
    /// file (tests, throwaway engines).
    pub capture_dir: Option<PathBuf>,
    /// The log at exactly this path instead: a session file written as the bytes come.
    pub capture_file: Option<PathBuf>,
    /// How much is recorded.
    pub limits: Limits,
    /// Where TCPMon's local CA is kept (made on first use by a TLS listener).
    pub ca_dir: Option<PathBuf>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            capture_dir: default_capture_dir(),
            capture_file: None,
            limits: Limits::default(),
            ca_dir: default_ca_dir(),
        }
    }
}

impl EngineOptions {
    /// Where the store keeps its log.
    fn log_place(&self) -> LogPlace {
        match (&self.capture_file, &self.capture_dir) {
            (Some(path), _) => LogPlace::At(path.clone()),
            (None, Some(dir)) => LogPlace::Named(dir.clone()),
            (None, None) => LogPlace::Anonymous(None),
        }
    }
}

/// The local CA's folder, shared by the CLI and the app (`tcpmon_tls::ca::default_dir`).
fn default_ca_dir() -> Option<PathBuf> {
    #[cfg(feature = "tls")]
    return tcpmon_tls::ca::default_dir().ok();
    #[cfg(not(feature = "tls"))]
    None
}

/// `$XDG_CACHE_HOME/tcpmon` or `~/.cache/tcpmon`: captures can be large, and a cache dir is
/// where large, disposable files belong.
pub fn default_capture_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(cache.join("tcpmon"))
}

/// Everything subscribers need to start from, consistent with event `seq`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Snapshot {
    /// The last event this snapshot includes; drop events with a `seq` up to it.
    pub seq: u64,
    /// All listeners.
    pub listeners: Vec<ListenerInfo>,
    /// All connections, in accept order.
    pub connections: Vec<ConnectionRecord>,
    /// Messages paused at breakpoints, oldest first.
    pub paused: Vec<PausedMessage>,
}

struct Running {
    cancel: CancellationToken,
    tasks: TaskTracker,
    /// The settings its accept loop gives each new connection.
    settings: watch::Sender<Arc<ListenerConfig>>,
}

struct Slot {
    info: ListenerInfo,
    running: Option<Running>,
}

pub(crate) struct Inner {
    pub(crate) core: Arc<Core>,
    listeners: Mutex<BTreeMap<ListenerId, Slot>>,
    next_listener: AtomicU64,
    next_conn: Arc<AtomicU64>,
    resends: TaskTracker,
    shutdown: CancellationToken,
}

/// The relay engine. Clones share one engine.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl Engine {
    /// An engine with no listeners.
    ///
    /// # Panics
    /// Outside a tokio runtime: the engine reports progress from a task of its own.
    pub fn new(options: EngineOptions) -> Result<Self> {
        let store = Store::live(options.log_place(), options.limits)?;
        let core = Arc::new(Core {
            store,
            bus: EventBus::new(),
            ca_dir: options.ca_dir,
            injectors: Default::default(),
            breakpoints: Default::default(),
        });
        let shutdown = CancellationToken::new();
        tokio::spawn(report_progress(Arc::downgrade(&core), shutdown.clone()));
        Ok(Self {
            inner: Arc::new(Inner {
                core,
                listeners: Mutex::new(BTreeMap::new()),
                next_listener: AtomicU64::new(1),
                next_conn: Arc::new(AtomicU64::new(1)),
                resends: TaskTracker::new(),
                shutdown,
            }),
        })
    }

    fn slots(&self) -> MutexGuard<'_, BTreeMap<ListenerId, Slot>> {
        self.inner
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn announce(&self, id: ListenerId) -> Result<ListenerInfo> {
        let info = self.listener(id)?;
        let event = info.clone();
        self.inner
            .core
            .bus
            .emit(|| Some(EventKind::ListenerChanged { listener: event }));
        Ok(info)
    }

    /// The captured connections and their bytes.
    pub fn store(&self) -> &Store {
        &self.inner.core.store
    }

    /// Events from now on.
    pub fn subscribe(&self) -> Subscription {
        self.inner.core.bus.subscribe()
    }

    /// All listeners and connections, with the sequence number of the last event included.
    pub fn snapshot(&self) -> Snapshot {
        let core = &self.inner.core;
        let (seq, (listeners, connections, paused)) = core.bus.at_seq(|| {
            let paused = core.breakpoints.list();
            (self.listeners(), core.store.records(), paused)
        });
        Snapshot {
            seq,
            listeners,
            connections,
            paused,
        }
    }

    /// All listeners, in creation order.
    pub fn listeners(&self) -> Vec<ListenerInfo> {
        self.slots().values().map(|s| s.info.clone()).collect()
    }

    /// One listener.
    pub fn listener(&self, id: ListenerId) -> Result<ListenerInfo> {
        self.slots()
            .get(&id)
            .map(|s| s.info.clone())
            .ok_or(Error::NoSuchListener(id.0))
    }

    /// Creates a listener and starts it. Nothing is created when it cannot start.
    pub async fn add_listener(&self, config: ListenerConfig) -> Result<ListenerInfo> {
        let (listener, local_addr) = bind(&config, self.inner.core.ca_dir.as_deref()).await?;
        let id = ListenerId(
            self.inner
                .next_listener
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        let info = ListenerInfo {
            id,
            config,
            local_addr: None,
            running: false,
            error: None,
        };
        self.slots().insert(
            id,
            Slot {
                info,
                running: None,
            },
        );
        self.run(id, listener, local_addr);
        self.announce(id)
    }

    /// Starts a stopped listener with its current settings.
    pub async fn start_listener(&self, id: ListenerId) -> Result<ListenerInfo> {
        let config = self.listener(id)?.config;
        self.restart_listener(id, config).await
    }

    /// Stops a listener if running, changes its settings, and starts it. If it cannot start,
    /// it stays stopped with the new settings and the error in its info.
    pub async fn restart_listener(
        &self,
        id: ListenerId,
        config: ListenerConfig,
    ) -> Result<ListenerInfo> {
        self.stop_listener(id).await?;
        if let Some(slot) = self.slots().get_mut(&id) {
            slot.info.config = config.clone();
        }
        match bind(&config, self.inner.core.ca_dir.as_deref()).await {
            Ok((listener, local_addr)) => {
                self.run(id, listener, local_addr);
                self.announce(id)
            }
            Err(e) => {
                if let Some(slot) = self.slots().get_mut(&id) {
                    slot.info.error = Some(e.to_string());
                }
                self.announce(id)?;
                Err(e)
            }
        }
    }

    fn run(&self, id: ListenerId, listener: TcpListener, local_addr: SocketAddr) {
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(&id) else {
            return;
        };
        let cancel = self.inner.shutdown.child_token();
        let tasks = TaskTracker::new();
        let (settings, given) = watch::channel(Arc::new(slot.info.config.clone()));
        tasks.spawn(accept_loop(
            self.inner.core.clone(),
            self.inner.next_conn.clone(),
            id,
            listener,
            given,
            cancel.clone(),
            tasks.clone(),
        ));
        slot.info.local_addr = Some(local_addr);
        slot.info.running = true;
        slot.info.error = None;
        // Two starts that raced: the older accept loop must not run on unstoppable.
        let running = Running {
            cancel,
            tasks,
            settings,
        };
        if let Some(older) = slot.running.replace(running) {
            older.cancel.cancel();
            older.tasks.close();
        }
    }

    /// Gives a listener other rules without stopping it: connections opened from now on follow
    /// them (open ones keep theirs). The caller checked them against the listener's mode.
    pub fn set_rules(&self, id: ListenerId, rules: Rules) -> Result<ListenerInfo> {
        {
            let mut slots = self.slots();
            let slot = slots.get_mut(&id).ok_or(Error::NoSuchListener(id.0))?;
            slot.info.config.rules = rules;
            if let Some(running) = &slot.running {
                running
                    .settings
                    .send_replace(Arc::new(slot.info.config.clone()));
            }
        }
        self.announce(id)
    }

    /// Stops accepting and closes the listener's live connections (their records say so).
    pub async fn stop_listener(&self, id: ListenerId) -> Result<ListenerInfo> {
        let running = {
            let mut slots = self.slots();
            let slot = slots.get_mut(&id).ok_or(Error::NoSuchListener(id.0))?;
            slot.info.running = false;
            slot.info.local_addr = None;
            slot.running.take()
        };
        if let Some(running) = running {
            running.cancel.cancel();
            running.tasks.close();
            // Tasks end promptly once cancelled; the grace only guards against a stuck peer.
            let _ = tokio::time::timeout(STOP_GRACE, running.tasks.wait()).await;
            self.announce(id)
        } else {
            self.listener(id)
        }
    }

    /// Stops and forgets a listener; its captured connections stay.
    pub async fn remove_listener(&self, id: ListenerId) -> Result<()> {
        self.stop_listener(id).await?;
        self.inner.core.bus.emit(|| {
            self.slots()
                .remove(&id)
                .map(|_| EventKind::ListenerRemoved { id })
        });
        Ok(())
    }

    /// Removes connections from the store (live ones go on relaying, unrecorded).
    pub fn remove_connections(&self, ids: &[ConnId]) {
        let store = &self.inner.core.store;
        self.inner.core.bus.emit(|| {
            let ids = store.remove(ids);
            (!ids.is_empty()).then_some(EventKind::ConnectionsRemoved { ids })
        });
    }

    /// Sends `request` (as captured, or edited) as a new connection of the original's listener,
    /// to that listener's current target through the same path (upstream proxy, slow link).
    /// Returns the new connection's id; its response is captured like any other.
    pub async fn resend(&self, original: ConnId, request: Vec<u8>) -> Result<ConnId> {
        let record = self
            .store()
            .record(original)
            .ok_or(Error::NoSuchConnection(original.0))?;
        let info = self.listener(record.listener)?;
        let replay = Replay::of(request, &info.config)?;
        let origin = Origin {
            listener: info.id,
            listen_port: record.listen_port,
            client: "resend".into(),
            resend_of: Some(original),
            request_line: replay.request_line(),
        };
        // A resend belongs to its listener while it runs: stopping it closes the resend too.
        let running = match self.slots().get(&info.id).and_then(|s| s.running.as_ref()) {
            Some(running) => (running.cancel.child_token(), running.tasks.clone()),
            None => self.unowned(),
        };
        Ok(self.play(info.config, origin, running, replay))
    }

    /// The Sender: sends `request` to `target` (over TLS, verified against the system's trust
    /// store, when `tls`) as a new connection of [`SENDER`], directly (no listener's upstream
    /// proxy or slow link). Returns the connection's id; its answer is captured like any other.
    pub fn send(&self, target: HostPort, tls: bool, request: Vec<u8>) -> ConnId {
        let origin = Origin {
            listener: SENDER,
            listen_port: 0,
            client: "sender".into(),
            resend_of: None,
            request_line: request_line(&request).map(str::to_string),
        };
        let config = ListenerConfig {
            target_tls: tls.then(TargetTls::default),
            ..ListenerConfig::forward(0, target)
        };
        self.play(config, origin, self.unowned(), Replay::Bytes(request))
    }

    /// Cancellation and task tracking for a connection no running listener owns.
    fn unowned(&self) -> (CancellationToken, TaskTracker) {
        (
            self.inner.shutdown.child_token(),
            self.inner.resends.clone(),
        )
    }

    /// Runs a connection whose client is the engine itself, sending `request`.
    fn play(
        &self,
        config: ListenerConfig,
        origin: Origin,
        (cancel, tasks): (CancellationToken, TaskTracker),
        replay: Replay,
    ) -> ConnId {
        let id = ConnId(
            self.inner
                .next_conn
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        let (client, relay_end) = tokio::io::duplex(RESEND_PIPE);
        let accepted = Accepted {
            core: self.inner.core.clone(),
            config: Arc::new(config),
            cancel,
            id,
            origin,
        };
        let conn = serve(accepted, relay_end, ());
        tasks.spawn(async move {
            match replay {
                Replay::Bytes(request) => tokio::join!(conn, play_client(client, request)).0,
                Replay::Http2 { request, .. } => {
                    let talk = replay_h2::play(client, *request, RESEND_FIRST_ANSWER);
                    tokio::join!(conn, talk).0
                }
            }
        });
        id
    }

    /// Stops every listener and resend and waits for their connections to record their end.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        let ids: Vec<_> = self.slots().keys().copied().collect();
        for id in ids {
            let _ = self.stop_listener(id).await;
        }
        self.inner.resends.close();
        let _ = tokio::time::timeout(STOP_GRACE, self.inner.resends.wait()).await;
    }
}

/// Sends the byte counts of connections that moved, a few times a second: live rows and
/// panes stay current, even for bytes that came just before a connection went quiet, and the
/// pumps never spend time on events. Says when recording stops or resumes.
async fn report_progress(core: Weak<Core>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    let mut stopped = None;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Some(core) = core.upgrade() else { return };
        let now = core.store.recording_stopped();
        if now != stopped {
            stopped.clone_from(&now);
            core.bus
                .emit(|| Some(EventKind::RecordingChanged { stopped: now }));
        }
        // Taken and numbered under one lock: a connection's change (its close, with its last
        // exchanges) cannot come between a patch being taken and being sent.
        core.bus.emit(|| {
            core.store
                .take_progress()
                .into_iter()
                .map(|(id, bytes, exchanges)| EventKind::ConnectionProgress {
                    id,
                    bytes,
                    exchanges,
                })
                .collect::<Vec<_>>()
        });
    }
}

/// The resend's client: sends the request, reads the answer, and half-closes only once the
/// answer has gone quiet (or the server closed): some proxies end a tunnel as soon as the
/// client half-closes, which would cut the answer off.
/// What a resend's client does.
enum Replay {
    /// Writes these bytes and reads the answer.
    Bytes(Vec<u8>),
    /// Speaks HTTP/2: an HTTP/2 stream's request; `line` is its first line as shown.
    Http2 {
        request: Box<replay_h2::Request>,
        line: String,
    },
}

impl Replay {
    /// How `request` goes to a listener with `config`: an HTTP/2 stream's over HTTP/2 (in
    /// forward mode: a proxy reads HTTP/1 requests), anything else as its bytes.
    fn of(request: Vec<u8>, config: &ListenerConfig) -> Result<Self> {
        let Some(h2) = replay_h2::Request::read(&request)? else {
            return Ok(Replay::Bytes(request));
        };
        if matches!(config.mode, Mode::HttpProxy) {
            let why = "an HTTP/2 stream resends through a listener in forward mode (a proxy reads HTTP/1 requests)";
            return Err(Error::Resend(why.into()));
        }
        let line = request.split(|&b| b == b'\r').next().unwrap_or_default();
        Ok(Replay::Http2 {
            request: Box::new(h2),
            line: String::from_utf8_lossy(line).into_owned(),
        })
    }

    /// The request line a resend's row shows before its exchange is parsed.
    fn request_line(&self) -> Option<String> {
        match self {
            Replay::Bytes(request) => request_line(request).map(str::to_string),
            Replay::Http2 { line, .. } => Some(line.clone()),
        }
    }
}

async fn play_client(client: tokio::io::DuplexStream, request: Vec<u8>) {
    let (mut from_relay, mut to_relay) = tokio::io::split(client);
    // Failures here mean the connection ended, which the relay side records.
    let _ = to_relay.write_all(&request).await;
    let mut buf = vec![0; 16 * 1024];
    let mut wait = RESEND_FIRST_ANSWER;
    while let Ok(Ok(n)) = tokio::time::timeout(wait, from_relay.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        wait = RESEND_QUIET;
    }
    let _ = to_relay.shutdown().await;
    let _ = tokio::io::copy(&mut from_relay, &mut tokio::io::sink()).await;
}

/// Checks the settings and the target, and binds the listen address.
async fn bind(
    config: &ListenerConfig,
    ca_dir: Option<&std::path::Path>,
) -> Result<(TcpListener, SocketAddr)> {
    config.validate()?;
    #[cfg(feature = "tls")]
    if let Some(tls) = &config.target_tls {
        crate::tls::prepare(tls)?;
    }
    #[cfg(feature = "tls")]
    if config.decrypt_tls {
        crate::tls::prepare_decrypting(config, ca_dir)?;
    }
    #[cfg(feature = "tls")]
    if config.listen_tls {
        crate::tls::prepare_listener(config, ca_dir)?;
    }
    #[cfg(not(feature = "tls"))]
    if config.listen_tls || config.decrypt_tls {
        let _ = ca_dir;
        return Err(Error::Tls("this build of TCPMon has no TLS".into()));
    }
    if let (Mode::Forward { target }, None) = (&config.mode, &config.upstream_proxy) {
        resolve(target, Side::Target, config.connect_timeout)
            .await
            .map_err(Error::Connection)?;
    }
    let addr = SocketAddr::new(config.bind, config.port);
    let failed = |error| Error::Bind { addr, error };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(failed)?;
    socket.set_reuseaddr(true).map_err(failed)?;
    socket.bind(addr).map_err(failed)?;
    let listener = socket.listen(BACKLOG).map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    Ok((listener, local))
}
