//! `tcpmon-cli recover`: captures left by a crash. Every capture is a log in the cache folder
//! while TCPMon runs; a clean exit removes it, so a log nobody holds is one a crash (or a
//! `kill -9`) left, with everything captured up to a moment before.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// `recover [LOG OUT]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A log that `recover` listed; with OUT, it is exported there and then removed.
    #[arg(value_name = "LOG", requires = "output")]
    pub log: Option<PathBuf>,
    /// Where to write it; its extension picks the format, as for `export`.
    #[arg(value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// Lists the logs left behind, or exports one and removes it.
pub fn run(args: &Args) -> Result<()> {
    let dir = tcpmon_relay::default_capture_dir().context("no cache folder (HOME is not set)")?;
    match (&args.log, &args.output) {
        (Some(log), Some(output)) => recover(&dir, log, output),
        _ => list(&dir),
    }
}

/// One line per log: path, size, when it was last written, and its connections.
fn list(dir: &Path) -> Result<()> {
    let left = tcpmon_relay::left_logs(dir)?;
    if left.is_empty() {
        eprintln!(
            "no capture left by a crash in {}",
            tcpmon_relay::logs_folder(dir).display()
        );
    }
    for log in left {
        let connections = tcpmon_files::session::open_log(&log.path).map_or_else(
            |e| format!("unreadable: {e}"),
            |s| format!("{} connections", s.store.records().len()),
        );
        println!(
            "{} {} {} {connections}",
            log.path.display(),
            humantime::format_rfc3339_seconds(log.modified),
            bytesize::ByteSize(log.size).display().iec(),
        );
    }
    Ok(())
}

/// Exports a log left by a crash to `output`, then removes it: its content is in `output` now.
fn recover(dir: &Path, log: &Path, output: &Path) -> Result<()> {
    let left = tcpmon_relay::left_logs(dir)?;
    let known = left.iter().any(|l| same_file(&l.path, log));
    if !known {
        bail!(
            "{} is not a capture left by a crash (see `tcpmon-cli recover` for those)",
            log.display()
        );
    }
    crate::export::run(&crate::export::Args {
        input: log.to_path_buf(),
        output: output.to_path_buf(),
    })?;
    std::fs::remove_file(log).with_context(|| format!("cannot remove {}", log.display()))?;
    eprintln!("removed {}", log.display());
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
