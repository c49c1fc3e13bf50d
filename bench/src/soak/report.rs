//! Sums the verdicts of every connection and prints the soak's figures: connections by
//! kind, bytes relayed, expected events apart from unexpected ones, the relays' samples
//! (RSS, descriptors, disk, CPU), and "bytes altered or lost" as counted by the checker.

use super::check::{Issue, Verdict};
use super::plan::Kind;
use super::wire::ClientRec;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Issues of one category: how many, and the first few particulars.
#[derive(Default)]
struct Group {
    count: u64,
    examples: Vec<String>,
}

/// One kind's line.
#[derive(Default)]
struct KindLine {
    conns: u64,
    via_limit: u64,
    relayed: u64,
    with_issues: u64,
}

/// Everything counted so far.
#[derive(Default)]
pub struct Totals {
    kinds: BTreeMap<Kind, KindLine>,
    /// Bytes relayed by TCPMon's count, per relay and direction.
    relayed: [[u64; 2]; 2],
    altered: u64,
    lost: u64,
    unrecorded: u64,
    truncated: [u64; 2],
    issues: BTreeMap<&'static str, Group>,
    expected: BTreeMap<String, u64>,
    /// When the first and the last connection started (µs since the epoch).
    started: Option<(u64, u64)>,
}

impl Totals {
    /// Adds one connection's verdict.
    pub fn add(&mut self, client: &ClientRec, v: Verdict) {
        let (first, last) = self.started.unwrap_or((client.start_us, client.start_us));
        self.started = Some((first.min(client.start_us), last.max(client.start_us)));
        let line = self.kinds.entry(client.kind).or_default();
        line.conns += 1;
        line.via_limit += u64::from(client.relay == 1);
        line.relayed += v.relayed[0] + v.relayed[1];
        line.with_issues += u64::from(!v.issues.is_empty());
        let relay = usize::from(client.relay.min(1));
        for d in 0..2 {
            self.relayed[relay][d] += v.relayed[d];
        }
        self.altered += v.altered;
        self.lost += v.lost;
        self.unrecorded += v.unrecorded;
        let via = ["main", "limit relay"][relay];
        for e in v.expected {
            if e.starts_with("truncated: ") {
                self.truncated[relay] += 1;
            }
            *self
                .expected
                .entry(format!("{}, {via}: {e}", client.kind.name()))
                .or_default() += 1;
        }
        for issue in v.issues {
            self.issue(issue);
        }
    }

    /// Counts an issue that is not one connection's (a stray record, a log problem).
    pub fn issue(&mut self, issue: Issue) {
        let group = self.issues.entry(issue.what).or_default();
        group.count += 1;
        if group.examples.len() < 5 {
            group.examples.push(issue.detail);
        }
    }

    /// Whether anything unexpected happened.
    pub fn clean(&self) -> bool {
        self.issues.is_empty() && self.altered + self.lost == 0
    }

    /// Prints the connection figures.
    pub fn print(&self) {
        let conns: u64 = self.kinds.values().map(|k| k.conns).sum();
        let secs = self.started.map_or(0.0, |(a, b)| (b - a) as f64 / 1e6);
        println!(
            "connections: {conns}, started over {secs:.0} s ({:.1} per second)",
            conns as f64 / secs.max(1.0)
        );
        println!(
            "| kind | connections | via the capture-limit relay | relayed MB | with unexpected issues |"
        );
        println!("| --- | ---: | ---: | ---: | ---: |");
        for (kind, k) in &self.kinds {
            println!(
                "| {} | {} | {} | {:.1} | {} |",
                kind.name(),
                k.conns,
                k.via_limit,
                mb(k.relayed),
                k.with_issues
            );
        }
        let [main, limit] = self.relayed;
        println!(
            "bytes relayed (TCPMon's count): {:.1} MB through the main relay (requests {:.1}, \
             responses {:.1}), {:.1} MB through the capture-limit relay; {} bytes in all",
            mb(main[0] + main[1]),
            mb(main[0]),
            mb(main[1]),
            mb(limit[0] + limit[1]),
            main[0] + main[1] + limit[0] + limit[1],
        );
        println!(
            "recording stopped for {} connections of the main relay and {} of the limit relay \
             (marked truncated, with the reason): {} bytes relayed but not recorded, as marked",
            self.truncated[0], self.truncated[1], self.unrecorded
        );
        println!("expected events (connections):");
        for (what, n) in &self.expected {
            println!("  {n} x {what}");
        }
        if self.issues.is_empty() {
            println!("unexpected: none");
        }
        for (what, g) in &self.issues {
            println!(
                "UNEXPECTED: {} x {what}, e.g. {}",
                g.count,
                g.examples.join("; ")
            );
        }
    }

