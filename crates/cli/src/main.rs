//! `tcpmon-cli`: the headless monitor. Same engine as the desktop app; prints one line per
//! finished connection and can save everything it captured when it ends.

mod args;
mod exposure;
mod report;

use anyhow::{Context, Result};
use args::{Args, Command};
use clap::Parser;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tcpmon_relay::export::{self, Format, Pick};
use tcpmon_relay::session;
use tcpmon_relay::{Engine, EngineOptions};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tcpmon-cli: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    if let Some(Command::Export { input, output }) = &args.command {
        return convert(input, output);
    }
    let mut config = args.listener_config()?;
    args.exposure.apply(&mut config)?;
    if let Some(path) = &args.save {
        export::check_writable(path)?;
    }
    let engine =
        Engine::new(EngineOptions::default()).context("cannot create the capture store")?;
    let events = engine.subscribe();
    let warnings = exposure::warnings(&config);
    let info = engine.add_listener(config).await?;
    for warning in warnings {
        eprintln!("tcpmon-cli: warning: {warning}");
    }
    let local = info.local_addr.context("the listener has no address")?;
    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "listening on {local} -> {}",
        args.target_description()
    )?;
    stdout.flush()?;

    let printer = report::Printer::spawn(events, args.quiet);
    wait_for_stop_signal().await?;
    engine.shutdown().await;
    printer.finish().await;

    if let Some(path) = &args.save {
        let ids: Vec<_> = engine.store().records().iter().map(|r| r.id).collect();
        let format = Format::from_path(path);
        let count = export::save(engine.store(), Pick::Connections(&ids), path, format)?;
        eprintln!("saved {} to {}", what(count, format), path.display());
    }
    Ok(())
}

/// `tcpmon-cli export INPUT OUTPUT`.
fn convert(input: &Path, output: &Path) -> Result<()> {
    export::check_writable(output)?;
    let opened = session::open_any(input)?;
    if let Some(note) = &opened.note {
        eprintln!("{}: {note}", input.display());
    }
    let ids: Vec<_> = opened.store.records().iter().map(|r| r.id).collect();
    let format = Format::from_path(output);
    let count = export::save(&opened.store, Pick::Connections(&ids), output, format)?;
    eprintln!("wrote {} to {}", what(count, format), output.display());
    Ok(())
}

/// "3 connections" or "5 exchanges", as the format counts.
fn what(count: usize, format: Format) -> String {
    let unit = match format {
        Format::Session | Format::Text => "connection",
        Format::Har | Format::Curl => "exchange",
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// Ctrl-C or SIGTERM.
async fn wait_for_stop_signal() -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}
