//! TLS towards a target: the rustls client configuration a listener builds once when it
//! starts, and the words for what went wrong in a handshake.
//!
//! Trust is the system's store (`rustls-native-certs`, which honours `SSL_CERT_FILE` and
//! `SSL_CERT_DIR`) plus any `--target-ca` files; `--insecure` accepts any certificate but still
//! checks that the server holds its key (the handshake's signatures), so the bytes are at least
//! from the certificate's owner. TLS 1.2 and 1.3 only: rustls speaks nothing older.

use crate::provider;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tcpmon_inspect::tls::Trust;
use thiserror::Error;

/// What a listener needs to speak TLS to its target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetTls {
    /// PEM files of certificates to trust besides the system's (a self-signed server's own
    /// certificate, or a private CA).
    pub ca_files: Vec<PathBuf>,
    /// Accept any certificate (the handshake's signatures are still checked).
    pub insecure: bool,
    /// The name sent as SNI and verified, instead of the target host.
    pub server_name: Option<String>,
    /// A client certificate chain for targets that ask for one, with its key in the same PEM
    /// unless [`TargetTls::client_key`] names another file.
    pub client_cert: Option<PathBuf>,
    /// The client certificate's key, when it is not in [`TargetTls::client_cert`].
    pub client_key: Option<PathBuf>,
    /// Protocols offered with ALPN, in order (none: no ALPN extension).
    pub alpn: Vec<String>,
}

/// Why a TLS client configuration cannot be built.
#[derive(Debug, Error)]
pub enum SetupError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{what} {}: {reason}", path.display())]
    File {
        /// What the file was given as (`--target-ca`, `--client-cert`, `--client-key`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificates and key do not make a usable client identity.
    #[error("client certificate: {0}")]
    ClientCert(rustls::Error),
    /// Nothing to verify a target against (an empty system store and no `--target-ca`).
    #[error("no trusted certificates ({0}): give --target-ca FILE, or --insecure")]
    NoTrust(String),
    /// A name to send as SNI that is no DNS name or IP address.
    #[error("{0:?} is not a host name or IP address to verify")]
    ServerName(String),
}

