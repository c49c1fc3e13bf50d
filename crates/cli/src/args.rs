//! The command line has two shapes: Apache TCPMon's listener (`LISTEN_PORT TARGET_HOST
//! TARGET_PORT`, or `LISTEN_PORT` alone for an HTTP proxy) and subcommands (`show`, `export`,
//! `recover`, `ca`, `diff`, `control`). The first
//! argument decides which parser reads the rest, so no subcommand ever meets the listener's
//! positional arguments (and a target host may be called `show`). A new subcommand is a module
//! with `Args` and `run`, and a variant of [`Command`].

use crate::{ca, control, export, listen, recover, show};
use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;

/// What to do.
#[derive(Debug)]
pub enum Invocation {
    /// Relay and capture.
    Listen(Box<listen::Args>),
    /// A subcommand.
    Command(Command),
}

/// The subcommands: everything that is not a listener.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Shows the exchanges of a session or HAR file, or one exchange's request and response.
    Show(show::Args),
    /// Converts a session or HAR file to another format.
    ///
    /// OUT's extension picks the format: .har (HAR 1.2), .txt (Apache TCPMon text), .curl or
    /// .sh (curl commands), anything else a TCPMon session.
    Export(export::Args),
    /// Lists the captures a crash left behind, or exports one (LOG OUT) and removes it.
    Recover(recover::Args),
    /// The local CA that signs TCPMon's certificates for TLS clients: path, export, regenerate.
    Ca(ca::Args),
    /// Compares two exchanges (requests and responses) as unified diffs: diff FILE '#1.1'
    /// '#2.1', or diff A.tcpmon#1.1 B.har#3.1; exit 0 same, 1 different, 2 error.
    Diff(crate::diff::Args),
    /// Serves a JSON-over-HTTP API for test suites (add listeners with faults, list what
    /// passed, fetch bodies, save), described at /openapi.json; the first line says where and
    /// the bearer token it needs.
    Control(control::Args),
}

/// The parser for subcommands only.
#[derive(Debug, Parser)]
#[command(name = "tcpmon-cli", version, disable_help_subcommand = true)]
struct Commands {
    #[command(subcommand)]
    command: Command,
}

/// The listener's usage, with the subcommands' shape (their list follows the options).
const USAGE: &str = "tcpmon-cli [OPTIONS] LISTEN_PORT TARGET_HOST TARGET_PORT
       tcpmon-cli [OPTIONS] [--proxy] LISTEN_PORT
       tcpmon-cli COMMAND ARGS...";

/// Parses the process's arguments; on an error or `--help`, prints and exits (errors: one
/// line, exit code 2).
pub fn parse() -> Invocation {
    parse_from(std::env::args_os()).unwrap_or_else(|e| exit(&e))
}

/// Parses `args` (the program name first).
pub fn parse_from(args: impl IntoIterator<Item = OsString>) -> Result<Invocation, clap::Error> {
    let args: Vec<OsString> = args.into_iter().collect();
    let named = args
        .get(1)
        .is_some_and(|first| Commands::command().find_subcommand(first).is_some());
    if named {
        return Ok(Invocation::Command(Commands::try_parse_from(args)?.command));
    }
    let mut listener = listen::Args::command()
        .override_usage(USAGE)
        .after_help(commands_help());
    let matches = listener.try_get_matches_from_mut(args)?;
    listen::Args::from_arg_matches(&matches)
        .map(|args| Invocation::Listen(Box::new(args)))
        .map_err(|e| e.format(&mut listener))
}

/// The whole command line as one clap command, the listener's arguments with the subcommands,
/// for the man pages and shell completions ([`parse_from`] keeps the two shapes apart).
pub fn command() -> clap::Command {
    listen::Args::command()
        .override_usage(USAGE)
        .subcommands(Commands::command().get_subcommands().cloned())
        .args_conflicts_with_subcommands(true)
        .subcommand_negates_reqs(true)
        .disable_help_subcommand(true)
}

