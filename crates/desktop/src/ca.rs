//! The local CA's certificate, written where the user chose: the app's "Export CA
//! certificate..." and `tcpmon-cli ca export FILE` (docs/https.md says where to trust it).

use crate::error::{CommandError, ErrorKind};
use std::io::Write;
use std::path::Path;
use tcpmon_files::FileRole;
use tcpmon_files::atomic::{check_writable, write_file};
use tcpmon_tls::ca::{Ca, CaError};
use thiserror::Error;

/// The name the save dialog suggests.
pub const SUGGESTED_NAME: &str = "tcpmon-ca.pem";
/// The extensions the save dialog offers: PEM, or DER for `.der` and `.cer`.
pub const EXTENSIONS: &[&str] = &["pem", "crt", "der", "cer"];

/// Why the certificate was not written.
#[derive(Debug, Error)]
pub enum ExportError {
    /// The CA could not be loaded or made.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// The file could not be written.
    #[error(transparent)]
    File(#[from] tcpmon_files::Error),
}

impl From<ExportError> for CommandError {
    fn from(e: ExportError) -> Self {
        CommandError::new(ErrorKind::Io, e.to_string())
    }
}

/// Writes the certificate of the CA kept in `dir` to `file`: DER for `.der` and `.cer`, PEM
/// otherwise. The CA is made first when `dir` holds none, but not for a file that cannot be
/// written.
pub fn export(dir: &Path, file: &Path) -> Result<(), ExportError> {
    check_writable(file, FileRole::Certificate)?;
    let bytes = Ca::load_or_create(dir)?.export(file);
    let failed = |e| tcpmon_files::Error::file(FileRole::Certificate, file, e);
    write_file(file, failed, |out| out.write_all(&bytes).map_err(failed))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_written_as_its_file_name_asks() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("config/ca");
        let pem = tmp.path().join("ca.pem");
        export(&dir, &pem).unwrap();
        let text = std::fs::read_to_string(&pem).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
        assert_eq!(
            text,
            std::fs::read_to_string(Ca::load_or_create(&dir).unwrap().cert_path()).unwrap(),
            "the CA made on first use, as kept"
        );
        let der = tmp.path().join("ca.cer");
        export(&dir, &der).unwrap();
        let bytes = std::fs::read(&der).unwrap();
        assert_eq!(bytes[0], 0x30, "DER: a SEQUENCE");
        assert_eq!(bytes, Ca::load_or_create(&dir).unwrap().cert_der().to_vec());
    }

    #[test]
    fn an_unwritable_file_says_so_and_makes_no_ca() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ca");
        let err = export(&dir, &tmp.path().join("missing/ca.pem")).unwrap_err();
        let error = CommandError::from(err);
        assert_eq!(error.kind, ErrorKind::Io);
        assert!(
            error.message.contains("does not exist"),
            "{}",
            error.message
        );
        assert!(!dir.exists());
    }

    #[test]
    fn an_unusable_ca_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ca");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(tcpmon_tls::ca::KEY_FILE), "").unwrap();
        let error = CommandError::from(export(&dir, &tmp.path().join("out.pem")).unwrap_err());
        assert!(
            error.message.contains("ca.pem: missing"),
            "{}",
            error.message
        );
    }
}
