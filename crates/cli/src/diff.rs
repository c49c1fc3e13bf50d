//! `tcpmon-cli diff`: two exchanges compared, their requests and their responses, as unified
//! diffs (bodies decoded and, when JSON or XML, indented, so whitespace is no difference). Exit
//! 0 when they are the same, 1 when they differ, 2 on an error, as `diff` does.

use crate::capture;
use crate::show::Selector;
use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::PathBuf;
use tcpmon_desktop::compare;
use tcpmon_files::session::Session;
use tcpmon_inspect::diff::{Options, unified};
use tcpmon_relay::Error;

/// `diff FILE SELECTOR SELECTOR`, or `diff FILE#SELECTOR FILE#SELECTOR` across two files.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `FILE#C.N` (exchange N of connection C in a session or HAR file), or the FILE whose two
    /// exchanges follow: `diff capture.tcpmon '#1.1' '#2.1'`.
    pub first: String,
    /// `FILE#C.N`, or the first exchange (`#C.N`) of the one FILE.
    pub second: String,
    /// The second exchange of the one FILE.
    pub third: Option<String>,
    /// Leave this header out on both sides (Date, Set-Cookie, ...); repeatable.
    #[arg(long, value_name = "NAME")]
    pub ignore_header: Vec<String>,
    /// Compare bodies as they were sent (decoded, not indented).
    #[arg(long)]
    pub raw: bool,
    /// Compare JSON bodies with their objects' keys sorted: key order is no difference.
    #[arg(long)]
    pub ignore_key_order: bool,
}

/// One side: a file and an exchange in it.
struct Picked {
    file: PathBuf,
    selector: Selector,
    label: String,
}

fn exchange(text: &str) -> Result<Selector> {
    let selector: Selector = text.parse().map_err(|e: String| anyhow!("{text:?}: {e}"))?;
    if selector.exchange.is_none() || selector.message.is_some() {
        bail!("{text:?}: name an exchange, like #3.2");
    }
    Ok(selector)
}

fn picked(file: &str, selector: &str) -> Result<Picked> {
    Ok(Picked {
        file: PathBuf::from(file),
        selector: exchange(selector)?,
        label: format!("{file}#{}", selector.trim_start_matches('#')),
    })
}

/// `FILE#C.N` split at its last `#`.
fn in_file(text: &str) -> Result<Picked> {
    let (file, selector) = text
        .rsplit_once('#')
        .with_context(|| format!("{text:?}: give FILE#C.N, or FILE '#C.N' '#C.N'"))?;
    picked(file, selector)
}

/// Prints the differences; whether there were any.
pub fn run(args: &Args) -> Result<bool> {
    let (a, b) = match &args.third {
        Some(third) => (
            picked(&args.first, &args.second)?,
            picked(&args.first, third)?,
        ),
        None => (in_file(&args.first)?, in_file(&args.second)?),
    };
    let opened_a = capture::open(&a.file)?;
    let opened_b = if b.file == a.file {
        None
    } else {
        Some(capture::open(&b.file)?)
    };
    let options = Options {
        ignore_headers: args.ignore_header.clone(),
        raw: args.raw,
        ignore_key_order: args.ignore_key_order,
    };
    let (ta, tb) = (
        texts(&opened_a, &a, &options)?,
        texts(opened_b.as_ref().unwrap_or(&opened_a), &b, &options)?,
    );
    let mut out = std::io::stdout().lock();
    let mut differ = false;
    for (i, side) in ["request", "response"].iter().enumerate() {
        let labels = (format!("{} {side}", a.label), format!("{} {side}", b.label));
        if let Some(diff) = unified(&ta[i], &tb[i], &labels.0, &labels.1) {
            differ = true;
            out.write_all(diff.as_bytes())?;
        }
    }
    Ok(differ)
}

/// The picked exchange's request and response as the texts compared.
fn texts(opened: &Session, picked: &Picked, options: &Options) -> Result<[String; 2]> {
    let Selector {
        connection,
        exchange,
        ..
    } = picked.selector;
    let index = exchange.unwrap_or(1) - 1;
    let file = picked.file.display();
    compare::texts(&opened.store, connection, index, options).map_err(|e| match e {
        Error::NoSuchConnection(_) => anyhow!("{file}: no connection #{connection}"),
        Error::NoSuchExchange { .. } => anyhow!("{file}: no exchange {}", picked.label),
        other => anyhow!("{}: {other}", picked.label),
    })
}
