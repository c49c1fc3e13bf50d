//! What every connection task shares: its record in the store, its events, its cancellation,
//! and the two ends it writes to.

use crate::config::{HostPort, ListenerConfig};
use crate::conn_error::ConnectionError;
use crate::event::{EventBus, EventKind};
use crate::fault::{Drawn, Fault, WireFaults};
use crate::idle::Activity;
#[cfg(feature = "tls")]
use crate::record::TlsFacts;
use crate::record::{ConnId, ConnectionRecord, ConnectionState, Direction, now_micros};
use crate::store::Store;
use crate::throttle::Throttle;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use tcpmon_inspect::http1::request_line;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// Longest request line looked for.
const FIRST_LINE_MAX: usize = 4096;

/// The reading half of a stream.
pub(crate) type Reader = Box<dyn AsyncRead + Unpin + Send>;
/// The writing half of a stream.
pub(crate) type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// A stream that can be split into independently owned halves: a socket, or the in-memory pipe
/// a resend uses as its client.
pub(crate) trait IntoHalves {
    fn into_halves(self) -> (Reader, Writer);
    /// The socket underneath, if it is one (a reset fault must reach it).
    fn socket(&self) -> Option<BorrowedFd<'_>>;
    /// [`IntoHalves::into_halves`], with halves that close nothing when dropped when `ctx`
    /// drew a reset fault: the socket's last close then sends the reset, no end-of-stream first.
    fn halves_for(self, ctx: &ConnCtx) -> (Reader, Writer)
    where
        Self: Sized,
    {
        let _ = ctx;
        self.into_halves()
    }
}

impl IntoHalves for TcpStream {
    fn into_halves(self) -> (Reader, Writer) {
        let (r, w) = self.into_split();
        (Box::new(r), Box::new(w))
    }

    fn halves_for(self, ctx: &ConnCtx) -> (Reader, Writer) {
        if !ctx.faults.resets() {
            return self.into_halves();
        }
        // tokio's owned write half shuts down (a FIN) when dropped; these halves do not.
        let (r, w) = tokio::io::split(self);
        (Box::new(r), Box::new(w))
    }

    fn socket(&self) -> Option<BorrowedFd<'_>> {
        Some(self.as_fd())
    }
}

#[cfg(feature = "tls")]
impl IntoHalves for tokio_rustls::server::TlsStream<TcpStream> {
    fn into_halves(self) -> (Reader, Writer) {
        crate::tls::halves(self)
    }

    fn socket(&self) -> Option<BorrowedFd<'_>> {
        Some(self.get_ref().0.as_fd())
    }
}

impl IntoHalves for DuplexStream {
    fn into_halves(self) -> (Reader, Writer) {
        let (r, w) = tokio::io::split(self);
        (Box::new(r), Box::new(w))
    }

    fn socket(&self) -> Option<BorrowedFd<'_>> {
        None
    }
}

/// The store and the event bus, shared by the engine and every connection task.
pub(crate) struct Core {
    pub store: Store,
    pub bus: EventBus,
    /// Where TCPMon's local CA lives (TLS listeners issue from it); `None`: no CA.
    pub ca_dir: Option<std::path::PathBuf>,
    /// The pumps of connections relayed raw, for WebSocket messages the user sends.
    pub injectors: crate::inject::Injectors,
    /// Messages paused at breakpoints, waiting for the user.
    pub breakpoints: crate::breakpoints::Breakpoints,
}

/// One connection's handle on the engine.
pub(crate) struct ConnCtx {
    pub id: ConnId,
    pub core: Arc<Core>,
    pub config: Arc<ListenerConfig>,
    pub cancel: CancellationToken,
    /// The idle clock, when the listener has an idle timeout. Whatever holds a message of this
    /// connection for the user (a breakpoint) keeps `activity.pause()` alive meanwhile, and
    /// the connection is never closed as idle while it does.
    pub activity: Option<Arc<Activity>>,
    /// The faults this connection drew (`--fault`).
    pub faults: Arc<Drawn>,
}

/// Changes connection `id`'s record and announces the change.
fn change(core: &Core, id: ConnId, f: impl FnOnce(&mut ConnectionRecord)) {
    core.bus.emit(|| {
        core.store
            .update(id, f)
            .map(|record| EventKind::ConnectionChanged { record })
    });
}

/// As [`change`], but the capture log gets the record at its next logged change (or its end).
fn change_unlogged(core: &Core, id: ConnId, f: impl FnOnce(&mut ConnectionRecord)) {
    core.bus.emit(|| {
        core.store
            .update_unlogged(id, f)
            .map(|record| EventKind::ConnectionChanged { record })
    });
}

/// Writes on `id`'s record that `fault` acted, now.
pub(crate) fn fault_acted(core: &Core, id: ConnId, fault: &Fault) {
    let what = fault.describe();
    change(core, id, |r| {
        r.faults.push(crate::record::FaultEvent {
            what,
            at: now_micros(),
        });
    });
}