/// The system's trusted roots, read once per process (reading them takes milliseconds).
/// Certificates the system store holds but rustls cannot parse are left out, as every
/// rustls client does.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// Every certificate in a PEM file.
fn read_certs(what: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    let fail = |reason: String| SetupError::File {
        what,
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(e.to_string()))?;
    if certs.is_empty() {
        return Err(fail("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// A client configuration, and what it trusts besides the system's store: enough to say after
/// a handshake what the target's certificate was checked against.
#[derive(Debug)]
pub struct Client {
    /// What rustls connects with.
    pub config: Arc<ClientConfig>,
    /// With `--insecure`, nothing is checked.
    insecure: bool,
    /// The `--target-ca` certificates and their subjects (raw DER names).
    target_ca: Vec<(CertificateDer<'static>, Vec<u8>)>,
}

impl Client {
    /// The same configuration offering `alpn` instead (a decrypting proxy offers what each
    /// client offered): a cheap copy that shares the trust and the session cache.
    pub fn offering(&self, alpn: &[String]) -> Arc<ClientConfig> {
        let mut config = (*self.config).clone();
        config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        Arc::new(config)
    }

    /// What the certificate chain a handshake verified (leaf first) was trusted through: a
    /// `--target-ca` certificate when one is in it or issued one of it, else the system store.
    pub fn trust(&self, chain: &[CertificateDer<'_>]) -> Trust {
        if self.insecure {
            return Trust::Insecure;
        }
        let given = |der: &CertificateDer<'_>| {
            let issuer = crate::cert::subject_and_issuer(der).map(|(_, issuer)| issuer);
            self.target_ca.iter().any(|(ca, subject)| {
                ca.as_ref() == der.as_ref() || issuer.as_ref() == Some(subject)
            })
        };
        if chain.iter().any(given) {
            Trust::TargetCa
        } else {
            Trust::SystemStore
        }
    }
}

/// The client configuration `tls` asks for. Built once per listener start, so a missing
/// `--target-ca` file fails the listener, not each connection.
pub fn client_config(tls: &TargetTls) -> Result<Client, SetupError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(SetupError::ClientCert)?;
    let webpki = if tls.insecure {
        None
    } else {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(system_roots().iter().cloned());
        let mut pinned = Vec::new();
        for path in &tls.ca_files {
            let certs = read_certs("--target-ca", path)?;
            let (_, ignored) = roots.add_parsable_certificates(certs.iter().cloned());
            if ignored > 0 {
                return Err(SetupError::File {
                    what: "--target-ca",
                    path: path.clone(),
                    reason: format!("{ignored} certificates in it are not valid X.509"),
                });
            }
            pinned.extend(certs);
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| SetupError::NoTrust(e.to_string()))?;
        Some((webpki, pinned))
    };
    let verifier = Verifier {
        webpki: webpki.clone(),
        algorithms: provider().signature_verification_algorithms,
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match &tls.client_cert {
        None => builder.with_no_client_auth(),
        Some(cert) => {
            let chain = read_certs("--client-cert", cert)?;
            let key_file = tls.client_key.as_deref().unwrap_or(cert);
            let what = if tls.client_key.is_some() {
                "--client-key"
            } else {
                "--client-cert"
            };
            let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| SetupError::File {
                what,
                path: key_file.to_path_buf(),
                reason: format!("no private key: {e}"),
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(SetupError::ClientCert)?
        }
    };
    config.alpn_protocols = tls.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    if let Some(key_log) = crate::keylog::key_log() {
        config.key_log = key_log;
    }
    let target_ca = match &webpki {
        Some((_, pinned)) => pinned
            .iter()
            .filter_map(|der| {
                let (subject, _) = crate::cert::subject_and_issuer(der)?;
                Some((der.clone(), subject))
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Client {
        config: Arc::new(config),
        insecure: tls.insecure,
        target_ca,
    })
}

/// The name to send and verify for `host`: the override when given, else the host. An IP
/// address is verified against the certificate's IP addresses and sends no SNI.
pub fn server_name(
    host: &str,
    name_override: Option<&str>,
) -> Result<ServerName<'static>, SetupError> {
    let name = name_override.unwrap_or(host);
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_string()).map_err(|_| SetupError::ServerName(name.to_string()))
}

/// The TLS error inside an I/O error from a TLS stream, when there is one.
pub fn tls_error(error: &std::io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

/// A handshake failure in words a user can act on: what was wrong and the way out.
pub fn describe(error: &rustls::Error) -> String {
    let way_out = "give its CA with --target-ca FILE, or accept any certificate with --insecure";
    match error {
        rustls::Error::InvalidCertificate(cert) => {
            let why = match cert {
                CertificateError::UnknownIssuer => "is signed by an unknown issuer".to_string(),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "has expired".to_string()
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "is not valid yet".to_string()
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => {
                    "is not valid for that name (--tls-server-name NAME verifies another)"
                        .to_string()
                }
                CertificateError::Revoked => "is revoked".to_string(),
                // webpki's word for a self-signed certificate that `openssl req -x509` made.
                other if format!("{other:?}").contains("CaUsedAsEndEntity") => {
                    "is self-signed (an unknown issuer)".to_string()
                }
                other => format!("is not accepted ({other:?})"),
            };
            format!("the target's certificate {why}: {way_out}")
        }
        rustls::Error::PeerIncompatible(why) => format!(
            "the target speaks no TLS version or cipher TCPMon does (TLS 1.2 and 1.3 only): {why:?}"
        ),
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => {
            "the target does not speak TLS there".to_string()
        }
        rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired) => {
            "the target asks for a client certificate: give one with --client-cert FILE".into()
        }
        rustls::Error::AlertReceived(alert) => {
            format!("the target refused the handshake ({alert:?})")
        }
        other => format!("TLS: {other}"),
    }
}

/// The system's roots and `--target-ca` files, as webpki checks them; and a `--target-ca`
/// certificate that is the server's own: a self-signed development certificate, which
/// `openssl req -x509` marks as a CA and webpki therefore refuses as a server's. The user gave
/// that exact certificate, so it is taken, when it is valid for the name. With `--insecure`
/// (no webpki) every certificate is taken. Either way the handshake's signatures are checked,
/// so the bytes come from whoever holds the certificate's key.
#[derive(Debug)]
struct Verifier {
    /// The trusted roots' verifier, and the `--target-ca` certificates; `None`: insecure.
    webpki: Option<(Arc<WebPkiServerVerifier>, Vec<CertificateDer<'static>>)>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some((webpki, pinned)) = &self.webpki else {
            return Ok(ServerCertVerified::assertion());
        };
        let verified =
            webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        match verified {
            Err(_) if pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) => {
                verify_server_name(&ParsedCertificate::try_from(end_entity)?, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_names_or_addresses() {
        assert!(matches!(
            server_name("a.test", None),
            Ok(ServerName::DnsName(_))
        ));
        assert!(matches!(
            server_name("127.0.0.1", None),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(
            server_name("[::1]", None),
            Ok(ServerName::IpAddress(_))
        ));
        let named = server_name("10.0.0.1", Some("localhost")).unwrap();
        assert_eq!(named.to_str(), "localhost");
        assert!(server_name("a b", None).is_err());
    }

    #[test]
    fn files_that_hold_no_certificate_are_refused_with_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "nothing here\n").unwrap();
        let tls = TargetTls {
            ca_files: vec![empty.clone()],
            ..TargetTls::default()
        };
        let err = client_config(&tls).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("--target-ca {}: no PEM certificate in it", empty.display())
        );
        let missing = TargetTls {
            ca_files: vec![dir.path().join("missing.pem")],
            ..TargetTls::default()
        };
        assert!(
            client_config(&missing)
                .unwrap_err()
                .to_string()
                .contains("missing.pem")
        );
        assert!(client_config(&TargetTls::default()).is_ok());
    }

    #[test]
    fn certificate_failures_name_the_way_out() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let words = describe(&unknown);
        assert!(
            words.contains("unknown issuer") && words.contains("--target-ca"),
            "{words}"
        );
        assert!(words.contains("--insecure"), "{words}");
    }
}
