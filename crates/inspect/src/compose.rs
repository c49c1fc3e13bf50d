//! A request composed by hand (the Sender): method, URL, headers and body turned into the
//! bytes to send, with the `Host` and `Content-Length` a server needs when the user left them
//! out.

use crate::http1::head::MAX_HEADERS;
use crate::url::{self, AuthorityError, split_host_port};
use base64::Engine;
use thiserror::Error;

/// What the user typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Composed {
    /// Request method (`GET`, `POST`, any token).
    pub method: String,
    /// An `http://` URL.
    pub url: String,
    /// Headers in order, as typed.
    pub headers: Vec<(String, String)>,
    /// Body, sent as UTF-8.
    pub body: String,
}

/// Where to send a composed request, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port (80, or 443 for `https://`, unless the URL says otherwise).
    pub port: u16,
    /// `https://`: the request goes over TLS.
    pub tls: bool,
    /// The request on the wire.
    pub bytes: Vec<u8>,
}

/// A composed request that cannot be sent, naming the field at fault.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct ComposeError {
    /// `method`, `url` or `headers`.
    pub field: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> ComposeError {
    ComposeError {
        field,
        message: message.into(),
    }
}

/// Where a Sender URL goes.
struct Destination<'a> {
    host: String,
    port: u16,
    /// Origin-form target.
    path: String,
    /// `user:password` from the URL.
    user: Option<&'a str>,
    tls: bool,
}

impl Destination<'_> {
    /// The `Host` header's value: the port left out when it is the scheme's default.
    fn authority(&self) -> String {
        let default = if self.tls { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Splits `http[s]://[user:password@]host[:port][/path]`; a `#fragment` is the browser's,
/// never sent.
fn split_url(url: &str) -> Result<Destination<'_>, ComposeError> {
    let parts = url::split_url(url);
    let (authority, tls) = match (parts.scheme, parts.authority) {
        (Some(scheme), Some(authority)) if scheme.eq_ignore_ascii_case("http") => {
            (authority, false)
        }
        (Some(scheme), Some(authority)) if scheme.eq_ignore_ascii_case("https") => {
            (authority, true)
        }
        (Some(scheme), _) => {
            return Err(invalid(
                "url",
                format!("{scheme}:// is not supported: the Sender speaks http:// and https://"),
            ));
        }
        _ => {
            return Err(invalid(
                "url",
                "give a URL that starts with http:// or https://",
            ));
        }
    };
    let path = parts.origin_form();
    if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(invalid("url", "the path has spaces or control characters"));
    }
    let (host, port) = split_host_port(authority).map_err(|e| match e {
        AuthorityError::UnclosedBracket => invalid("url", "an IPv6 address needs its closing ]"),
        _ => invalid("url", "the URL has no valid host"),
    })?;
    let port = match port {
        None | Some("") => {
            if tls {
                443
            } else {
                80
            }
        }
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| invalid("url", format!("{p} is not a port")))?,
    };
    Ok(Destination {
        host: host.to_string(),
        port,
        path,
        user: parts.userinfo,
        tls,
    })
}

