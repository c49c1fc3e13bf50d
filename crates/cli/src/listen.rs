//! The listener: relays and captures like Apache TCPMon's `LISTEN_PORT TARGET_HOST
//! TARGET_PORT`, or acts as an HTTP proxy with `LISTEN_PORT` alone (or `--proxy LISTEN_PORT`); prints a line per
//! exchange as it completes, and saves everything when told to stop.

use crate::{export, report};
use anyhow::{Context, Result, bail};
use bytesize::ByteSize;
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use tcpmon_files::Format;
use tcpmon_relay::rules::{RuleSet, Rules};
use tcpmon_relay::{Engine, EngineOptions, Limits, ListenerConfig, ListenerText, Mode};
use tokio::signal::unix::{SignalKind, signal};

/// Relays TCP connections and shows what passes: one line per HTTP exchange, and one per
/// connection that is not HTTP.
#[derive(Debug, Parser)]
#[command(name = "tcpmon-cli", version, about, arg_required_else_help = true)]
pub struct Args {
    /// Port to listen on (0: any free port; the first line of output names it). Alone, it
    /// starts an HTTP proxy, as in Apache TCPMon.
    pub listen_port: String,
    /// Host to relay to.
    pub target_host: Option<String>,
    /// Port to relay to.
    pub target_port: Option<String>,
    /// Act as an HTTP proxy instead of relaying to one target (as LISTEN_PORT alone does).
    #[arg(long)]
    pub proxy: bool,
    /// Address to listen on. Anything but loopback lets other machines use the relay.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: String,
    /// Reach targets through this HTTP proxy.
    #[arg(long, value_name = "HOST:PORT")]
    pub upstream_proxy: Option<String>,
    /// Set each request's Host header to the target (forward mode; off: bytes pass untouched).
    #[arg(long)]
    pub rewrite_host: bool,
    /// Simulate a slow link: at most BYTES every MS milliseconds, each direction.
    #[arg(long, value_name = "BYTES:MS")]
    pub slow: Option<String>,
    /// Inject a fault, repeatable: KIND[=VALUE][,dir=up|down][,p=FRACTION], KIND one of
    /// latency=200ms~50ms (per chunk), slice=64 (bytes per write), close-after=10KiB,
    /// reset-after=10KiB, blackhole, refuse, status=503 (answers without the target); dir:
    /// up toward the server, down toward the client (default both); p: the chance per
    /// connection (default 1). Each fault that acts is written on its connection.
    #[arg(long, value_name = "SPEC")]
    pub fault: Vec<tcpmon_relay::Fault>,
    /// Change HTTP/1 traffic by rules: a JSON array of {"when": SEARCH, "on": "request" or
    /// "response", "then": ACTION}, ACTION one of mock, map (proxy mode), setHeader,
    /// removeHeader, replaceBody (README: Rules). The capture keeps what the client sent and
    /// received; each exchange line says which rule acted, and each rule's hits are printed at
    /// the end. Not for HTTP/2 or WebSocket traffic; break rules need the app.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Save all connections: FILE.txt as Apache TCPMon text, FILE.har as HAR 1.2, FILE.curl
    /// (or .sh) as curl commands when TCPMon ends (Ctrl-C or SIGTERM); any other name is a
    /// TCPMon session written as the bytes come (a crash leaves everything up to it there).
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Stop recording (never relaying) once the capture holds SIZE (e.g. 500MiB, 2GB); the
    /// connections that lose bytes are marked truncated, with the reason.
    #[arg(long, value_name = "SIZE")]
    pub capture_limit: Option<ByteSize>,
    /// Stop recording while the capture's disk has less than SIZE free (0: until it is full).
    #[arg(long, value_name = "SIZE", default_value = "1GiB")]
    pub keep_free: ByteSize,
    /// Print only the "listening on" line.
    #[arg(long)]
    pub quiet: bool,
    /// Also print a line per WebSocket message and Server-Sent Event (#C.N.mK: time, -> to
    /// the server or <- to the client, kind, size, a preview).
    #[arg(long)]
    pub ws: bool,
    #[command(flatten)]
    pub exposure: crate::exposure::Exposure,
    #[command(flatten)]
    pub tls: crate::tls::TargetTlsArgs,
}