impl ConnCtx {
    /// Records a new connection and announces it.
    pub(crate) fn open(
        core: Arc<Core>,
        config: Arc<ListenerConfig>,
        cancel: CancellationToken,
        record: ConnectionRecord,
    ) -> Self {
        let id = record.id;
        core.bus.emit(|| {
            core.store.insert(record.clone());
            Some(EventKind::ConnectionOpened { record })
        });
        let activity = config.idle_timeout.map(|_| Activity::new());
        let faults = Arc::new(Drawn::new(crate::fault::draw(&config.faults)));
        Self {
            id,
            core,
            config,
            cancel,
            activity,
            faults,
        }
    }

    /// Bytes moved without being recorded (yet): the idle clock starts again.
    pub(crate) fn touch(&self) {
        if let Some(activity) = &self.activity {
            activity.touch();
        }
    }

    /// Changes the record and announces the change.
    pub(crate) fn change(&self, f: impl FnOnce(&mut ConnectionRecord)) {
        change(&self.core, self.id, f);
    }

    /// Changes the record for watchers now and for the capture log later: for changes that
    /// come with every exchange.
    pub(crate) fn change_unlogged(&self, f: impl FnOnce(&mut ConnectionRecord)) {
        change_unlogged(&self.core, self.id, f);
    }

    /// Keeps the server's side of message `dir` of `exchange`, which TCPMon changed (see
    /// [`Store::keep_server_side`]), and tells watchers when the record lists it.
    pub(crate) fn keep_server_side(
        &self,
        exchange: usize,
        dir: Direction,
        message: &[u8],
        whole: bool,
    ) {
        let store = &self.core.store;
        if store.keep_server_side(self.id, exchange, dir, message, whole) {
            self.change_unlogged(|_| {});
        }
    }

    /// One side finished sending (`ClientDone`, `ServerDone`). Not written to the capture log:
    /// the record's end is, and a log that ends before it shows the connection cut short
    /// whatever its state was.
    pub(crate) fn half_closed(&self, state: ConnectionState) {
        self.change_unlogged(|r| r.state = state);
    }

    /// Where the bytes are about to go (proxy mode learns it from each request).
    pub(crate) fn set_target(&self, target: &HostPort) {
        self.change(|r| r.target = Some(target.clone()));
    }

    /// The target accepted: the connection is active.
    pub(crate) fn connected(&self) {
        self.change(|r| {
            r.connected_at.get_or_insert_with(now_micros);
            r.state = ConnectionState::Active;
        });
    }

    /// Records what the TLS session with the target agreed on.
    #[cfg(feature = "tls")]
    pub(crate) fn secured(&self, facts: TlsFacts) {
        self.change(|r| r.target_tls = Some(Box::new(facts)));
    }

    /// Records what the client's TLS session with TCPMon agreed on.
    #[cfg(feature = "tls")]
    pub(crate) fn client_secured(&self, facts: TlsFacts) {
        self.change(|r| r.client_tls = Some(Box::new(facts)));
    }

    /// Runs the connection's work until it ends, the listener stops or the connection has been
    /// idle too long, then records the single terminal state.
    pub(crate) async fn run(&self, work: impl Future<Output = Result<(), ConnectionError>>) {
        let idle = async {
            match (&self.activity, self.config.idle_timeout) {
                (Some(activity), Some(limit)) => activity.idle(limit).await,
                _ => std::future::pending().await,
            }
        };
        let outcome = tokio::select! {
            r = work => r.map_err(|e| e.reason()),
            () = self.cancel.cancelled() => Err("closed: the listener was stopped".to_string()),
            reason = idle => Err(reason),
        };
        self.change(|r| {
            r.closed_at = Some(now_micros());
            r.state = match outcome {
                Ok(()) => ConnectionState::Done,
                Err(reason) => ConnectionState::Failed { reason },
            };
        });
    }

    pub(crate) fn recorder(&self, dir: Direction) -> Recorder<'_> {
        let first_line = (dir == Direction::ClientToServer).then(Vec::new);
        Recorder {
            ctx: self,
            dir,
            first_line,
        }
    }

    /// The writing end carrying `dir`'s bytes, throttled when the listener simulates a slow
    /// link, with the wire faults this connection drew for that direction.
    pub(crate) fn outbound(&self, w: Writer, dir: Direction) -> Outbound {
        let faults = WireFaults::of(&self.faults.faults, dir).map(|(wire, _)| {
            Box::new(OutFaults {
                wire,
                core: self.core.clone(),
                id: self.id,
                drawn: self.faults.clone(),
            })
        });
        Outbound {
            w,
            throttle: self.config.slow_link.as_ref().and_then(Throttle::new),
            activity: self.activity.clone(),
            faults,
        }
    }
}

