//! Slow-link simulation: paces writes to a steady rate in slices of about 10 ms, so a link set
//! to 1 KB/s delivers 10 bytes every 10 ms rather than a 4 KiB burst every 4 s.

use crate::config::SlowLink;
use std::time::Duration;
use tokio::time::Instant;

/// One direction's pacing state.
pub(crate) struct Throttle {
    bytes_per_second: f64,
    /// When the next slice may go.
    next: Instant,
}

impl Throttle {
    /// A throttle for the link, or `None` when it means "unlimited".
    pub(crate) fn new(link: &SlowLink) -> Option<Self> {
        link.bytes_per_second().map(|bytes_per_second| Self {
            bytes_per_second,
            next: Instant::now(),
        })
    }

    /// Bytes to write at once: 10 ms worth, at least one.
    pub(crate) fn slice_len(&self) -> usize {
        ((self.bytes_per_second / 100.0) as usize).max(1)
    }

    /// Waits until `len` more bytes may be written. Idle time earns no credit, so a quiet link
    /// does not burst afterwards.
    pub(crate) async fn pace(&mut self, len: usize) {
        let now = Instant::now();
        if self.next < now {
            self.next = now;
        }
        tokio::time::sleep_until(self.next).await;
        self.next += Duration::from_secs_f64(len as f64 / self.bytes_per_second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_to_the_configured_rate_without_bursts() {
        let mut t = Throttle::new(&SlowLink {
            bytes_per_pause: 100,
            delay_ms: 100,
        })
        .unwrap();
        assert_eq!(t.slice_len(), 10);
        let start = Instant::now();
        let mut gaps = Vec::new();
        let mut last = start;
        for _ in 0..100 {
            t.pace(10).await;
            gaps.push(Instant::now() - last);
            last = Instant::now();
        }
        // 1000 bytes at 1000 B/s: the last slice starts at 0.99 s, each 10 ms after the one before.
        assert_eq!(last - start, Duration::from_millis(990));
        assert!(gaps[1..].iter().all(|g| *g == Duration::from_millis(10)));
    }
}
