//! A connection's idle clock: when a byte last went either way, and whether a message of it is
//! paused (a breakpoint holds it for the user). The clock only counts while nothing is paused,
//! so an idle timeout never closes a connection a user is looking at.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Shared by a connection's readers and writers (they [`touch`](Activity::touch) it) and its
/// watchdog ([`Activity::idle`]).
#[derive(Debug)]
pub(crate) struct Activity {
    since: Instant,
    /// Milliseconds from `since` to the latest byte (or resume).
    last: AtomicU64,
    /// Messages paused now.
    paused: AtomicU32,
}

/// Holds the idle clock still while it lives; the clock restarts from zero when it drops.
#[derive(Debug)]
#[cfg_attr(not(test), allow(dead_code))] // breakpoints will hold these
pub(crate) struct Paused(Arc<Activity>);

impl Drop for Paused {
    fn drop(&mut self) {
        self.0.touch();
        self.0.paused.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Activity {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            since: Instant::now(),
            last: AtomicU64::new(0),
            paused: AtomicU32::new(0),
        })
    }

    fn now(&self) -> u64 {
        self.since.elapsed().as_millis() as u64
    }

    /// Bytes moved: the clock starts again.
    pub(crate) fn touch(&self) {
        self.last.fetch_max(self.now(), Ordering::Relaxed);
    }

    /// Stops the clock until the returned guard drops (a message held at a breakpoint).
    #[cfg_attr(not(test), allow(dead_code))] // breakpoints will call this
    pub(crate) fn pause(self: &Arc<Self>) -> Paused {
        self.paused.fetch_add(1, Ordering::AcqRel);
        Paused(self.clone())
    }

    /// Resolves once nothing has moved for `limit` while nothing was paused, with the reason
    /// to record ("idle for 30 s").
    pub(crate) async fn idle(&self, limit: Duration) -> String {
        let limit_ms = limit.as_millis() as u64;
        loop {
            let quiet = self.now().saturating_sub(self.last.load(Ordering::Relaxed));
            let wait = if self.paused.load(Ordering::Acquire) > 0 {
                limit_ms
            } else if quiet >= limit_ms {
                return format!("idle for {} s", limit_ms as f64 / 1000.0);
            } else {
                limit_ms - quiet
            };
            tokio::time::sleep(Duration::from_millis(wait.max(1))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_clock_runs_only_while_nothing_moves_and_nothing_is_paused() {
        let activity = Activity::new();
        let watch = activity.clone();
        let started = tokio::time::Instant::now();
        let held = activity.pause();
        let idle = tokio::spawn(async move { watch.idle(Duration::from_millis(50)).await });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!idle.is_finished(), "paused: never idle");
        drop(held);
        let reason = idle.await.unwrap();
        assert_eq!(reason, "idle for 0.05 s");
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn bytes_restart_the_clock() {
        let activity = Activity::new();
        let watch = activity.clone();
        let idle = tokio::spawn(async move { watch.idle(Duration::from_millis(150)).await });
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            activity.touch();
        }
        assert!(!idle.is_finished(), "300 ms of traffic, never 150 ms quiet");
        assert_eq!(idle.await.unwrap(), "idle for 0.15 s");
    }
}
