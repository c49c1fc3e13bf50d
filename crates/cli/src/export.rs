//! `tcpmon-cli export IN OUT`: converts a capture file, and the one way every connection of a
//! store is written to a file (the listener's `--save` too).

use anyhow::Result;
use std::path::{Path, PathBuf};
use tcpmon_files::atomic::check_writable;
use tcpmon_files::{Format, Pick, save};
use tcpmon_relay::Store;

/// `export IN OUT`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A TCPMon session file or a HAR file.
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Where to write; its extension picks the format.
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
}

/// Converts `input` to `output`, checking first that `output` can be written.
pub fn run(args: &Args) -> Result<()> {
    check_writable(&args.output, Format::from_path(&args.output).role())?;
    let opened = crate::capture::open(&args.input)?;
    let wrote = save_all(&opened.store, &args.output)?;
    eprintln!("wrote {wrote} to {}", args.output.display());
    Ok(())
}

/// Writes every connection of `store` to `path` in the format its extension names, and says
/// what was written: "3 connections" or "5 exchanges", as the format counts.
pub fn save_all(store: &Store, path: &Path) -> Result<String> {
    let ids: Vec<_> = store.records().iter().map(|r| r.id).collect();
    let format = Format::from_path(path);
    let count = save::save(store, Pick::Connections(&ids), path, format)?;
    let unit = match format {
        Format::Session | Format::Text => "connection",
        Format::Har | Format::Curl => "exchange",
    };
    Ok(format!(
        "{count} {unit}{}",
        if count == 1 { "" } else { "s" }
    ))
}
