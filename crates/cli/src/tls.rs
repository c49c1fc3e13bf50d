//! Options for TLS: `--listen-tls`, and towards the target `--target-tls` and what goes with
//! it. Flattened into
//! [`crate::listen::Args`].

use anyhow::{Result, bail};
use std::path::Path;
use tcpmon_relay::{ListenerConfig, TargetTls};

/// How TCPMon speaks TLS to its clients and to the target.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TargetTlsArgs {
    /// Clients speak TLS to TCPMon, which shows a certificate from its local CA for the name
    /// they ask for (`tcpmon-cli ca path` prints the CA to trust).
    #[arg(long)]
    pub listen_tls: bool,
    /// With --listen-tls: the protocols to agree to with clients by ALPN, comma-separated, in
    /// order of preference (h2,http/1.1 for a target that speaks HTTP/2, such as a gRPC
    /// server); none by default, so clients speak HTTP/1.1.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub listen_alpn: Vec<String>,
    /// Proxy mode: decrypt CONNECT tunnels whose client speaks TLS, so their exchanges show in
    /// clear: clients get certificates from TCPMon's local CA (which they must trust); origins
    /// are verified as --target-ca and --insecure say.
    #[arg(long)]
    pub decrypt_tls: bool,
    /// With --decrypt-tls: pass tunnels to matching hosts through untouched (for clients that
    /// pin certificates). A host glob matched against the SNI name and the CONNECT host
    /// (*.example.com; * matches any characters). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub no_decrypt: Vec<String>,
    /// Speak TLS to the target (clients speak plain HTTP to TCPMon). Its certificate is verified
    /// against the system's trust store (SSL_CERT_FILE is honoured) and --target-ca.
    #[arg(long)]
    pub target_tls: bool,
    /// Also trust the certificates in FILE (PEM): a self-signed server's own, or a private CA.
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    pub target_ca: Vec<String>,
    /// Accept any certificate from the target; each such connection says so.
    #[arg(long)]
    pub insecure: bool,
    /// Send NAME as SNI and verify the certificate for it, instead of the target host.
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,
    /// Show the target this client certificate chain (PEM, with its key unless --client-key).
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<String>,
    /// The key of --client-cert, when it is in a file of its own (PEM).
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<String>,
    /// Protocols to offer the target with ALPN, comma-separated (e.g. http/1.1).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub target_alpn: Vec<String>,
    /// Write the TLS secrets of both legs to FILE as NSS key-log lines, for Wireshark (as
    /// SSLKEYLOGFILE does).
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<std::path::PathBuf>,
}

impl TargetTlsArgs {
    /// Sets these options on `config`; the TLS options without `--target-tls` are a mistake
    /// worth saying rather than ignoring.
    pub fn apply(&self, config: &mut ListenerConfig) -> Result<()> {
        config.listen_tls = self.listen_tls;
        config.listen_alpn = self.listen_alpn.clone();
        config.decrypt_tls = self.decrypt_tls;
        config.no_decrypt = self.no_decrypt.clone();
        if let Some(path) = &self.keylog {
            tcpmon_tls::keylog::to_file(path)
                .map_err(|e| anyhow::anyhow!("--keylog {}: {e}", path.display()))?;
        }
        let given = [
            (!self.target_ca.is_empty(), "--target-ca"),
            (self.insecure, "--insecure"),
            (self.tls_server_name.is_some(), "--tls-server-name"),
            (self.client_cert.is_some(), "--client-cert"),
            (self.client_key.is_some(), "--client-key"),
            (!self.target_alpn.is_empty(), "--target-alpn"),
        ];
        let settings_given = given.iter().any(|(set, _)| *set);
        if !self.target_tls && !self.decrypt_tls {
            if let Some((_, flag)) = given.iter().find(|(set, _)| *set) {
                bail!("{flag} goes with --target-tls (or --decrypt-tls in proxy mode)");
            }
            return Ok(());
        }
        if !self.target_tls && !settings_given {
            // A decrypting proxy with no settings of its own: the system's trust for origins.
            return Ok(());
        }
        if self.client_key.is_some() && self.client_cert.is_none() {
            bail!("--client-key goes with --client-cert");
        }
        let absolute = |file: &String| {
            std::path::absolute(Path::new(file))
                .map_or_else(|_| file.clone(), |p| p.display().to_string())
        };
        config.target_tls = Some(TargetTls {
            ca_files: self.target_ca.iter().map(absolute).collect(),
            insecure: self.insecure,
            server_name: self.tls_server_name.clone(),
            client_cert: self.client_cert.as_ref().map(absolute),
            client_key: self.client_key.as_ref().map(absolute),
            alpn: self.target_alpn.clone(),
        });
        Ok(())
    }
}
