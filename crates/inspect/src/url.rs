//! URLs and authorities as HTTP/1 carries them: the one splitter behind the Sender, HAR import,
//! curl export, the proxy's absolute-form targets and listener settings, so `[::1]:8080`,
//! `user:pass@host` and `http://h?q` mean the same everywhere.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use std::fmt;

/// A URL cut where HTTP/1 cuts it. The fragment is the browser's and is never part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `http`, `https`, ... as written; `None` when the text has no `scheme://` (a bare target).
    pub scheme: Option<&'a str>,
    /// `user:password` before an `@` (never part of a `Host` header).
    pub userinfo: Option<&'a str>,
    /// `host[:port]`, without the user info; `None` without a scheme.
    pub authority: Option<&'a str>,
    /// The origin-form target as written: path and query, possibly empty or starting with `?`
    /// (see [`UrlParts::origin_form`]).
    pub target: &'a str,
}

impl UrlParts<'_> {
    /// The target as a request line sends it: `/` when empty, `/?q` for `?q`.
    pub fn origin_form(&self) -> String {
        match self.target {
            "" => "/".into(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.into(),
        }
    }
}

/// Splits `scheme://[userinfo@]authority[/path][?query][#fragment]`; text without a valid
/// `scheme://` is all target.
pub fn split_url(url: &str) -> UrlParts<'_> {
    let url = url.trim();
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let scheme_end = url.find("://").filter(|&i| {
        i > 0
            && url[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    let Some(i) = scheme_end else {
        return UrlParts {
            scheme: None,
            userinfo: None,
            authority: None,
            target: url,
        };
    };
    let rest = &url[i + 3..];
    let (authority, target) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (userinfo, authority) = match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    };
    UrlParts {
        scheme: Some(&url[..i]),
        userinfo,
        authority: Some(authority),
        target,
    }
}

/// Why an authority is not `host[:port]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityError {
    /// `[::1` without its `]`.
    UnclosedBracket,
    /// `[::1]x`.
    AfterBracket,
    /// `::1:80`: which colon starts the port?
    BareIpv6,
    /// `:80`.
    EmptyHost,
    /// A host no name or address has (it would not read back once written out).
    BadHost,
}

impl AuthorityError {
    /// The reason in words, for errors that keep a `&'static str`.
    pub fn reason(self) -> &'static str {
        match self {
            AuthorityError::UnclosedBracket => "missing ']' after IPv6 literal",
            AuthorityError::AfterBracket => "unexpected text after ']'",
            AuthorityError::BareIpv6 => "IPv6 literals need brackets: [::1]:80",
            AuthorityError::EmptyHost => "empty host",
            AuthorityError::BadHost => "host contains spaces, control characters, brackets or '/'",
        }
    }
}

impl fmt::Display for AuthorityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for AuthorityError {}

/// Splits `host:port`, `[v6]:port` or `host` into the host (brackets removed) and the port
/// text, if any (possibly empty: `host:`).
pub fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), AuthorityError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or(AuthorityError::UnclosedBracket)?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(AuthorityError::AfterBracket),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => return Err(AuthorityError::BareIpv6),
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    check_host(host)?;
    Ok((host, port))
}

/// Whether `host` (without brackets) can be dialled and written out as `host:port` again.
/// Brackets only enclose an IPv6 literal: a host with one left (`[a:80`) would not read back.
pub fn check_host(host: &str) -> Result<(), AuthorityError> {
    if host.is_empty() {
        return Err(AuthorityError::EmptyHost);
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '[' | ']'))
    {
        return Err(AuthorityError::BadHost);
    }
    Ok(())
}

/// What a request target may not hold as it is: controls, space and (by `percent-encoding`'s
/// rule) every non-ASCII byte.
const NOT_IN_TARGET: &AsciiSet = &CONTROLS.add(b' ');

/// A request target that parses: spaces, controls and non-ASCII percent-encoded.
pub fn escape_target(target: &str) -> String {
    utf8_percent_encode(target, NOT_IN_TARGET).to_string()
}

