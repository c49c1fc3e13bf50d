//! `tcpmon-cli ca`: the local CA as a user meets it, in a config folder of the test's own
//! (`XDG_CONFIG_HOME`), read back with `openssl`.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod common;

use common::cli;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `tcpmon-cli ca ARGS` with `config` as the config folder.
fn ca(config: &Path, args: &[&str]) -> Output {
    cli()
        .env("XDG_CONFIG_HOME", config)
        .arg("ca")
        .args(args)
        .output()
        .unwrap()
}

/// Runs it, expecting success; returns stdout.
fn ca_ok(config: &Path, args: &[&str]) -> String {
    let out = ca(config, args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs it, expecting exit code 2 and one line on stderr; returns that line.
fn ca_fails(config: &Path, args: &[&str]) -> String {
    let out = ca(config, args);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    err
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn fingerprint(cert: &Path, form: &str) -> String {
    let path = cert.to_str().unwrap();
    openssl(&[
        "x509",
        "-inform",
        form,
        "-in",
        path,
        "-noout",
        "-fingerprint",
        "-sha256",
    ])
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn ca_path_makes_a_private_ca_once_with_the_extensions_clients_require() {
    let config = tempfile::tempdir().unwrap();
    let printed = ca_ok(config.path(), &["path"]);
    let cert = config.path().join("org.tcpmon.desktop/ca/ca.pem");
    assert_eq!(printed, format!("{}\n", cert.display()));
    let dir = cert.parent().unwrap();
    assert_eq!(mode(dir), 0o700);
    assert_eq!(mode(&dir.join("ca-key.pem")), 0o600);

    let text = openssl(&["x509", "-in", cert.to_str().unwrap(), "-noout", "-text"]);
    for expected in [
        "Subject: O = TCPMon, CN = TCPMon local CA (",
        "ASN1 OID: prime256v1",
        "X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0",
        "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign",
        "X509v3 Subject Key Identifier",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let years = |label: &str| -> i32 {
        let line = text.lines().find(|l| l.trim().starts_with(label)).unwrap();
        line.split_whitespace()
            .rev()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(years("Not After") - years("Not Before"), 10, "{text}");

    let before = fingerprint(&cert, "PEM");
    assert_eq!(ca_ok(config.path(), &["path"]), printed);
    assert_eq!(
        fingerprint(&cert, "PEM"),
        before,
        "the second run kept the CA"
    );
}

#[test]
fn without_xdg_config_home_the_ca_is_under_home_dot_config() {
    let home = tempfile::tempdir().unwrap();
    let out = cli()
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .args(["ca", "path"])
        .output()
        .unwrap();
    let expected = home.path().join(".config/org.tcpmon.desktop/ca/ca.pem");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", expected.display())
    );
    assert!(expected.is_file());
}

#[test]
fn ca_export_writes_pem_or_der_and_regenerate_makes_a_new_ca() {
    let config = tempfile::tempdir().unwrap();
    let cert = PathBuf::from(ca_ok(config.path(), &["path"]).trim_end());
    let out = |name: &str| config.path().join(name);
    let arg = |name: &str| out(name).display().to_string();
    for name in ["copy.pem", "copy.der", "copy.cer"] {
        ca_ok(config.path(), &["export", &arg(name)]);
    }
    assert_eq!(
        std::fs::read(&cert).unwrap(),
        std::fs::read(out("copy.pem")).unwrap()
    );
    let old = fingerprint(&cert, "PEM");
    assert_eq!(fingerprint(&out("copy.der"), "DER"), old);
    assert_eq!(fingerprint(&out("copy.cer"), "DER"), old);

    let printed = ca_ok(config.path(), &["regenerate"]);
    assert_eq!(printed, format!("{}\n", cert.display()));
    let new = fingerprint(&cert, "PEM");
    assert_ne!(new, old);
    ca_ok(config.path(), &["export", &arg("copy.pem")]);
    assert_eq!(fingerprint(&out("copy.pem"), "PEM"), new);
}

#[test]
fn a_key_others_may_read_and_unwritable_exports_fail_in_one_line() {
    let config = tempfile::tempdir().unwrap();
    let cert = PathBuf::from(ca_ok(config.path(), &["path"]).trim_end());
    let key = cert.with_file_name("ca-key.pem");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = ca_fails(config.path(), &["path"]);
    assert_eq!(
        err,
        format!(
            "tcpmon-cli: {}: the CA key is readable by others (mode 0644); run chmod 600 on it, or regenerate the CA\n",
            key.display()
        )
    );
    ca_ok(config.path(), &["regenerate"]);
    assert_eq!(mode(&key), 0o600);

    let err = ca_fails(config.path(), &["export", "/no/such/folder/ca.pem"]);
    assert_eq!(
        err,
        "tcpmon-cli: certificate file /no/such/folder/ca.pem: folder /no/such/folder does not exist\n"
    );
}