/// The subcommands' list for the listener's `--help`, from their own definitions.
fn commands_help() -> String {
    let commands = Commands::command();
    let lines = commands.get_subcommands().map(|command| {
        let about = command.get_about().map(ToString::to_string);
        format!("  {:<8}{}", command.get_name(), about.unwrap_or_default())
    });
    let lines: Vec<String> = lines.collect();
    format!(
        "Commands (tcpmon-cli COMMAND --help for theirs):\n{}",
        lines.join("\n")
    )
}

/// Prints help or the version (exit 0), the help when arguments are missing, or an error on
/// one line (exit 2).
fn exit(error: &clap::Error) -> ! {
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => error.exit(),
        _ => {
            eprintln!("tcpmon-cli: {}", clap_line(error));
            std::process::exit(2)
        }
    }
}

/// Clap's message without its usage and "try --help" lines, on one line.
fn clap_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
        .collect();
    one_line(&message.join("\n"))
        .trim_start_matches("error: ")
        .to_string()
}

/// `text`'s lines, trimmed and joined: every error is one line on stderr.
pub fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Invocation, clap::Error> {
        parse_from(
            std::iter::once("tcpmon-cli")
                .chain(line.split(' '))
                .map(Into::into),
        )
    }

    fn listener(line: &str) -> listen::Args {
        match parse(line) {
            Ok(Invocation::Listen(args)) => *args,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn the_listener_forms_parse_as_before_even_with_a_host_named_like_a_command() {
        let described = |line: &str| {
            let config = listener(line).listener_config().unwrap();
            listen::target_description(&config)
        };
        assert_eq!(
            described("8081 example.org 80 --save x.har"),
            "example.org:80"
        );
        let proxy = listener("--proxy 8080");
        assert!(proxy.proxy && proxy.listen_port == "8080");
        assert_eq!(described("8080"), "http proxy", "as in Apache TCPMon");
        assert_eq!(
            described("8081 show 80"),
            "show:80",
            "a host may be called show"
        );
        let err = listener("--quiet show x").listener_config().unwrap_err();
        assert_eq!(
            err.to_string(),
            "no target port given",
            "after an option, show is a listener's argument"
        );
    }

    #[test]
    fn subcommands_parse_whole_with_selectors_with_or_without_hash() {
        for line in [
            "show cap.har 3.2 --view xml",
            "show cap.har #3.2 --view=xml",
        ] {
            let Ok(Invocation::Command(Command::Show(args))) = parse(line) else {
                panic!("{line}");
            };
            assert_eq!(
                args.selector.map(|s| (s.connection.0, s.exchange)),
                Some((3, Some(2)))
            );
        }
        let Ok(Invocation::Command(Command::Show(args))) = parse("show f #3.2.m14") else {
            panic!("a message selector");
        };
        let selector = args
            .selector
            .map(|s| (s.connection.0, s.exchange, s.message));
        assert_eq!(selector, Some((3, Some(2), Some(14))));
        for bad in ["3.2.14", "3.2.m0", "3.2.m1.4"] {
            assert!(parse(&format!("show f {bad}")).is_err(), "{bad}");
        }
        assert!(matches!(
            parse("export in.tcpmon out.har"),
            Ok(Invocation::Command(Command::Export(_)))
        ));
    }

    #[test]
    fn errors_are_one_line_and_help_lists_both_forms() {
        let err = parse("show cap.har 3.x").unwrap_err();
        assert_eq!(
            clap_line(&err),
            "invalid value '3.x' for '[SELECTOR]': give #CONNECTION, #CONNECTION.EXCHANGE or #CONNECTION.EXCHANGE.mMESSAGE, like #3.2"
        );
        let view = clap_line(&parse("show f 1 --view pdf").unwrap_err());
        assert!(
            view.contains("possible values: auto, raw, xml, json, hex"),
            "{view}"
        );
        let help = parse("--help").unwrap_err().render().to_string();
        assert!(
            help.contains("[--proxy] LISTEN_PORT") && help.contains("\n  show "),
            "{help}"
        );
        assert!(help.contains("\n  export "), "{help}");
    }
}
