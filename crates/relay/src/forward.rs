//! Forward mode: dial the target as soon as the client connects (server-first protocols work),
//! then relay both ways unchanged.

use crate::config::HostPort;
use crate::conn::{ConnCtx, IntoHalves};
use crate::conn_error::ConnectionError;
use crate::dial::dial;
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
    if !dialed.early.is_empty() {
        ctx.recorder(Direction::ServerToClient)
            .record(&dialed.early);
    }
    relay_both(
        ctx,
        client.into_halves(),
        dialed.stream.into_halves(),
        Vec::new(),
        dialed.early,
    )
    .await
}