    /// The last line, from the comparison.
    pub fn print_bottom_line(&self) {
        println!(
            "bytes altered or lost: {} (altered {}, lost {})",
            self.altered + self.lost,
            self.altered,
            self.lost
        );
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// The samples file: a header line of column names, then numbers.
struct Samples {
    names: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Samples {
    fn read(path: &Path) -> Result<Samples> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path:?}"))?;
        let mut lines = text.lines();
        let names = lines
            .next()
            .unwrap_or_default()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| {
                l.split(',')
                    .map(|v| v.parse().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        Ok(Samples { names, rows })
    }

    /// Column `name` of every row.
    fn column(&self, name: &str) -> Vec<(f64, f64)> {
        let Some(i) = self.names.iter().position(|n| n == name) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter_map(|r| Some((*r.first()?, *r.get(i)?)))
            .filter(|(_, v)| v.is_finite())
            .collect()
    }

    fn at_or_after(&self, name: &str, t: f64) -> Option<f64> {
        self.column(name)
            .into_iter()
            .find(|&(at, _)| at >= t)
            .map(|(_, v)| v)
    }

    fn last(&self, name: &str) -> Option<f64> {
        self.column(name).last().map(|&(_, v)| v)
    }

    fn max(&self, name: &str) -> Option<f64> {
        self.column(name)
            .into_iter()
            .map(|(_, v)| v)
            .reduce(f64::max)
    }
}

fn show(v: Option<f64>, scale: f64, decimals: usize) -> String {
    v.map_or("-".into(), |v| format!("{:.*}", decimals, v / scale))
}

/// Prints the relays' figures from the samples (every 10 s, written by bench/soak.sh).
pub fn print_samples(path: &Path) -> Result<()> {
    let s = Samples::read(path)?;
    let secs = s.last("t_s").unwrap_or(0.0);
    let cpu = s.last("cpu_s");
    println!(
        "tcpmon-cli (main relay), {} samples over {secs:.0} s: RSS {} MB at 1 minute, {} MB at \
         the end (anonymous {} MB, file {} MB), peak {} MB (VmHWM); open fds peak {} (at the \
         end {}); threads peak {}; \
         capture file {} MB ({} MB on disk, reservation included) at the end; CPU {} s \
         (utime+stime, {}% of one core on average)",
        s.rows.len(),
        show(s.at_or_after("rss_kb", 60.0), 1024.0, 1),
        show(s.last("rss_kb"), 1024.0, 1),
        show(s.last("anon_kb"), 1024.0, 1),
        show(s.last("file_kb"), 1024.0, 1),
        show(s.max("hwm_kb"), 1024.0, 1),
        show(s.max("fds"), 1.0, 0),
        show(s.last("fds"), 1.0, 0),
        show(s.max("threads"), 1.0, 0),
        show(s.last("capture_bytes"), 1e6, 1),
        show(s.last("capture_disk_bytes"), 1e6, 1),
        show(cpu, 1.0, 1),
        show(cpu.map(|c| c * 100.0 / secs.max(1.0)), 1.0, 1),
    );
    if s.max("limit_rss_kb").is_some() {
        println!(
            "tcpmon-cli (capture-limit relay): RSS {} MB at 1 minute, {} MB at the end; open \
             fds peak {}; capture file {} MB at the end; CPU {} s",
            show(s.at_or_after("limit_rss_kb", 60.0), 1024.0, 1),
            show(s.last("limit_rss_kb"), 1024.0, 1),
            show(s.max("limit_fds"), 1.0, 0),
            show(s.last("limit_capture_bytes"), 1e6, 1),
            show(s.last("limit_cpu_s"), 1.0, 1),
        );
    }
    Ok(())
}
