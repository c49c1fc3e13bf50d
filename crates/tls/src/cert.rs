//! Certificates as a user checks them: the facts a connection's TLS section shows (subject,
//! issuer, names, validity, fingerprint), and the names a decrypting proxy copies from an
//! origin's certificate into the one it shows the client (as mitmproxy does: a client that
//! checks a name the origin's certificate covers finds it in TCPMon's too), at most
//! [`MOST_ORIGIN_NAMES`] of them.

use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};
use tcpmon_inspect::tls::CertificateFacts;
use x509_parser::prelude::{ASN1Time, FromDer, GeneralName, X509Certificate};

/// Most names copied from an origin's certificate: a CDN's certificate may list hundreds, and
/// each one makes the certificate TCPMon issues larger.
pub const MOST_ORIGIN_NAMES: usize = 64;

/// The facts of each certificate of `chain` (leaf first); one that does not parse is shown by
/// its fingerprint alone.
pub fn chain_facts(chain: &[CertificateDer<'_>]) -> Vec<CertificateFacts> {
    chain.iter().map(|der| facts(der)).collect()
}

/// The facts of one DER certificate.
pub fn facts(der: &[u8]) -> CertificateFacts {
    let sha256 = fingerprint(der);
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return CertificateFacts {
            subject: "(not a certificate TCPMon can read)".into(),
            issuer: String::new(),
            names: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            sha256,
        };
    };
    let validity = cert.validity();
    CertificateFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        names: names(&cert),
        not_before: rfc3339(validity.not_before),
        not_after: rfc3339(validity.not_after),
        sha256,
    }
}

/// The DNS names and IP addresses a certificate is for (its subject alternative names).
fn names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(dns.to_string()),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => <[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from),
                _ => <[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from),
            }
            .map(|ip| ip.to_string()),
            _ => None,
        })
        .collect()
}

/// The raw DER of a certificate's subject and issuer names: what path building matches to
/// find who issued it.
pub(crate) fn subject_and_issuer(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some((
        cert.subject().as_raw().to_vec(),
        cert.issuer().as_raw().to_vec(),
    ))
}

/// SHA-256 of `der` as browsers and `openssl x509 -fingerprint -sha256` show it.
pub fn fingerprint(der: &[u8]) -> String {
    let mut out = String::with_capacity(95);
    for (i, byte) in Sha256::digest(der).iter().enumerate() {
        let sep = if i == 0 { "" } else { ":" };
        let _ = write!(out, "{sep}{byte:02X}");
    }
    out
}

/// `2026-12-06T10:00:00Z`; times before 1970 (no certificate in use has one) as the epoch.
fn rfc3339(time: ASN1Time) -> String {
    let seconds = u64::try_from(time.timestamp()).unwrap_or(0);
    humantime::format_rfc3339_seconds(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DnType, KeyPair};

    fn certificate(names: &[&str]) -> Vec<u8> {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "origin.test");
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn facts_name_the_subject_issuer_names_and_fingerprint() {
        let der = certificate(&["origin.test", "alt.test", "127.0.0.1", "::1"]);
        let facts = facts(&der);
        assert_eq!(facts.subject, "CN=origin.test");
        assert_eq!(facts.issuer, "CN=origin.test");
        assert_eq!(
            facts.names,
            ["origin.test", "alt.test", "127.0.0.1", "::1"].map(String::from)
        );
        assert_eq!(facts.sha256.len(), 32 * 3 - 1);
        assert_eq!(facts.sha256, fingerprint(&der));
        assert!(facts.not_before.ends_with('Z') && facts.not_before < facts.not_after);
    }

    #[test]
    fn garbage_is_shown_by_its_fingerprint_and_has_no_names() {
        let facts = facts(b"not DER");
        assert!(facts.subject.contains("not a certificate"));
        assert_eq!(facts.sha256, fingerprint(b"not DER"));
        assert!(facts.names.is_empty());
    }

    #[test]
    fn fingerprints_are_colon_separated_upper_case_hex() {
        // SHA-256 of the empty input.
        assert!(fingerprint(b"").starts_with("E3:B0:C4:42:98:FC:1C:14"));
    }
}