/// Checks what the user typed and builds the request bytes.
pub fn prepare(request: &Composed) -> Result<Prepared, ComposeError> {
    let method = request.method.trim();
    let is_token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    if !is_token(method) {
        return Err(invalid(
            "method",
            "the method must be one word, like GET or POST",
        ));
    }
    let to = split_url(&request.url)?;
    let mut head = format!("{method} {} HTTP/1.1\r\n", to.path);
    let has = |name: &str| {
        request
            .headers
            .iter()
            .any(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    };
    if !has("host") {
        head.push_str(&format!("Host: {}\r\n", to.authority()));
    }
    if let Some(user) = to.user.filter(|_| !has("authorization")) {
        let credentials = base64::engine::general_purpose::STANDARD.encode(user);
        head.push_str(&format!("Authorization: Basic {credentials}\r\n"));
    }
    for (name, value) in &request.headers {
        let name = name.trim();
        if !is_token(name) {
            return Err(invalid(
                "headers",
                format!("\"{name}\" is not a header name"),
            ));
        }
        if value.contains(['\r', '\n']) {
            return Err(invalid(
                "headers",
                format!("the value of {name} has a line break"),
            ));
        }
        // Servers refuse a head with control bytes in a value (tab aside), as do parsers.
        if value.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f) {
            return Err(invalid(
                "headers",
                format!("the value of {name} has a control character"),
            ));
        }
        head.push_str(&format!("{name}: {}\r\n", value.trim()));
    }
    if !request.body.is_empty() && !has("content-length") && !has("transfer-encoding") {
        head.push_str(&format!("Content-Length: {}\r\n", request.body.len()));
    }
    // Every header line ends in CRLF (values hold no line breaks), as does the request line.
    let lines = head.matches("\r\n").count() - 1;
    if lines > MAX_HEADERS {
        return Err(invalid(
            "headers",
            format!(
                "{lines} headers: TCPMon reads at most {MAX_HEADERS} in a head, as servers \
                 have limits too"
            ),
        ));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(request.body.as_bytes());
    Ok(Prepared {
        host: to.host,
        port: to.port,
        tls: to.tls,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composed(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Composed {
        Composed {
            method: method.into(),
            url: url.into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
        }
    }

    #[test]
    fn host_and_content_length_are_added_when_missing() {
        let p = prepare(&composed(
            "POST",
            "http://svc.test:8080/ws?wsdl",
            &[("SOAPAction", "\"urn:x\"")],
            "<a/>",
        ))
        .unwrap();
        assert_eq!((p.host.as_str(), p.port), ("svc.test", 8080));
        assert_eq!(
            String::from_utf8(p.bytes).unwrap(),
            "POST /ws?wsdl HTTP/1.1\r\nHost: svc.test:8080\r\nSOAPAction: \"urn:x\"\r\n\
             Content-Length: 4\r\n\r\n<a/>"
        );
        let p = prepare(&composed("GET", "http://u:p@h.test:81#top", &[], "")).unwrap();
        assert_eq!(
            String::from_utf8(p.bytes).unwrap(),
            "GET / HTTP/1.1\r\nHost: h.test:81\r\nAuthorization: Basic dTpw\r\n\r\n",
            "no fragment on the wire; user info becomes Basic credentials"
        );
        let p = prepare(&composed("GET", "http://h.test/x?q=1#frag", &[], "")).unwrap();
        assert!(p.bytes.starts_with(b"GET /x?q=1 HTTP/1.1\r\n"));
        let p = prepare(&composed("GET", "http://[::1]", &[("host", "x")], "")).unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 80));
        assert_eq!(p.bytes, b"GET / HTTP/1.1\r\nhost: x\r\n\r\n");
        let p = prepare(&composed("GET", "https://h.test/", &[], "")).unwrap();
        assert_eq!((p.port, p.tls), (443, true));
        assert!(p.bytes.starts_with(b"GET / HTTP/1.1\r\nHost: h.test\r\n"));
        let p = prepare(&composed("GET", "https://h.test:80/", &[], "")).unwrap();
        assert!(
            p.bytes
                .starts_with(b"GET / HTTP/1.1\r\nHost: h.test:80\r\n")
        );
    }

    #[test]
    fn what_cannot_be_sent_names_its_field() {
        let field = |c: Composed| prepare(&c).unwrap_err().field;
        assert_eq!(field(composed("GET", "ftp://a.test/", &[], "")), "url");
        assert_eq!(field(composed("GET", "a.test/", &[], "")), "url");
        assert_eq!(
            field(composed("GET", "http://a.test:99999/", &[], "")),
            "url"
        );
        assert_eq!(field(composed("GE T", "http://a.test/", &[], "")), "method");
        assert_eq!(
            field(composed("GET", "http://a.test/", &[("X", "a\r\nB: c")], "")),
            "headers"
        );
        assert_eq!(
            field(composed("GET", "http://a.test/", &[("Bad Name", "v")], "")),
            "headers"
        );
        assert_eq!(
            field(composed("GET", "http://a.test/", &[("X", "a\u{0}b")], "")),
            "headers"
        );
        assert_eq!(
            field(composed("GET", "http://a.test/", &[("X", "a\u{7f}")], "")),
            "headers"
        );
        assert!(prepare(&composed("GET", "http://a.test/", &[("X", "a\tb")], "")).is_ok());
        let many = vec![("X", "y"); MAX_HEADERS];
        assert_eq!(
            field(composed("GET", "http://a.test/", &many, "")),
            "headers"
        );
        let fits = &many[..MAX_HEADERS - 1];
        let p = prepare(&composed("GET", "http://a.test/", fits, "")).unwrap();
        assert!(crate::http1::parse_request(&p.bytes).unwrap().is_some());
    }
}
