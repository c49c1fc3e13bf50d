//! `tcpmon-cli ca`: the local CA that signs the certificates TCPMon presents to TLS clients
//! (the CLI and the app share it): where it is, a copy to give clients, a new one.

use anyhow::Result;
use std::path::PathBuf;
use tcpmon_tls::ca::{self, Ca};

/// `ca path | export FILE | regenerate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Prints the CA certificate's path, making the CA first if there is none.
    Path,
    /// Writes the CA certificate to FILE: DER for .der and .cer, PEM otherwise.
    Export {
        /// Where to write it.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Replaces the CA with a new one; clients that trusted the old one must trust the new.
    Regenerate,
}

/// Runs a `ca` subcommand.
pub fn run(args: &Args) -> Result<()> {
    let dir = ca::default_dir()?;
    match &args.action {
        Action::Path => println!("{}", Ca::load_or_create(&dir)?.cert_path().display()),
        Action::Export { file } => {
            tcpmon_desktop::ca::export(&dir, file)?;
            eprintln!("wrote the CA certificate to {}", file.display());
        }
        Action::Regenerate => {
            let path = Ca::regenerate(&dir)?.cert_path();
            println!("{}", path.display());
            eprintln!("new CA: trust it where the old one was trusted (docs/https.md)");
        }
    }
    Ok(())
}
