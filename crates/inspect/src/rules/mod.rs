//! Rules that change HTTP/1 traffic on purpose: "when SEARCH then ACTION", read from the JSON
//! file the CLI's `--rules` names and the app's Rules panel. Parsing and validation
//! live here; matching a message and editing its bytes in [`apply`]. Nothing here reads a file:
//! a `bodyFile` stays a path, checked not to leave the rules file's folder ([`inside`]), for the
//! caller to read.
//!
//! A rule acts on requests (mock, map, and modify actions with `"on": "request"`, the default)
//! or on responses (modify actions with `"on": "response"`). Request rules match request terms
//! only: `status:` needs a response, so it is refused there.

pub mod apply;

use crate::search::Query;
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use thiserror::Error;

/// Headers that frame the body: the relay sets them itself when a body changes, so a rule may
/// not set or remove them (a wrong value would cut or stall the message).
const FRAMING: [&str; 2] = ["content-length", "transfer-encoding"];

/// Why a rules file cannot be used. Rules are numbered from 1, as users count them.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RulesError {
    /// The text is not a JSON array.
    #[error("not a JSON array of rules: {0}")]
    NotArray(String),
    /// One rule is wrong.
    #[error("rule {index}: {reason}")]
    Rule {
        /// Its number, from 1.
        index: usize,
        /// What is wrong, in words.
        reason: String,
    },
}

/// Which message a rule acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the request is forwarded.
    Request,
    /// Before the response is relayed to the client.
    Response,
}

/// A fixed response, sent without contacting the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mock {
    /// Its status code.
    pub status: u16,
    /// Its headers, besides `Content-Length` (which the relay sets).
    pub headers: Vec<(String, String)>,
    /// Its body.
    pub body: MockBody,
}

/// A mock's body: given in the rule, or a file in the rules file's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MockBody {
    /// The text of `body`.
    Text(Vec<u8>),
    /// `bodyFile`, joined to the rules file's folder and checked to stay inside it.
    File(PathBuf),
}

/// Where a mapped request goes instead: another origin, and a path prefix put before its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapTo {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Put before the request's path (`/v2` makes `/users` `/v2/users`); empty for none.
    pub prefix: String,
}

/// Text replaced in a body.
#[derive(Debug, Clone)]
pub struct Replace {
    /// What is looked for (a literal is escaped into a pattern).
    pub find: Regex,
    /// What replaces each match (`$1` names a group when `regex` is on).
    pub with: Vec<u8>,
    /// Whether `find` was given as a regular expression.
    pub regex: bool,
}

/// A change to a message.
#[derive(Debug, Clone)]
pub enum Modify {
    /// Set these headers (each replaces any of the same name).
    SetHeader(Vec<(String, String)>),
    /// Remove these headers.
    RemoveHeader(Vec<String>),
    /// Replace text in the body.
    ReplaceBody(Replace),
}

/// What a rule does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Pause the message for a person (the app only).
    Break(Phase),
    /// Answer with a fixed response.
    Mock(Mock),
    /// Send the request to another origin (proxy mode).
    Map(MapTo),
    /// Change the message.
    Modify(Modify),
}

impl Action {
    /// Its name in the rules file, as lines and counts show it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Break(_) => "break",
            Action::Mock(_) => "mock",
            Action::Map(_) => "map",
            Action::Modify(Modify::SetHeader(_)) => "setHeader",
            Action::Modify(Modify::RemoveHeader(_)) => "removeHeader",
            Action::Modify(Modify::ReplaceBody(_)) => "replaceBody",
        }
    }
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The search expression, as written.
    pub when: String,
    /// It parsed.
    pub query: Query,
    /// The message it acts on.
    pub phase: Phase,
    /// What it does.
    pub action: Action,
    /// Whether it acts at all.
    pub enabled: bool,
}

/// A rule as the file writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    when: String,
    on: Option<String>,
    then: RawAction,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum RawAction {
    Break(String),
    Mock(RawMock),
    Map(String),
    SetHeader(BTreeMap<String, String>),
    RemoveHeader(Vec<String>),
    ReplaceBody(RawReplace),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawMock {
    #[serde(default = "ok")]
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<String>,
    body_file: Option<String>,
}

fn ok() -> u16 {
    200
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReplace {
    find: String,
    with: String,
    #[serde(default)]
    regex: bool,
}

/// Parses a rules file's text; `folder` is the file's folder, which `bodyFile`s may not leave.
pub fn parse(text: &str, folder: &Path) -> Result<Vec<Rule>, RulesError> {
    let values: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| RulesError::NotArray(e.to_string()))?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let fail = |reason: String| RulesError::Rule {
                index: i + 1,
                reason,
            };
            let raw: RawRule = serde_json::from_value(value).map_err(|e| fail(e.to_string()))?;
            rule(raw, folder).map_err(fail)
        })
        .collect()
}

