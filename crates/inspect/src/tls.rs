//! What TLS shows in clear: the server name (SNI) a ClientHello asks for, enough to name an
//! encrypted CONNECT tunnel's destination as the client sees it, without decrypting; and the
//! facts about certificates and trust that a connection's record keeps (the `tls` crate
//! reads them off a handshake; they live here, beside the capture's other data, so builds
//! without a crypto library still read and write them).

use serde::{Deserialize, Serialize};

/// The first byte of every TLS connection: a handshake record's type.
pub const HANDSHAKE_RECORD: u8 = 22;

/// What a peer's certificate was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    /// The system's trust store (`SSL_CERT_FILE` when set).
    SystemStore,
    /// A certificate given with `--target-ca` (the server's own, or the CA that issued it).
    TargetCa,
    /// Nothing: `--insecure` took it unverified.
    Insecure,
    /// A client that completed the handshake: it trusts TCPMon's local CA.
    LocalCa,
}

/// One certificate of a chain, as a user checks it: who it names, who signed it, for which
/// names, until when, and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CertificateFacts {
    /// The subject's distinguished name (`CN=example.org, O=...`).
    pub subject: String,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// Its subject alternative names: DNS names and IP addresses.
    pub names: Vec<String>,
    /// Valid from (RFC 3339, UTC).
    pub not_before: String,
    /// Valid until (RFC 3339, UTC).
    pub not_after: String,
    /// SHA-256 of the DER certificate, upper-case hex pairs joined by `:` (as browsers show).
    pub sha256: String,
}

/// The SNI host name in a ClientHello at the start of `bytes` (one TLS record; a hello cut
/// short still gives its name when the name came before the cut). `None` for anything else.
pub fn client_hello_sni(bytes: &[u8]) -> Option<String> {
    // Record: type 22 (handshake), version, length; handshake: type 1 (ClientHello), length.
    let (&[HANDSHAKE_RECORD, 3, _, _, _], rest) = bytes.split_first_chunk::<5>()? else {
        return None;
    };
    let (&[1, _, _, _], hello) = rest.split_first_chunk::<4>()? else {
        return None;
    };
    let mut r = Reader(hello);
    r.skip(2 + 32)?; // version, random
    let session = r.u8()?;
    r.skip(usize::from(session))?;
    let suites = r.u16()?;
    r.skip(usize::from(suites))?;
    let compression = r.u8()?;
    r.skip(usize::from(compression))?;
    r.u16()?; // extensions' length: the cut may come before their end
    while let (Some(kind), Some(len)) = (r.u16(), r.u16()) {
        if kind != 0 {
            r.skip(usize::from(len))?;
            continue;
        }
        r.u16()?; // server name list length
        let name_type = r.u8()?;
        let name_len = r.u16()?;
        let name = r.take(usize::from(name_len))?;
        return (name_type == 0)
            .then(|| String::from_utf8(name.to_vec()).ok())
            .flatten()
            .filter(|n| is_host_name(n));
    }
    None
}

/// A DNS name as SNI carries it: at most 255 printable bytes (a hostile hello's 64 KiB "name"
/// never becomes a note).
fn is_host_name(name: &str) -> bool {
    (1..=255).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_graphic())
}

/// Reads big-endian fields off the front of a slice; `None` past its end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(taken)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(drop)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
}

/// ClientHellos for tests, here and in the exchange tracker's.
#[cfg(test)]
pub(crate) mod samples {
    /// A ClientHello with `extensions` (each as type, data).
    pub(crate) fn hello(extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut ext = Vec::new();
        for (kind, data) in extensions {
            ext.extend(kind.to_be_bytes());
            ext.extend((data.len() as u16).to_be_bytes());
            ext.extend(data);
        }
        let mut body = vec![3, 3];
        body.extend([7; 32]);
        body.extend([0, 0, 2, 0x13, 0x01, 1, 0]);
        body.extend((ext.len() as u16).to_be_bytes());
        body.extend(ext);
        let mut handshake = vec![1, 0];
        handshake.extend((body.len() as u16).to_be_bytes());
        handshake.extend(body);
        let mut record = vec![22, 3, 1];
        record.extend((handshake.len() as u16).to_be_bytes());
        record.extend(handshake);
        record
    }

    pub(crate) fn sni(name: &str) -> (u16, Vec<u8>) {
        let mut data = ((name.len() + 3) as u16).to_be_bytes().to_vec();
        data.push(0);
        data.extend((name.len() as u16).to_be_bytes());
        data.extend(name.as_bytes());
        (0, data)
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{hello, sni};
    use super::*;

    #[test]
    fn the_name_is_found_after_other_extensions_and_before_a_cut() {
        let full = hello(&[
            (10, vec![0, 2, 0, 29]),
            sni("api.example.org"),
            (16, vec![0; 40]),
        ]);
        assert_eq!(client_hello_sni(&full).as_deref(), Some("api.example.org"));
        assert_eq!(
            client_hello_sni(&full[..full.len() - 30]).as_deref(),
            Some("api.example.org")
        );
        assert_eq!(
            client_hello_sni(&hello(&[(10, vec![0, 2, 0, 29])])),
            None,
            "no SNI"
        );
        assert_eq!(client_hello_sni(b"GET / HTTP/1.1\r\n\r\n"), None);
        assert_eq!(client_hello_sni(&full[..20]), None);
        let long = "a".repeat(300);
        assert_eq!(client_hello_sni(&hello(&[sni(&long)])), None, "no DNS name");
        for cut in 0..full.len() {
            let _ = client_hello_sni(&full[..cut]);
        }
    }
}
