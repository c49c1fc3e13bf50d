//! The load: connection after connection at a steady pace for the run's duration, each in
//! a thread of its own (slow ones sleep, echo ones read while they write), at most
//! `concurrency` at once. Pace: a byte budget (each connection's rough bytes both ways) and
//! a ceiling on connections per second, so the machine's two cores stay shared.
//! At the end it waits for the connections still running and writes its log.

use super::client;
use super::plan::{Kind, Plan, Rng};
use super::wire::{ClientRec, write_log};
use anyhow::Result;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Slow clients running at once, at most (they hold a thread for seconds).
const MAX_SLOW: usize = 8;
/// How far ahead of the byte budget the pace may run.
const BURST: Duration = Duration::from_millis(500);

/// What the load does.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// The relay in front of `soak serve` (the main one).
    #[arg(long)]
    pub to: SocketAddr,
    /// A second relay, the one with a capture limit; `--limit-share` percent of the
    /// connections go there.
    #[arg(long)]
    pub limit_to: Option<SocketAddr>,
    /// Percent of connections sent to `--limit-to`.
    #[arg(long, default_value_t = 10)]
    pub limit_share: u64,
    /// How long to start new connections, in seconds.
    #[arg(long)]
    pub secs: u64,
    /// Byte budget, both directions together, bytes per second.
    #[arg(long, default_value = "2M", value_parser = crate::parse_size)]
    pub rate: u64,
    /// Most new connections per second.
    #[arg(long, default_value_t = 200.0)]
    pub max_cps: f64,
    /// Most connections open at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Where to write the client log.
    #[arg(long)]
    pub log: PathBuf,
}

/// Open connections, all and slow ones: a gate new connections wait at.
#[derive(Default)]
struct Open {
    counts: Mutex<(usize, usize)>,
    changed: Condvar,
}

impl Open {
    /// Waits for room, then counts one more (`slow`: of the slow ones too); `false` when a
    /// slow one finds no room (the caller picks another connection).
    fn enter(&self, most: usize, slow: bool) -> bool {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if slow && c.1 >= MAX_SLOW {
            return false;
        }
        while c.0 >= most {
            c = self.changed.wait(c).unwrap_or_else(|p| p.into_inner());
        }
        c.0 += 1;
        c.1 += usize::from(slow);
        true
    }

    fn leave(&self, slow: bool) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        c.0 -= 1;
        c.1 -= usize::from(slow);
        self.changed.notify_all();
    }

    fn wait_empty(&self) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        while c.0 > 0 {
            c = self.changed.wait(c).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// The pace: a virtual clock the byte budget advances, and the last start.
struct Pace {
    budget_at: Instant,
    last: Instant,
    rate: f64,
    gap: Duration,
}

impl Pace {
    fn new(rate: u64, max_cps: f64) -> Self {
        let now = Instant::now();
        Self {
            budget_at: now,
            last: now,
            rate: rate.max(1) as f64,
            gap: Duration::from_secs_f64(1.0 / max_cps.max(0.001)),
        }
    }

    /// Sleeps until a connection costing `cost` bytes may start.
    fn wait(&mut self, cost: u64) {
        let now = Instant::now();
        let floor = now.checked_sub(BURST).unwrap_or(now);
        self.budget_at =
            self.budget_at.max(floor) + Duration::from_secs_f64(cost as f64 / self.rate);
        let until = (self.budget_at.checked_sub(BURST).unwrap_or(now)).max(self.last + self.gap);
        if until > now {
            std::thread::sleep(until - now);
        }
        self.last = until.max(now);
    }
}

/// Which relay connection `id` goes through.
fn relay_for(id: u64, args: &LoadArgs) -> (u8, SocketAddr) {
    match args.limit_to {
        Some(limit) if Rng::new(id ^ 0x11).below(100) < args.limit_share => (1, limit),
        _ => (0, args.to),
    }
}

/// Runs the load; prints one summary line; writes the log.
pub fn run(args: &LoadArgs) -> Result<()> {
    let records: Arc<Mutex<Vec<ClientRec>>> = Arc::default();
    let open: Arc<Open> = Arc::default();
    let mut pace = Pace::new(args.rate, args.max_cps);
    let start = Instant::now();
    let mut id = 0u64;
    while start.elapsed() < Duration::from_secs(args.secs) {
        id += 1;
        let plan = Plan::of(id);
        let slow = plan.kind == Kind::Slow;
        if !open.enter(args.concurrency.max(1), slow) {
            continue;
        }
        pace.wait(plan.cost());
        let (relay, to) = relay_for(id, args);
        let (records, open) = (records.clone(), open.clone());
        std::thread::spawn(move || {
            let rec = client::run(&plan, to, relay);
            records.lock().unwrap_or_else(|p| p.into_inner()).push(rec);
            open.leave(slow);
        });
    }
    let started = start.elapsed();
    open.wait_empty();
    let mut records = std::mem::take(&mut *records.lock().unwrap_or_else(|p| p.into_inner()));
    records.sort_by_key(|r| r.id);
    let bytes: u64 = records.iter().map(|r| r.sent.len + r.recv.len).sum();
    let failed = records
        .iter()
        .filter(|r| r.outcome.starts_with("error"))
        .count();
    println!(
        "soak-load connections={} secs={:.1} drained_secs={:.1} client_bytes={bytes} errors={failed}",
        records.len(),
        started.as_secs_f64(),
        start.elapsed().as_secs_f64() - started.as_secs_f64(),
    );
    write_log(&args.log, records.iter().map(ClientRec::line))
}