impl Args {
    /// The listener these arguments describe, by the rule the app's form and command line
    /// share.
    pub fn listener_config(&self) -> Result<ListenerConfig> {
        let positional: Vec<&str> = [
            Some(&self.listen_port),
            self.target_host.as_ref(),
            self.target_port.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
        if self.proxy && positional.len() > 1 {
            bail!("--proxy takes only LISTEN_PORT: the requests name their targets");
        }
        let slow = self
            .slow
            .as_deref()
            .map(|s| s.split_once(':').unwrap_or((s, "")));
        let text = ListenerText {
            bind: &self.bind,
            upstream_proxy: self.upstream_proxy.as_deref().unwrap_or_default(),
            slow_link: slow,
            rewrite_host: self.rewrite_host,
            ..ListenerText::positional(&positional)?
        };
        let mut config = text.parse()?;
        config.faults = self.fault.clone();
        if let Some(path) = &self.rules {
            let rules = RuleSet::load(path)?;
            rules.check(&config.mode, false)?;
            config.rules = Rules(Some(Arc::new(rules)));
        }
        Ok(config)
    }

    /// The whole listener these arguments describe: its settings, who may reach it, and TLS.
    pub fn config(&self) -> Result<ListenerConfig> {
        let mut config = self.listener_config()?;
        self.exposure.apply(&mut config)?;
        self.tls.apply(&mut config)?;
        Ok(config)
    }

    /// Where the engine keeps its capture: a session `--save` file is the capture log itself
    /// (bytes written once); anything else goes to the cache folder until a clean exit.
    fn engine_options(&self) -> EngineOptions {
        let session = self
            .save
            .as_ref()
            .filter(|path| Format::from_path(path) == Format::Session);
        EngineOptions {
            capture_file: session.cloned(),
            limits: Limits {
                total: self.capture_limit.map(|s| s.as_u64()),
                keep_free: self.keep_free.as_u64(),
                ..Limits::default()
            },
            ..EngineOptions::default()
        }
    }
}

/// What the first output line says after the arrow.
pub fn target_description(config: &ListenerConfig) -> String {
    let via = config
        .upstream_proxy
        .as_ref()
        .map(|p| format!(" via proxy {p}"))
        .unwrap_or_default();
    let tls = match &config.target_tls {
        Some(tls) if tls.insecure => " over TLS (any certificate accepted)",
        Some(_) => " over TLS",
        None => "",
    };
    match &config.mode {
        Mode::Forward { target } => format!("{target}{tls}{via}"),
        Mode::HttpProxy => format!("http proxy{via}"),
    }
}

/// Listens until Ctrl-C or SIGTERM, printing lines as exchanges complete, then saves.
pub async fn run(args: Args) -> Result<()> {
    let config = args.config()?;
    if let Some(path) = &args.save {
        tcpmon_files::atomic::check_writable(path, Format::from_path(path).role())?;
    }
    let stop = stop_signal()?;
    let engine = Engine::new(args.engine_options()).context("cannot create the capture store")?;
    let events = engine.subscribe();
    let warnings = crate::exposure::warnings(&config);
    let listen_tls = config.listen_tls;
    let description = target_description(&config);
    let rules = config.rules.0.clone();
    let info = engine.add_listener(config).await?;
    for warning in warnings {
        eprintln!("tcpmon-cli: warning: {warning}");
    }
    let local = info.local_addr.context("the listener has no address")?;
    if listen_tls {
        let ca = tcpmon_tls::ca::default_dir()
            .map(|dir| dir.join(tcpmon_tls::ca::CERT_FILE).display().to_string())
            .unwrap_or_default();
        eprintln!(
            "tcpmon-cli: clients speak TLS to {local}; they must trust TCPMon's CA {ca} (docs/https.md)"
        );
    }
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {local} -> {description}")?;
    stdout.flush()?;

    let printer = report::Printer::spawn(events, args.quiet, args.ws.then(|| engine.clone()));
    stop.await;
    engine.shutdown().await;
    printer.finish().await;
    if let Some(rules) = rules {
        for line in rule_counts(&rules) {
            eprintln!("{line}");
        }
    }

    let store = engine.store();
    match &args.save {
        Some(path) if store.log_path() == Some(path.as_path()) => {
            store.sync()?;
            eprintln!(
                "saved {} connections to {}",
                store.records().len(),
                path.display()
            );
        }
        Some(path) => {
            let saved = export::save_all(store, path)?;
            eprintln!("saved {saved} to {}", path.display());
            store.discard_log()?;
        }
        // A clean end: the capture log is not needed for recovery.
        None => store.discard_log()?,
    }
    Ok(())
}

/// A line per rule: its number, action, `when` and hits (`rule 2 mock "path:/a": 3 hits`).
fn rule_counts(rules: &RuleSet) -> Vec<String> {
    rules
        .rules()
        .iter()
        .zip(rules.hits())
        .enumerate()
        .map(|(i, (rule, hits))| {
            let off = if rule.enabled { "" } else { " (disabled)" };
            let plural = if hits == 1 { "" } else { "s" };
            format!(
                "rule {} {} {:?}{off}: {hits} hit{plural}",
                i + 1,
                rule.action.name(),
                rule.when
            )
        })
        .collect()
}

/// Ctrl-C or SIGTERM, listened for from now on: a script may send either as soon as it has
/// read the first line, and the default action would end the process without saving.
pub(crate) fn stop_signal() -> Result<impl Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
