//! One line per finished connection, printed from engine events.

use std::io::Write;
use tcpmon_relay::{
    ConnectionRecord, ConnectionState, Direction, Event, EventKind, Missed, Subscription,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The line for a finished connection: id, time, client, target, first request line (or
/// `raw`), bytes each way, elapsed ms, state or failure reason.
pub fn line(record: &ConnectionRecord) -> String {
    let request = record
        .request_line
        .as_ref()
        .map_or_else(|| "raw".to_string(), |l| format!("{l:?}"));
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_micros(record.accepted_at);
    let target = record
        .target
        .as_ref()
        .map_or_else(|| "-".to_string(), ToString::to_string);
    let outcome = match &record.state {
        ConnectionState::Failed { reason } => format!("failed: {reason}"),
        state => state.label().to_string(),
    };
    let resend = record
        .resend_of
        .map(|id| format!(" (resend of #{id})"))
        .unwrap_or_default();
    format!(
        "#{} {} {} -> {} {} sent={}B received={}B {}ms {}{}",
        record.id,
        humantime::format_rfc3339_millis(at),
        record.client,
        target,
        request,
        record.bytes[Direction::ClientToServer.index()],
        record.bytes[Direction::ServerToClient.index()],
        record.elapsed_ms(),
        outcome,
        resend,
    )
}

/// Prints lines as connections finish, until told to finish.
pub struct Printer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Printer {
    pub fn spawn(mut events: Subscription, quiet: bool) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            loop {
                let next = tokio::select! {
                    biased;
                    next = events.recv() => Some(next),
                    _ = &mut stopped => None,
                };
                // After the stop signal, print what is already queued, then end.
                let Some(next) = next.or_else(|| events.try_recv()) else {
                    return;
                };
                if !quiet {
                    print(next);
                }
            }
        });
        Self { stop, task }
    }

    /// Prints what is queued, then stops.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

fn print(next: Result<Event, Missed>) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (a pipe whose reader left) must not stop the relay.
    let _ = match next {
        Ok(Event {
            kind: EventKind::ConnectionChanged { record },
            ..
        }) if record.state.is_finished() => {
            writeln!(out, "{}", line(&record))
        }
        Ok(_) | Err(Missed::Closed) => Ok(()),
        Err(Missed::Lagged(n)) => {
            writeln!(
                out,
                "(output fell behind: {n} events skipped; some connections are not listed)"
            )
        }
    };
}