/// Records one direction's bytes (the engine reports progress from the store, a few times a
/// second) and finds the request line.
pub(crate) struct Recorder<'a> {
    ctx: &'a ConnCtx,
    dir: Direction,
    /// The request side's first bytes, kept until its first line is complete.
    first_line: Option<Vec<u8>>,
}

impl Recorder<'_> {
    /// Bytes came from this side that are not recorded yet (held back, or still a partial
    /// head): the idle clock starts again all the same.
    pub(crate) fn touch(&self) {
        self.ctx.touch();
    }

    pub(crate) fn record(&mut self, data: &[u8]) {
        self.ctx.touch();
        self.ctx.core.store.append(self.ctx.id, self.dir, data);
        if let Some(start) = &mut self.first_line {
            start.extend_from_slice(&data[..data.len().min(FIRST_LINE_MAX - start.len())]);
            if start.len() == FIRST_LINE_MAX || data.contains(&b'\n') {
                if let Some(line) = request_line(start).map(str::to_string) {
                    self.ctx.change(|r| {
                        r.request_line.get_or_insert(line);
                    });
                }
                self.first_line = None;
            }
        }
    }
}

/// `write_all`, telling the idle clock about every partial write: a slow reader draining a
/// big write is a busy connection, not an idle one.
async fn write_all(
    w: &mut Writer,
    data: &[u8],
    activity: Option<&Activity>,
) -> std::io::Result<()> {
    let Some(activity) = activity else {
        return w.write_all(data).await;
    };
    let mut at = 0;
    while at < data.len() {
        match w.write(&data[at..]).await? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => at += n,
        }
        activity.touch();
    }
    Ok(())
}

/// The writing end towards one side.
pub(crate) struct Outbound {
    w: Writer,
    throttle: Option<Throttle>,
    /// Written bytes count as activity: a slow link or a slow reader keeps a connection busy.
    activity: Option<Arc<Activity>>,
    /// Faults on this direction's writes (`--fault`).
    faults: Option<Box<OutFaults>>,
}

/// A writer's faults, and where to say they acted.
struct OutFaults {
    wire: WireFaults,
    core: Arc<Core>,
    id: ConnId,
    drawn: Arc<Drawn>,
}

impl Outbound {
    pub(crate) async fn send(&mut self, data: &[u8]) -> std::io::Result<()> {
        let Some(faults) = &mut self.faults else {
            return self.write(data).await;
        };
        if let Some(delay) = faults.wire.delay() {
            tokio::time::sleep(delay).await;
        }
        let (pieces, cut) = faults.wire.pieces(data);
        let pause = faults.wire.slice_pause();
        for (i, piece) in pieces.into_iter().enumerate() {
            if let (Some(pause), true) = (pause, i > 0) {
                tokio::time::sleep(pause).await;
            }
            self.write(piece).await?;
        }
        match cut {
            None => Ok(()),
            Some(cut) => Err(self.cut(cut).await),
        }
    }

    /// How many of `len` bytes go out before a fault cuts the connection (all of them without
    /// one): what the capture records, since it shows what each side received.
    pub(crate) fn before_cut(&self, len: usize) -> usize {
        self.faults.as_ref().map_or(len, |f| f.wire.room(len))
    }

    /// Ends the connection where a fault cuts it: a close, or (`reset`) a reset of its sockets.
    async fn cut(&mut self, reset: bool) -> std::io::Error {
        let Some(faults) = &self.faults else {
            return std::io::Error::other("cut");
        };
        let fault = faults.drawn.faults.iter().copied().find(|f| {
            matches!(
                (f.kind, reset),
                (crate::fault::FaultKind::ResetAfter { .. }, true)
                    | (crate::fault::FaultKind::CloseAfter { .. }, false)
            )
        });
        if let Some(fault) = fault {
            fault_acted(&faults.core, faults.id, &fault);
        }
        if reset {
            faults.drawn.arm_reset();
        } else {
            let _ = self.w.shutdown().await;
        }
        let what = fault.map_or_else(|| "a fault".to_string(), |f| f.describe());
        std::io::Error::other(format!("fault: {what}"))
    }

    /// Writes `data`, at the slow link's pace when there is one.
    async fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        let Some(throttle) = &mut self.throttle else {
            return write_all(&mut self.w, data, self.activity.as_deref()).await;
        };
        for slice in data.chunks(throttle.slice_len()) {
            throttle.pace(slice.len()).await;
            write_all(&mut self.w, slice, self.activity.as_deref()).await?;
        }
        Ok(())
    }

    /// The writer, for relaying raw from here on.
    pub(crate) fn into_writer(self) -> Writer {
        self.w
    }

    /// Half-closes: the other side reads end-of-stream, and may still answer.
    pub(crate) async fn finish(&mut self) {
        // Fails only when the peer is already gone, which the other direction reports.
        let _ = self.w.shutdown().await;
    }
}
