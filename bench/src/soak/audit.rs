//! The check at the end of a soak: reads the client and server logs and the captures,
//! matches every captured connection to the client connection it was, judges each one
//! (see [`super::check`]), and prints the report. Unexpected trouble makes it fail.

use super::capture::{self, Ports};
use super::check::{Captured, Expected, Issue, judge};
use super::plan::Plan;
use super::report::{Totals, print_samples};
use super::wire::{ClientRec, ServerRec, read_log};
use anyhow::{Result, bail};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// What to check.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// The client log (`soak load --log`).
    #[arg(long)]
    pub clients: PathBuf,
    /// The server log (`soak serve --log`).
    #[arg(long)]
    pub servers: PathBuf,
    /// The main relay's capture (its `--save FILE.tcpmon`).
    #[arg(long)]
    pub capture: PathBuf,
    /// The capture-limit relay's capture.
    #[arg(long)]
    pub limit_capture: Option<PathBuf>,
    /// The samples (CSV, written by bench/soak.sh), summarised in the report.
    #[arg(long)]
    pub samples: Option<PathBuf>,
}

/// The server records by id; the others (no id came) are counted apart.
fn index_servers(records: Vec<ServerRec>, totals: &mut Totals) -> HashMap<u64, ServerRec> {
    let mut by_id = HashMap::new();
    let mut empty = 0;
    for rec in records {
        match rec.id {
            Some(id) => {
                if let Some(old) = by_id.insert(id, rec) {
                    totals.issue(Issue {
                        what: "server saw an id twice",
                        detail: format!("{id}: {}", old.outcome),
                    });
                }
            }
            // The server's own wake-up connection at the end, say.
            None if rec.recv.len == 0 => empty += 1,
            None => totals.issue(Issue {
                what: "server connection without an id",
                detail: format!("{} bytes, {}", rec.recv.len, rec.outcome),
            }),
        }
    }
    if empty > 0 {
        println!("server connections that carried nothing (its own wake-up at the end): {empty}");
    }
    by_id
}

/// Judges one connection and adds it up.
fn judge_one(
    totals: &mut Totals,
    client: &ClientRec,
    server: Option<&ServerRec>,
    cap: Option<&Captured>,
) {
    let plan = Plan::of(client.id);
    if plan.kind != client.kind {
        totals.issue(Issue {
            what: "client log names another kind",
            detail: format!("{}: {}", client.id, client.kind.name()),
        });
    }
    let verdict = judge(&Expected::of(&plan), client, server, cap);
    totals.add(client, verdict);
}

/// Runs the check; `Ok(false)` when anything unexpected happened.
pub fn run(args: &CheckArgs) -> Result<bool> {
    let clients = read_log(&args.clients, ClientRec::parse)?;
    if clients.is_empty() {
        bail!("the client log {:?} is empty", args.clients);
    }
    let mut totals = Totals::default();
    let servers = index_servers(read_log(&args.servers, ServerRec::parse)?, &mut totals);
    let by_id: HashMap<u64, &ClientRec> = clients.iter().map(|c| (c.id, c)).collect();
    let ports = Ports::new(&clients);
    let mut seen = HashSet::new();
    let captures = std::iter::once(&args.capture).chain(&args.limit_capture);
    for (relay, path) in (0u8..).zip(captures) {
        let session = capture::open(path)?;
        for record in session.store.records() {
            let cap = capture::read(&session.store, &record)?;
            let id = capture::id_in(&cap.dirs[0].data)
                .or_else(|| ports.find(relay, &record.client, record.accepted_at));
            let Some(client) = id.and_then(|id| by_id.get(&id)) else {
                totals.issue(Issue {
                    what: "captured connection of no client",
                    detail: format!("{} #{} {}", path.display(), cap.conn, record.client),
                });
                continue;
            };
            if client.relay != relay || !seen.insert(client.id) {
                totals.issue(Issue {
                    what: "captured twice or by the other relay",
                    detail: format!("{} #{}", path.display(), cap.conn),
                });
                continue;
            }
            judge_one(&mut totals, client, servers.get(&client.id), Some(&cap));
        }
    }
    for client in clients.iter().filter(|c| !seen.contains(&c.id)) {
        judge_one(&mut totals, client, servers.get(&client.id), None);
    }
    totals.print();
    if let Some(samples) = &args.samples {
        print_samples(samples)?;
    }
    totals.print_bottom_line();
    Ok(totals.clean())
}
