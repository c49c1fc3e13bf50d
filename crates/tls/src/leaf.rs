//! Leaf certificates the local CA issues for the names clients ask for. One key per process
//! (signing a certificate takes well under a millisecond; making a key would add more), one
//! certificate per list of names, cached: a browser opens many connections to one host.

use crate::ca::Ca;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

/// How many certificates [`Leaves`] keeps (a few hundred bytes each, with the chain).
pub const CACHE_SIZE: usize = 1000;

/// Why a certificate cannot be issued.
#[derive(Debug, Error)]
pub enum LeafError {
    /// No name to issue for.
    #[error("no name to issue a certificate for")]
    NoName,
    /// rcgen or rustls refused the names or the key.
    #[error("cannot issue a certificate for {names}: {reason}")]
    Issue {
        /// The names, comma-separated.
        names: String,
        /// What refused them.
        reason: String,
    },
}

/// Issues and caches leaf certificates signed by one CA.
#[derive(Debug)]
pub struct Leaves {
    ca: Ca,
    key: KeyPair,
    signing_key: Arc<dyn rustls::sign::SigningKey>,
    cache: Mutex<Lru>,
}

impl Leaves {
    /// Leaves signed by `ca`, with a new key for this process.
    pub fn new(ca: Ca) -> Result<Leaves, LeafError> {
        let fail = |reason: String| LeafError::Issue {
            names: "this process".into(),
            reason,
        };
        let key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| fail(e.to_string()))?;
        let der = PrivateKeyDer::Pkcs8(key.serialize_der().into());
        let signing_key = crate::provider()
            .key_provider
            .load_private_key(der)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Leaves {
            ca,
            key,
            signing_key,
            cache: Mutex::new(Lru::new(CACHE_SIZE)),
        })
    }

    /// The CA that signs them.
    pub fn ca(&self) -> &Ca {
        &self.ca
    }

    /// A certificate for `names` (the first is the subject; DNS names or IP addresses, IPv6
    /// with or without brackets) and its chain up to the CA, from the cache when it was issued
    /// before. Later names are extra SANs, such as the origin's own certificate's.
    pub fn certificate(&self, names: &[String]) -> Result<Arc<CertifiedKey>, LeafError> {
        let mut key: Vec<String> = Vec::with_capacity(names.len());
        for name in names {
            let bare = name.trim_start_matches('[').trim_end_matches(']');
            if !key.iter().any(|k| k.eq_ignore_ascii_case(bare)) {
                key.push(bare.to_ascii_lowercase());
            }
        }
        let cached = self.lock().get(&key);
        if let Some(cached) = cached {
            return Ok(cached);
        }
        // Issued outside the lock: other handshakes carry on meanwhile.
        let issued = Arc::new(self.issue(&key)?);
        self.lock().insert(key, issued.clone());
        Ok(issued)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new certificate: valid for a year from a day ago (clocks differ), serverAuth.
    fn issue(&self, names: &[String]) -> Result<CertifiedKey, LeafError> {
        let first = names.first().ok_or(LeafError::NoName)?;
        let fail = |reason: String| LeafError::Issue {
            names: names.join(", "),
            reason,
        };
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        // X.509 bounds a common name to 64 characters; the SAN is what clients check.
        if first.len() <= 64 {
            params
                .distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => name.as_str().try_into().map(SanType::DnsName),
            })
            .collect::<Result<_, _>>()
            .map_err(|e| fail(e.to_string()))?;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(365);
        params.serial_number = Some(random_serial());
        let cert = params
            .signed_by(&self.key, self.ca.issuer())
            .map_err(|e| fail(e.to_string()))?;
        let chain = vec![cert.der().clone(), self.ca.cert_der().clone()];
        Ok(CertifiedKey::new(chain, self.signing_key.clone()))
    }
}