/// One rule checked: its query parses, its phase suits its action and its terms.
fn rule(raw: RawRule, folder: &Path) -> Result<Rule, String> {
    let query = Query::parse(&raw.when).map_err(|e| format!("when {:?}: {e}", raw.when))?;
    let on = match raw.on.as_deref() {
        None | Some("request") => Phase::Request,
        Some("response") => Phase::Response,
        Some(other) => return Err(format!("on {other:?}: give \"request\" or \"response\"")),
    };
    let action = action(raw.then, folder)?;
    let phase = match &action {
        Action::Break(phase) => *phase,
        Action::Modify(_) => on,
        Action::Mock(_) | Action::Map(_) if on == Phase::Response => {
            let name = action.name();
            return Err(format!("{name} acts on requests: leave out \"on\""));
        }
        Action::Mock(_) | Action::Map(_) => Phase::Request,
    };
    if phase == Phase::Request && query.needs_response() {
        return Err(format!(
            "when {:?}: status: is a response term; a rule on requests matches request terms only (add \"on\": \"response\" to a modify rule)",
            raw.when
        ));
    }
    Ok(Rule {
        when: raw.when,
        query,
        phase,
        action,
        enabled: raw.enabled,
    })
}

fn action(raw: RawAction, folder: &Path) -> Result<Action, String> {
    Ok(match raw {
        RawAction::Break(phase) => Action::Break(match phase.as_str() {
            "request" => Phase::Request,
            "response" => Phase::Response,
            other => return Err(format!("break {other:?}: give \"request\" or \"response\"")),
        }),
        RawAction::Mock(mock) => Action::Mock(self::mock(mock, folder)?),
        RawAction::Map(to) => Action::Map(map_to(&to)?),
        RawAction::SetHeader(set) => {
            let set = headers(set)?;
            if set.is_empty() {
                return Err("setHeader: give at least one header".into());
            }
            Action::Modify(Modify::SetHeader(set))
        }
        RawAction::RemoveHeader(names) => {
            if names.is_empty() {
                return Err("removeHeader: give at least one name".into());
            }
            for name in &names {
                header_name(name)?;
            }
            Action::Modify(Modify::RemoveHeader(names))
        }
        RawAction::ReplaceBody(r) => Action::Modify(Modify::ReplaceBody(replace(r)?)),
    })
}

fn mock(raw: RawMock, folder: &Path) -> Result<Mock, String> {
    if !(200..=599).contains(&raw.status) {
        return Err(format!("mock status {}: give 200 to 599", raw.status));
    }
    let body = match (raw.body, raw.body_file) {
        (Some(_), Some(_)) => return Err("mock: give body or bodyFile, not both".into()),
        (Some(text), None) => MockBody::Text(text.into_bytes()),
        (None, Some(file)) => {
            MockBody::File(inside(folder, Path::new(&file)).ok_or_else(|| {
                format!("bodyFile {file:?} is outside the rules file's folder {folder:?}")
            })?)
        }
        (None, None) => MockBody::Text(Vec::new()),
    };
    Ok(Mock {
        status: raw.status,
        headers: headers(raw.headers)?,
        body,
    })
}

/// `host:port[/prefix]`.
fn map_to(text: &str) -> Result<MapTo, String> {
    let bad = || format!("map {text:?}: give host:port or host:port/prefix");
    let (authority, prefix) = match text.find('/') {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    };
    let (host, port) = authority.rsplit_once(':').ok_or_else(bad)?;
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(bad)?;
    let clean = |s: &str| !s.is_empty() && !s.bytes().any(|b| b.is_ascii_whitespace());
    if !clean(host) || !(prefix.is_empty() || clean(prefix)) || host.contains('@') {
        return Err(bad());
    }
    Ok(MapTo {
        host: host.trim_start_matches('[').trim_end_matches(']').into(),
        port,
        prefix: prefix.trim_end_matches('/').into(),
    })
}

fn replace(raw: RawReplace) -> Result<Replace, String> {
    if raw.find.is_empty() {
        return Err("replaceBody: find is empty".into());
    }
    let source = if raw.regex {
        raw.find
    } else {
        regex::escape(&raw.find)
    };
    let find = RegexBuilder::new(&source)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("replaceBody: invalid regular expression: {e}"))?;
    Ok(Replace {
        find,
        with: raw.with.into_bytes(),
        regex: raw.regex,
    })
}

/// Header pairs a rule sets, each checked.
fn headers(raw: BTreeMap<String, String>) -> Result<Vec<(String, String)>, String> {
    raw.into_iter()
        .map(|(name, value)| {
            header_name(&name)?;
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Err(format!("header {name}: its value has a line break"));
            }
            Ok((name, value))
        })
        .collect()
}

/// A header name a rule may use: an HTTP token, not one that frames the body.
fn header_name(name: &str) -> Result<(), String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(format!("{name:?} is not a header name"));
    }
    if FRAMING.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "{name}: the relay sets the body's framing itself (Content-Length is fixed when a body changes)"
        ));
    }
    Ok(())
}

/// `path` joined to `folder` (an absolute `path` is taken as it is), `..` resolved by name;
/// `None` when the result is not inside `folder`. Links are the reader's to check.
pub fn inside(folder: &Path, path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in folder.join(path).components() {
        match part {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    let base: PathBuf = folder
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    (out.starts_with(&base) && out != base).then_some(out)
}

#[cfg(test)]
mod tests;
