//! The accept loop of one listener, and the dispatch of each connection to its mode.

use crate::config::{ListenerConfig, Mode};
use crate::conn::{ConnCtx, Core, IntoHalves};
use crate::conn_error::ConnectionError;
use crate::record::{ConnId, ConnectionRecord, ConnectionState, ListenerId, now_micros};
use crate::{forward, http_proxy};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
#[cfg(feature = "tls")]
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Where a new connection comes from.
pub(crate) struct Origin {
    pub listener: ListenerId,
    pub listen_port: u16,
    pub client: String,
    pub resend_of: Option<ConnId>,
    /// The request line, known before any byte flows when the engine itself is the client
    /// (a resend, the Sender): a connection that fails to connect still says what it sent.
    pub request_line: Option<String>,
}

impl Origin {
    /// The record of connection `id`, just accepted: the forward target is known already,
    /// a proxy's comes with each request.
    fn record(self, id: ConnId, config: &ListenerConfig) -> ConnectionRecord {
        let target = match &config.mode {
            Mode::Forward { target } => Some(target.clone()),
            Mode::HttpProxy => None,
        };
        ConnectionRecord {
            resend_of: self.resend_of,
            request_line: self.request_line,
            ..ConnectionRecord::accepted(
                id,
                self.listener,
                self.listen_port,
                self.client,
                target,
                now_micros(),
            )
        }
    }
}

/// A connection just accepted (or started by the engine itself), before it is recorded.
pub(crate) struct Accepted {
    pub core: Arc<Core>,
    pub config: Arc<ListenerConfig>,
    pub cancel: CancellationToken,
    pub id: ConnId,
    pub origin: Origin,
}

impl Accepted {
    /// Records the connection and announces it.
    fn open(self) -> ConnCtx {
        let record = self.origin.record(self.id, &self.config);
        ConnCtx::open(self.core, self.config, self.cancel, record)
    }
}

/// Records a connection and runs it in its listener's mode until it ends.
///
/// The connection's work is boxed: a future holds its argument and its own copy of what it
/// awaits, so unboxed this task was 21 KiB, copied at each spawn (860 bytes now; measured with
/// `size_of_val`). The modes are boxed where they are chosen, so a forward connection's box is
/// forward's size, not the proxy's.
pub(crate) async fn serve(accepted: Accepted, client: impl IntoHalves, counted: impl Send) {
    let ctx = accepted.open();
    ctx.run(Box::pin(dispatch(&ctx, client))).await;
    // The connection stops counting towards the listener's cap once it has ended.
    drop(counted);
}

/// [`serve`] for a TLS listener: the client's handshake first, inside the connection's life,
/// so a client that fails it is a row that says why.
#[cfg(feature = "tls")]
async fn serve_tls(accepted: Accepted, client: TcpStream, counted: impl Send) {
    let ctx = accepted.open();
    ctx.run(Box::pin(async {
        let ca_dir = ctx.core.ca_dir.as_deref();
        let (session, facts) = crate::tls::accept(client, &ctx.config, ca_dir).await?;
        ctx.client_secured(facts);
        dispatch(&ctx, session).await
    }))
    .await;
    drop(counted);
}

/// Runs a connection in its listener's mode (or as the fault it drew at accept says).
async fn dispatch(ctx: &ConnCtx, client: impl IntoHalves) -> Result<(), ConnectionError> {
    ctx.faults.watch(client.socket());
    if let Some(fault) = ctx.faults.at_accept() {
        return Box::pin(crate::fault::act_at_accept(ctx, client, fault)).await;
    }
    crate::fault::note_wire_faults(ctx);
    match &ctx.config.mode {
        // Rules read HTTP: a forward listener with rules relays request by request.
        Mode::Forward { target } if ctx.config.rules.0.is_some() => {
            Box::pin(http_proxy::run(ctx, client, Some(target))).await
        }
        Mode::Forward { target } => forward::run(ctx, client, target).await,
        Mode::HttpProxy => Box::pin(http_proxy::run(ctx, client, None)).await,
    }
}

/// Counts a listener's open connections while it lives.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Records a connection turned away at once (the listener's connection cap), and closes it.
fn turn_away(accepted: Accepted, max: u32) {
    let ctx = accepted.open();
    let reason = format!(
        "refused: this listener already has {max} connection{} open, its limit (--max-connections)",
        if max == 1 { "" } else { "s" }
    );
    ctx.change(|r| {
        r.closed_at = Some(now_micros());
        r.state = ConnectionState::Failed { reason };
    });
}

/// Accepts until cancelled. A failed accept (out of file descriptors, say) backs off and
/// retries: it never ends the listener. Past the listener's connection cap, connections are
/// accepted and closed at once, each recorded with the reason (see
/// [`ListenerConfig::max_connections`]).
pub(crate) async fn accept_loop(
    core: Arc<Core>,
    next_conn: Arc<AtomicU64>,
    id: ListenerId,
    listener: TcpListener,
    settings: watch::Receiver<Arc<ListenerConfig>>,
    cancel: CancellationToken,
    tasks: TaskTracker,
) {
    let port = settings.borrow().port;
    let listen_port = listener.local_addr().map_or(port, |a| a.port());
    let open = Arc::new(AtomicUsize::new(0));
    let mut backoff = Duration::from_millis(5);
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((socket, peer)) => {
                backoff = Duration::from_millis(5);
                // Settings changed while running (rules) reach connections opened from now on.
                let config = settings.borrow().clone();
                // Nagle would delay small relayed writes; failure only costs latency.
                let _ = socket.set_nodelay(true);
                let accepted = Accepted {
                    core: core.clone(),
                    config: config.clone(),
                    cancel: cancel.child_token(),
                    id: ConnId(next_conn.fetch_add(1, Ordering::Relaxed)),
                    origin: Origin {
                        listener: id,
                        listen_port,
                        client: peer.to_string(),
                        resend_of: None,
                        request_line: None,
                    },
                };
                if let Some(max) = config.max_connections {
                    if open.load(Ordering::Acquire) >= max as usize {
                        drop(socket);
                        turn_away(accepted, max);
                        continue;
                    }
                }
                let counted = Open::new(&open);
                #[cfg(feature = "tls")]
                if config.listen_tls {
                    tasks.spawn(serve_tls(accepted, socket, counted));
                    continue;
                }
                tasks.spawn(serve(accepted, socket, counted));
            }
            Err(_) => {
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}
