//! `tcpmon-cli-docs OUT_DIR`: writes tcpmon-cli's man pages (`man1/*.1`, one per command) and
//! its bash, zsh and fish completions into OUT_DIR, from the same clap definition the CLI
//! parses with, so they cannot drift from it. Run by `scripts/package-deb.sh`; a separate
//! program so the installed `tcpmon-cli` carries neither the generators nor a hidden command.

use clap_complete::Shell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The shells whose completions the package installs.
const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let [out] = args.as_slice() else {
        eprintln!("usage: tcpmon-cli-docs OUT_DIR");
        return ExitCode::from(2);
    };
    match write(Path::new(out)) {
        Ok(written) => {
            written
                .iter()
                .for_each(|path| println!("{}", path.display()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tcpmon-cli-docs: {}: {e}", Path::new(out).display());
            ExitCode::from(2)
        }
    }
}

/// Writes the man pages into `out/man1` and the completions into `out`; returns the
/// completion files' paths (the man pages are named after their commands).
fn write(out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let man1 = out.join("man1");
    std::fs::create_dir_all(&man1)?;
    clap_mangen::generate_to(tcpmon_cli::command(), &man1)?;
    let mut command = tcpmon_cli::command();
    SHELLS
        .into_iter()
        .map(|shell| clap_complete::generate_to(shell, &mut command, "tcpmon-cli", out))
        .collect()
}

#[cfg(test)]
mod tests {
    // Tests stop at the first surprise, with its message: unwrap is the point here.
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn read(path: PathBuf) -> String {
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn man_pages_show_both_command_shapes_and_each_subcommand_has_its_own() {
        let out = tempfile::tempdir().unwrap();
        write(out.path()).unwrap();
        let man = read(out.path().join("man1/tcpmon-cli.1"));
        assert!(man.contains(".TH tcpmon-cli 1"), "{man}");
        assert!(man.contains("LISTEN_PORT TARGET_HOST TARGET_PORT"), "{man}");
        assert!(man.contains("[\\-\\-proxy] LISTEN_PORT"), "{man}");
        for sub in ["show", "export", "recover", "ca", "diff", "control"] {
            assert!(
                man.contains(&format!("tcpmon\\-cli\\-{sub}(1)")),
                "{sub}: {man}"
            );
            let page = read(out.path().join(format!("man1/tcpmon-cli-{sub}.1")));
            assert!(page.contains(&format!(".TH tcpmon-cli-{sub} 1")), "{page}");
        }
    }

    #[test]
    fn completions_offer_subcommands_and_listener_options_in_each_shell() {
        let out = tempfile::tempdir().unwrap();
        let written = write(out.path()).unwrap();
        let names: Vec<_> = written.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(names, ["tcpmon-cli.bash", "_tcpmon-cli", "tcpmon-cli.fish"]);
        for path in written {
            let script = read(path);
            for word in [
                "show",
                "export",
                "recover",
                "ca",
                "regenerate",
                "proxy",
                "save",
            ] {
                assert!(script.contains(word), "{word}: {script}");
            }
        }
    }
}
