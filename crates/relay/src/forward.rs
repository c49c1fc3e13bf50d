//! Forward mode: dial the target as soon as the client connects (server-first protocols work),
//! then relay both ways unchanged.

use crate::config::{HostPort, TargetTls};
use crate::conn::{ConnCtx, IntoHalves, Reader, Writer};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::dial::{Dialed, dial};
use crate::pump::relay_both;
use crate::record::Direction;

pub(crate) async fn run(
    ctx: &ConnCtx,
    client: impl IntoHalves,
    target: &HostPort,
) -> Result<(), ConnectionError> {
    let dialed = dial(
        target,
        ctx.config.upstream_proxy.as_ref(),
        ctx.config.connect_timeout,
    )
    .await?;
    ctx.connected();
    ctx.faults.watch(dialed.stream.socket());
    let (server, early) = target_side(ctx, dialed, target).await?;
    if !early.is_empty() {
        ctx.recorder(Direction::ServerToClient).record(&early);
    }
    relay_both(ctx, client.halves_for(ctx), server, Vec::new(), early).await
}

/// The dialled target's halves (over TLS when the listener says so), and bytes the upstream
/// proxy sent past its answer to CONNECT (not recorded yet).
pub(crate) async fn target_side(
    ctx: &ConnCtx,
    dialed: Dialed,
    target: &HostPort,
) -> Result<((Reader, Writer), Vec<u8>), ConnectionError> {
    Ok(match &ctx.config.target_tls {
        Some(tls) => (secure(ctx, dialed, target, tls).await?, Vec::new()),
        None => (dialed.stream.halves_for(ctx), dialed.early),
    })
}

/// The target's side of the relay over TLS: the handshake done, its facts recorded.
#[cfg(feature = "tls")]
async fn secure(
    ctx: &ConnCtx,
    dialed: Dialed,
    target: &HostPort,
    tls: &TargetTls,
) -> Result<(Reader, Writer), ConnectionError> {
    if !dialed.early.is_empty() {
        let what = "the upstream proxy sent bytes before the TLS handshake began";
        return Err(ConnectionError::new(
            Side::UpstreamProxy,
            FailureKind::Protocol,
            what,
        ));
    }
    let (session, facts) =
        crate::tls::connect(dialed.stream, target, Default::default(), tls).await?;
    ctx.secured(facts);
    Ok(crate::tls::halves(session))
}

/// Without the `tls` feature a listener asking for TLS to its target fails each connection
/// with the reason.
#[cfg(not(feature = "tls"))]
async fn secure(
    _: &ConnCtx,
    _: Dialed,
    _: &HostPort,
    _: &TargetTls,
) -> Result<(Reader, Writer), ConnectionError> {
    let what = "this build of TCPMon has no TLS (the relay's `tls` feature)";
    Err(ConnectionError::new(Side::Target, FailureKind::Tls, what))
}