/// A random, positive 16-byte serial: certificates from one key must not share serials
/// (Firefox refuses a second certificate with an issuer and serial it has seen), and rcgen's
/// default serial is derived from the key.
pub(crate) fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    // The provider's random source fails only when the system has none: then nothing works.
    #[allow(clippy::expect_used)]
    crate::provider()
        .secure_random
        .fill(&mut bytes)
        .expect("the system's random source");
    bytes[0] &= 0x7f;
    SerialNumber::from_slice(&bytes)
}

/// Least recently used certificates, bounded. Eviction scans the entries for the oldest use:
/// it only happens when a certificate was just issued, which costs far more than scanning a
/// thousand entries, so a linked list (or the `lru` crate) would save nothing measurable.
#[derive(Debug)]
struct Lru {
    capacity: usize,
    clock: u64,
    entries: HashMap<Vec<String>, (u64, Arc<CertifiedKey>)>,
}

impl Lru {
    fn new(capacity: usize) -> Lru {
        Lru {
            capacity,
            clock: 0,
            entries: HashMap::new(),
        }
    }

    fn get(&mut self, key: &[String]) -> Option<Arc<CertifiedKey>> {
        self.clock += 1;
        let entry = self.entries.get_mut(key)?;
        entry.0 = self.clock;
        Some(entry.1.clone())
    }

    fn insert(&mut self, key: Vec<String>, value: Arc<CertifiedKey>) {
        self.clock += 1;
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            let oldest = self.entries.iter().min_by_key(|(_, (used, _))| *used);
            if let Some(oldest) = oldest.map(|(k, _)| k.clone()) {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (self.clock, value));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::time::Instant;

    fn leaves() -> (tempfile::TempDir, Leaves) {
        let config = tempfile::tempdir().unwrap();
        let ca = Ca::load_or_create(&config.path().join("ca")).unwrap();
        (config, Leaves::new(ca).unwrap())
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn one_certificate_per_names_cached_with_the_ca_at_the_end_of_its_chain() {
        let (_config, leaves) = leaves();
        let a = leaves.certificate(&names(&["a.test"])).unwrap();
        assert_eq!(a.cert.len(), 2);
        assert_eq!(&a.cert[1], leaves.ca().cert_der());
        let again = leaves.certificate(&names(&["A.test", "a.test"])).unwrap();
        assert!(
            Arc::ptr_eq(&a, &again),
            "the same names, the cached certificate"
        );
        let b = leaves.certificate(&names(&["[::1]", "b.test"])).unwrap();
        assert_ne!(a.cert[0], b.cert[0]);
        assert!(a.keys_match().is_ok() && b.keys_match().is_ok());
        let err = leaves.certificate(&names(&["bad name\u{e9}"])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot issue a certificate for bad name"),
            "{err}"
        );
        assert!(matches!(leaves.certificate(&[]), Err(LeafError::NoName)));
    }

    #[test]
    fn the_cache_forgets_the_least_recently_used() {
        let (_config, leaves) = leaves();
        let issued = leaves.certificate(&names(&["x.test"])).unwrap();
        let mut lru = Lru::new(2);
        let key = |n: &str| vec![n.to_string()];
        lru.insert(key("a"), issued.clone());
        lru.insert(key("b"), issued.clone());
        assert!(lru.get(&key("a")).is_some());
        lru.insert(key("c"), issued);
        assert!(lru.get(&key("b")).is_none(), "b was used least recently");
        assert!(lru.get(&key("a")).is_some() && lru.get(&key("c")).is_some());
    }

    /// Figures, not asserts: what a never-seen host costs against a cached one.
    #[test]
    fn issuing_a_new_leaf_against_a_cached_one() {
        let (_config, leaves) = leaves();
        let rounds = 200;
        let started = Instant::now();
        for i in 0..rounds {
            leaves.certificate(&[format!("host{i}.test")]).unwrap();
        }
        let new = started.elapsed() / rounds;
        let started = Instant::now();
        for i in 0..rounds {
            leaves.certificate(&[format!("host{i}.test")]).unwrap();
        }
        let cached = started.elapsed() / rounds;
        println!("leaf certificate: never-seen host {new:?}, cached {cached:?} (mean of {rounds})");
    }
}
