//! Key logging for Wireshark: with `SSLKEYLOGFILE` set, or a file named by `--keylog`, every TLS
//! session TCPMon opens or accepts, on both legs, writes its secrets as NSS key-log lines, so
//! a packet capture taken at the same time can be decrypted. The file is created 0600: it
//! holds what decrypts the traffic.

use rustls::KeyLog;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The file every session logs to, once chosen.
static FILE: OnceLock<Option<Arc<KeyLogWriter>>> = OnceLock::new();

/// Logs to `path` from now on (the CLI's `--keylog`); before any TLS session is set up. A
/// second call keeps the first file.
pub fn to_file(path: &Path) -> std::io::Result<()> {
    let writer = KeyLogWriter::open(path)?;
    let _ = FILE.set(Some(Arc::new(writer)));
    Ok(())
}

/// What configurations log to: the `--keylog` file, else `SSLKEYLOGFILE`'s, else nothing.
pub(crate) fn key_log() -> Option<Arc<dyn KeyLog>> {
    let chosen = FILE.get_or_init(|| {
        let path = std::env::var_os("SSLKEYLOGFILE").filter(|p| !p.is_empty())?;
        // A key log that cannot be opened is said once; TLS itself goes on.
        KeyLogWriter::open(Path::new(&path))
            .inspect_err(|e| {
                eprintln!(
                    "tcpmon: SSLKEYLOGFILE {}: {e}",
                    PathBuf::from(&path).display()
                )
            })
            .ok()
            .map(Arc::new)
    });
    chosen.clone().map(|w| w as Arc<dyn KeyLog>)
}

/// Appends NSS key-log lines to one file.
#[derive(Debug)]
struct KeyLogWriter(Mutex<File>);

impl KeyLogWriter {
    fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        Ok(Self(Mutex::new(file)))
    }
}

impl KeyLog for KeyLogWriter {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
        let mut file = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // One write per line, so two sessions never interleave within a line.
        let _ = file.write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn lines_are_nss_key_log_lines_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.log");
        let writer = KeyLogWriter::open(&path).unwrap();
        writer.log("CLIENT_RANDOM", &[0xab, 0x01], &[0xff]);
        writer.log("SERVER_TRAFFIC_SECRET_0", &[0x02], &[0x00, 0x10]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "CLIENT_RANDOM ab01 ff\nSERVER_TRAFFIC_SECRET_0 02 0010\n"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
