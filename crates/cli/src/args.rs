//! Command-line arguments, shaped like Apache TCPMon's: `LISTEN_PORT TARGET_HOST TARGET_PORT`,
//! or `--proxy LISTEN_PORT`.

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use tcpmon_relay::{HostPort, ListenerConfig, SlowLink};

/// Relays TCP connections and shows what passes: one line per HTTP exchange, and one per
/// connection that is not HTTP.
#[derive(Debug, Parser)]
#[command(
    name = "tcpmon-cli",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
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
    #[command(flatten)]
    pub exposure: crate::exposure::Exposure,
}

/// What else the CLI does.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Converts a saved session (or a HAR file) to OUT, in the format its extension names:
    /// .har (HAR 1.2), .txt (Apache TCPMon text), .curl or .sh (curl commands), else a session.
    Export {
        /// A TCPMon session file or a HAR file.
        input: PathBuf,
        /// Where to write.
        output: PathBuf,
    },
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
