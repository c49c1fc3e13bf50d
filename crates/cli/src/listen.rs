//! The listener: relays and captures like Apache TCPMon's `LISTEN_PORT TARGET_HOST
//! TARGET_PORT`, or acts as an HTTP proxy with `--proxy LISTEN_PORT`; prints a line per
//! exchange as it completes, and saves everything when told to stop.

use crate::{export, report};
use anyhow::{Context, Result, bail};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use tcpmon_relay::{Engine, EngineOptions, HostPort, ListenerConfig, SlowLink};
use tokio::signal::unix::{SignalKind, signal};

/// Relays TCP connections and shows what passes: one line per HTTP exchange, and one per
/// connection that is not HTTP.
#[derive(Debug, Parser)]
#[command(name = "tcpmon-cli", version, about, arg_required_else_help = true)]
pub struct Args {
    /// Port to listen on (0: any free port; the first line of output names it).
    pub listen_port: u16,
    /// Host to relay to (not with --proxy).
    pub target_host: Option<String>,
    /// Port to relay to (not with --proxy).
    pub target_port: Option<u16>,
    /// Act as an HTTP proxy instead of relaying to one target.
    #[arg(long)]
    pub proxy: bool,
    /// Address to listen on. Anything but loopback lets other machines use the relay.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: String,
    /// Reach targets through this HTTP proxy.
    #[arg(long, value_name = "HOST:PORT")]
    pub upstream_proxy: Option<HostPort>,
    /// Set each request's Host header to the target (forward mode; off: bytes pass untouched).
    #[arg(long)]
    pub rewrite_host: bool,
    /// Simulate a slow link: at most BYTES every MS milliseconds, each direction.
    #[arg(long, value_name = "BYTES:MS")]
    pub slow: Option<SlowLink>,
    /// On Ctrl-C or SIGTERM, save all connections: FILE.txt as Apache TCPMon text, FILE.har
    /// as HAR 1.2, FILE.curl (or .sh) as curl commands, any other name as a TCPMon session.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Print only the "listening on" line.
    #[arg(long)]
    pub quiet: bool,
}

impl Args {
    /// The listener these arguments describe.
    pub fn listener_config(&self) -> Result<ListenerConfig> {
        let mut config = match (self.proxy, &self.target_host, self.target_port) {
            (true, None, None) => ListenerConfig::http_proxy(self.listen_port),
            (true, _, _) => {
                bail!("--proxy takes only LISTEN_PORT: the requests name their targets")
            }
            (false, Some(host), Some(port)) => {
                ListenerConfig::forward(self.listen_port, HostPort::new(host.as_str(), port))
            }
            (false, _, _) => {
                bail!("give LISTEN_PORT TARGET_HOST TARGET_PORT, or --proxy LISTEN_PORT")
            }
        };
        config.bind = ListenerConfig::parse_bind(&self.bind)?;
        config.upstream_proxy = self.upstream_proxy.clone();
        config.slow_link = self.slow;
        if self.rewrite_host && self.proxy {
            bail!("--rewrite-host works in forward mode: in proxy mode requests name their host");
        }
        config.rewrite_host = self.rewrite_host;
        Ok(config)
    }

    /// What the first output line says after the arrow.
    pub fn target_description(&self) -> String {
        let via = self
            .upstream_proxy
            .as_ref()
            .map(|p| format!(" via proxy {p}"))
            .unwrap_or_default();
        match (&self.target_host, self.target_port) {
            (Some(host), Some(port)) => format!("{}{via}", HostPort::new(host.as_str(), port)),
            _ => format!("http proxy{via}"),
        }
    }
}

/// Listens until Ctrl-C or SIGTERM, printing lines as exchanges complete, then saves.
pub async fn run(args: Args) -> Result<()> {
    let config = args.listener_config()?;
    if let Some(path) = &args.save {
        tcpmon_relay::export::check_writable(path)?;
    }
    let stop = stop_signal()?;
    let engine =
        Engine::new(EngineOptions::default()).context("cannot create the capture store")?;
    let events = engine.subscribe();
    let info = engine.add_listener(config).await?;
    let local = info.local_addr.context("the listener has no address")?;
    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "listening on {local} -> {}",
        args.target_description()
    )?;
    stdout.flush()?;

    let printer = report::Printer::spawn(events, args.quiet);
    stop.await;
    engine.shutdown().await;
    printer.finish().await;

    if let Some(path) = &args.save {
        let saved = export::save_all(engine.store(), path)?;
        eprintln!("saved {saved} to {}", path.display());
    }
    Ok(())
}

/// Ctrl-C or SIGTERM, listened for from now on: a script may send either as soon as it has
/// read the first line, and the default action would end the process without saving.
fn stop_signal() -> Result<impl Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