/// What a URI may not hold besides [`NOT_IN_TARGET`]: `"<>\^`{|}` and `%` (one that starts
/// no escape).
const NOT_IN_URI: &AsciiSet = &NOT_IN_TARGET
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'%');

/// `text` with every byte a URI may not hold percent-encoded, escapes already in it kept, so
/// that validators take it as a URI.
pub fn uri_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        let escape = rest.as_bytes().get(i + 1..i + 3);
        let valid = escape.is_some_and(|e| e.iter().all(u8::is_ascii_hexdigit));
        let end = if valid { i + 3 } else { i + 1 };
        out.extend(utf8_percent_encode(&rest[..i], NOT_IN_URI));
        out.push_str(if valid { &rest[i..end] } else { "%25" });
        rest = &rest[end..];
    }
    out.extend(utf8_percent_encode(rest, NOT_IN_URI));
    out
}

/// `a=1&b=2` (as in a query or a form body) as decoded pairs: `+` is a space, escapes are
/// decoded, bytes that are not UTF-8 become U+FFFD.
pub fn form_pairs(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(text.as_bytes()).map(|(n, v)| (n.into_owned(), v.into_owned()))
}

/// Pairs as `application/x-www-form-urlencoded`.
pub fn form_encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_their_parts() {
        let parts = split_url("https://u:p@a.test:8443/x/y?q=1#frag");
        assert_eq!(
            parts,
            UrlParts {
                scheme: Some("https"),
                userinfo: Some("u:p"),
                authority: Some("a.test:8443"),
                target: "/x/y?q=1"
            }
        );
        assert_eq!(split_url("http://a.test").origin_form(), "/");
        assert_eq!(split_url("http://a.test?x").origin_form(), "/?x");
        assert_eq!(split_url("http://a.test?x").authority, Some("a.test"));
        let bare = split_url("/only/path");
        assert_eq!((bare.scheme, bare.target), (None, "/only/path"));
        assert_eq!(split_url("").origin_form(), "/");
        assert_eq!(split_url("a b://h/").scheme, None, "not a scheme");
    }

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(split_host_port("a.test:81"), Ok(("a.test", Some("81"))));
        assert_eq!(split_host_port("[::1]:81"), Ok(("::1", Some("81"))));
        assert_eq!(split_host_port("[::1]"), Ok(("::1", None)));
        assert_eq!(split_host_port("a.test"), Ok(("a.test", None)));
        assert_eq!(split_host_port("a.test:"), Ok(("a.test", Some(""))));
        assert_eq!(split_host_port("::1"), Err(AuthorityError::BareIpv6));
        assert_eq!(
            split_host_port("[::1"),
            Err(AuthorityError::UnclosedBracket)
        );
        assert_eq!(split_host_port("[::1]x"), Err(AuthorityError::AfterBracket));
        assert_eq!(split_host_port(":80"), Err(AuthorityError::EmptyHost));
        assert_eq!(split_host_port("a b:80"), Err(AuthorityError::BadHost));
        assert_eq!(split_host_port("a[:80"), Err(AuthorityError::BadHost));
    }

    #[test]
    fn encoders_escape_what_they_must_and_nothing_else() {
        assert_eq!(escape_target("/a b/é?x=1"), "/a%20b/%C3%A9?x=1");
        assert_eq!(
            uri_safe("http://h/a b/é?x=%41&y=%G1&z=100%"),
            "http://h/a%20b/%C3%A9?x=%41&y=%25G1&z=100%25"
        );
        assert_eq!(uri_safe("http://h/{x}|"), "http://h/%7Bx%7D%7C");
        let pairs: Vec<_> = form_pairs("q=caf%C3%A9+au+lait&empty=&flag&&x=%zz%4").collect();
        let expected = [
            ("q", "café au lait"),
            ("empty", ""),
            ("flag", ""),
            ("x", "%zz%4"),
        ];
        assert_eq!(pairs, expected.map(|(n, v)| (n.to_string(), v.to_string())));
        assert_eq!(
            form_encode([("a b", "1&2"), ("é", "")]),
            "a+b=1%262&%C3%A9="
        );
    }
}
