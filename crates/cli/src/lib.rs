//! `tcpmon-cli`: the headless monitor. Same engine as the desktop app; relays and prints one
//! line per exchange, saves what it captured when it ends, and reads saved captures. A library
//! so that its command line definition also makes the man pages and shell completions.

mod args;
mod ca;
mod capture;
mod control;
mod diff;
mod export;
mod exposure;
mod listen;
mod recover;
mod report;
mod show;
mod tls;
mod ws_lines;

pub use args::command;
use args::{Command, Invocation};
use std::process::ExitCode;

/// Runs the command line the process was given and returns its exit code.
pub async fn run() -> ExitCode {
    let done = |r: anyhow::Result<()>| r.map(|()| ExitCode::SUCCESS);
    let result = match args::parse() {
        Invocation::Listen(args) => done(listen::run(*args).await),
        Invocation::Command(Command::Show(args)) => done(show::run(&args)),
        Invocation::Command(Command::Export(args)) => done(export::run(&args)),
        Invocation::Command(Command::Recover(args)) => done(recover::run(&args)),
        Invocation::Command(Command::Ca(args)) => done(ca::run(&args)),
        Invocation::Command(Command::Control(args)) => done(control::run(&args).await),
        // As diff(1): 1 when the two differ.
        Invocation::Command(Command::Diff(args)) => {
            diff::run(&args).map(|differ| ExitCode::from(u8::from(differ)))
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Exit 2 for every failure, as clap does for bad arguments: one code to test.
            eprintln!("tcpmon-cli: {}", args::one_line(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
