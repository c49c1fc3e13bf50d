//! The local CA: the certificate and key that sign the leaf certificates TCPMon presents to
//! clients. Made on first use and kept in the user's config folder, shared by the CLI and the
//! app (`$XDG_CONFIG_HOME/org.tcpmon.desktop/ca/`, the app's own config folder), never in a
//! capture or a session file.
//!
//! The folder is made whole or not at all: both files are written into a fresh 0700 folder
//! beside it, which is then renamed into place, so a crash never leaves half a key and two
//! processes starting at once agree on one CA (the second rename fails, and that process
//! loads the first one's).

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::fs::{self, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

/// The CA certificate's file name in the CA folder.
pub const CERT_FILE: &str = "ca.pem";
/// The CA key's file name in the CA folder.
pub const KEY_FILE: &str = "ca-key.pem";

/// How long the CA is valid: ten years, so a trusted CA is not soon to be trusted again.
const VALID_DAYS: i64 = 3650;

/// Why the CA cannot be used.
#[derive(Debug, Error)]
pub enum CaError {
    /// Neither `XDG_CONFIG_HOME` nor `HOME` names a config folder.
    #[error("no config folder for the CA (neither XDG_CONFIG_HOME nor HOME is set)")]
    NoConfigDir,
    /// A file or folder of the CA could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The key file may be read by others than its owner.
    #[error(
        "{}: the CA key is readable by others (mode {mode:04o}); run chmod 600 on it, or regenerate the CA",
        path.display()
    )]
    KeyMode {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The CA's files are there but unusable.
    #[error("{}: {reason}; regenerate the CA (tcpmon-cli ca regenerate)", path.display())]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate or key could not be made.
    #[error("cannot make the CA: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A loaded CA: what signs leaves, and the certificate clients are asked to trust.
#[derive(Debug)]
pub struct Ca {
    dir: PathBuf,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

/// `$XDG_CONFIG_HOME/org.tcpmon.desktop/ca`, else `~/.config/org.tcpmon.desktop/ca`: the app's
/// config folder (its identifier in `tauri.conf.json`), so the CLI and the app share one CA.
pub fn default_dir() -> Result<PathBuf, CaError> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })
        .ok_or(CaError::NoConfigDir)?;
    Ok(config.join("org.tcpmon.desktop").join("ca"))
}

fn missing(path: PathBuf) -> CaError {
    CaError::Invalid {
        path,
        reason: "missing".into(),
    }
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Ca {
    /// The CA kept in `dir`, made there first if `dir` holds none.
    pub fn load_or_create(dir: &Path) -> Result<Ca, CaError> {
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        match (cert.exists(), key.exists()) {
            (false, false) => create(dir),
            (true, true) => load(dir),
            (false, true) => Err(missing(cert)),
            (true, false) => Err(missing(key)),
        }
    }

    /// Replaces the CA in `dir` with a new one. Clients that trusted the old one must be
    /// given the new one.
    pub fn regenerate(dir: &Path) -> Result<Ca, CaError> {
        let old = dir.with_extension("old");
        match fs::remove_dir_all(&old) {
            Err(e) if e.kind() != ErrorKind::NotFound => return Err(io_error(&old)(e)),
            _ => {}
        }
        match fs::rename(dir, &old) {
            Err(e) if e.kind() != ErrorKind::NotFound => return Err(io_error(dir)(e)),
            _ => {}
        }
        let ca = create(dir)?;
        match fs::remove_dir_all(&old) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(io_error(&old)(e)),
            _ => Ok(ca),
        }
    }

    /// The CA certificate's file: the one to give clients to trust.
    pub fn cert_path(&self) -> PathBuf {
        self.dir.join(CERT_FILE)
    }

    /// The CA certificate, DER-encoded (the end of every chain TCPMon presents).
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// What signs leaf certificates.
    pub(crate) fn issuer(&self) -> &Issuer<'static, KeyPair> {
        &self.issuer
    }

    /// The certificate as a file named `path` holds it: DER for `.der` and `.cer` (what
    /// Windows and some Java tools expect), PEM otherwise.
    pub fn export(&self, path: &Path) -> Vec<u8> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("der") || ext.eq_ignore_ascii_case("cer") {
            self.cert_der.to_vec()
        } else {
            self.cert_pem.clone().into_bytes()
        }
    }
}

/// A new CA: ECDSA P-256 (every TLS client of the last decade verifies it; signing leaves is
/// far faster than with RSA), a name that says whose machine made it and when.
fn generate() -> Result<(String, KeyPair), CaError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "TCPMon");
    params.distinguished_name.push(
        DnType::CommonName,
        format!("TCPMon local CA ({} {})", hostname(), now.date()),
    );
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(VALID_DAYS);
    params.serial_number = Some(crate::leaf::random_serial());
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key))
}

fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// Makes a CA in a fresh folder beside `dir` and renames it to `dir`; when another process
/// got there first, loads its CA instead.
fn create(dir: &Path) -> Result<Ca, CaError> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_error(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".ca-new.")
        .tempdir_in(parent)
        .map_err(io_error(parent))?;
    fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o700))
        .map_err(io_error(staging.path()))?;
    let (cert_pem, key) = generate()?;
    write_new(&staging.path().join(KEY_FILE), &key.serialize_pem(), 0o600)?;
    write_new(&staging.path().join(CERT_FILE), &cert_pem, 0o644)?;
    match fs::rename(staging.path(), dir) {
        Ok(()) => {
            // Renamed away: nothing left for the guard to remove.
            let _ = staging.keep();
            fs::File::open(parent)
                .and_then(|f| f.sync_all())
                .map_err(io_error(parent))?;
            load(dir)
        }
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DirectoryNotEmpty | ErrorKind::AlreadyExists
            ) =>
        {
            load(dir)
        }
        Err(e) => Err(io_error(dir)(e)),
    }
}

/// Writes a new file with `mode` and syncs it.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), CaError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_error(path))
}

/// Reads the CA in `dir`, refusing a key others may read and a key that is not the
/// certificate's.
fn load(dir: &Path) -> Result<Ca, CaError> {
    let key_path = dir.join(KEY_FILE);
    let cert_path = dir.join(CERT_FILE);
    let mode = fs::metadata(&key_path)
        .map_err(io_error(&key_path))?
        .permissions()
        .mode()
        & 0o7777;
    if mode & 0o7177 != 0 {
        return Err(CaError::KeyMode {
            path: key_path,
            mode,
        });
    }
    let invalid = |path: &Path, reason: String| CaError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let key_pem = fs::read_to_string(&key_path).map_err(io_error(&key_path))?;
    let cert_pem = fs::read_to_string(&cert_path).map_err(io_error(&cert_path))?;
    let key = KeyPair::from_pem(&key_pem).map_err(|e| invalid(&key_path, e.to_string()))?;
    let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
        .map_err(|e| invalid(&cert_path, e.to_string()))?;
    let key_der = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| invalid(&key_path, e.to_string()))?;
    rustls::sign::CertifiedKey::from_der(vec![cert_der.clone()], key_der, &crate::provider())
        .map_err(|_| invalid(&key_path, format!("not the key of {CERT_FILE}")))?;
    let issuer =
        Issuer::from_ca_cert_pem(&cert_pem, key).map_err(|e| invalid(&cert_path, e.to_string()))?;
    Ok(Ca {
        dir: dir.to_path_buf(),
        cert_pem,
        cert_der,
        issuer,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn first_use_makes_a_private_ca_that_later_uses_load() {
        let config = tempfile::tempdir().unwrap();
        let dir = config.path().join("org.tcpmon.desktop/ca");
        let made = Ca::load_or_create(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
        assert_eq!(made.cert_path(), dir.join(CERT_FILE));
        let again = Ca::load_or_create(&dir).unwrap();
        assert_eq!(
            again.cert_der(),
            made.cert_der(),
            "the same CA, not a new one"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging folder left: {leftovers:?}");
    }

    #[test]
    fn regenerate_replaces_the_ca_and_export_picks_pem_or_der() {
        let config = tempfile::tempdir().unwrap();
        let dir = config.path().join("ca");
        let old = Ca::load_or_create(&dir).unwrap();
        let new = Ca::regenerate(&dir).unwrap();
        assert_ne!(old.cert_der(), new.cert_der());
        assert_eq!(Ca::load_or_create(&dir).unwrap().cert_der(), new.cert_der());
        assert!(!dir.with_extension("old").exists());
        let pem = new.export(Path::new("x.pem"));
        assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
        assert_eq!(new.export(Path::new("x.crt")), pem);
        assert_eq!(new.export(Path::new("x.DER")), new.cert_der().to_vec());
        assert_eq!(new.export(Path::new("x.cer")), new.cert_der().to_vec());
    }

    #[test]
    fn a_key_others_may_read_or_another_cas_key_is_refused_with_the_way_out() {
        let config = tempfile::tempdir().unwrap();
        let dir = config.path().join("ca");
        Ca::load_or_create(&dir).unwrap();
        let key = dir.join(KEY_FILE);
        fs::set_permissions(&key, fs::Permissions::from_mode(0o640)).unwrap();
        let err = Ca::load_or_create(&dir).unwrap_err().to_string();
        assert!(err.contains("(mode 0640); run chmod 600"), "{err}");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();

        let other = config.path().join("other");
        Ca::load_or_create(&other).unwrap();
        fs::copy(other.join(KEY_FILE), &key).unwrap();
        let err = Ca::load_or_create(&dir).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "ca-key.pem: not the key of ca.pem; regenerate the CA (tcpmon-cli ca regenerate)"
            ),
            "{err}"
        );
        assert!(Ca::regenerate(&dir).is_ok());
    }
}
