//! A listener's rules (`--rules FILE`, see `tcpmon_inspect::rules`): loaded with their mock
//! bodies, counted as they hit, and what each one did written on the connection's record. The
//! pumps that apply them are `http_proxy`'s (forward mode with rules goes through it too).

use crate::config::Mode;
use crate::conn::ConnCtx;
use crate::record::{RULE_EVENTS_KEPT, RuleEvent};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tcpmon_inspect::rules::{Action, MockBody, Rule, RulesError, parse};
use thiserror::Error;

/// Most bytes of a body held so that rules can read or change it; a larger body passes
/// unchanged (a note on the record says so). Also the most a mock's `bodyFile` may hold.
pub const BODY_CAP: usize = 16 << 20;

/// A rules file that cannot be used, named.
#[derive(Debug, Error)]
pub enum RulesFileError {
    /// It or a mock's body file cannot be read.
    #[error("rules file {path}: {what}: {source}")]
    Read {
        /// The rules file.
        path: PathBuf,
        /// What was being read.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Its text or one of its rules is wrong.
    #[error("rules file {path}: {source}")]
    Invalid {
        /// The rules file.
        path: PathBuf,
        /// What is wrong.
        source: RulesError,
    },
}

/// A rules file's text and the folder its `bodyFile` paths are relative to: what a listener's
/// settings keep of its rules, so the app can save them with the listener and start it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RulesSource {
    /// The JSON array of rules, as the file holds it.
    pub text: String,
    /// The folder `bodyFile` paths are relative to (and may not leave).
    pub folder: String,
}

/// The rules of a listener, their mock bodies, and how often each hit.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Each rule's mock body, read once (empty for other actions).
    bodies: Vec<Vec<u8>>,
    hits: Vec<AtomicU64>,
    /// Where they came from, for messages: the rules file, or the folder of rules kept as text.
    path: PathBuf,
    source: RulesSource,
}

impl RuleSet {
    /// Reads and checks the rules file at `path`, and the mock bodies it names.
    pub fn load(path: &Path) -> Result<RuleSet, RulesFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesFileError::Read {
            path: path.to_path_buf(),
            what: "cannot read it".into(),
            source,
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));
        let source = RulesSource {
            text,
            folder: folder.display().to_string(),
        };
        Self::build(source, path)
    }

    /// Checks rules kept as text (the app's), and reads the mock bodies they name.
    pub fn from_source(source: RulesSource) -> Result<RuleSet, RulesFileError> {
        let path = PathBuf::from(&source.folder);
        Self::build(source, &path)
    }

    /// The rules of `source`; `path` names where they came from in errors.
    fn build(source: RulesSource, path: &Path) -> Result<RuleSet, RulesFileError> {
        let read = |what: String, source| RulesFileError::Read {
            path: path.to_path_buf(),
            what,
            source,
        };
        let folder = Path::new(&source.folder);
        let invalid = |source| RulesFileError::Invalid {
            path: path.to_path_buf(),
            source,
        };
        let rules = parse(&source.text, folder).map_err(invalid)?;
        let mut bodies = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            bodies.push(match &rule.action {
                Action::Mock(mock) => match &mock.body {
                    MockBody::Text(text) => text.clone(),
                    MockBody::File(file) => body_file(folder, file).map_err(|e| match e {
                        Ok(reason) => invalid(RulesError::Rule {
                            index: i + 1,
                            reason,
                        }),
                        Err(source) => read(format!("rule {}: bodyFile {file:?}", i + 1), source),
                    })?,
                },
                _ => Vec::new(),
            });
        }
        Ok(RuleSet {
            hits: rules.iter().map(|_| AtomicU64::new(0)).collect(),
            rules,
            bodies,
            path: path.to_path_buf(),
            source,
        })
    }

    /// The text and folder the rules were read from.
    pub fn source(&self) -> &RulesSource {
        &self.source
    }

    /// Refuses rules this listener cannot act on: `map` outside proxy mode (a forward listener
    /// has one target: a second listener sends traffic elsewhere), and, with `breaks` false,
    /// breakpoints (they pause messages for a person, in the app).
    pub fn check(&self, mode: &Mode, breaks: bool) -> Result<(), RulesFileError> {
        for (i, rule) in self.rules.iter().enumerate() {
            let reason = match (&rule.action, mode) {
                (Action::Map(_), Mode::Forward { .. }) => {
                    "map needs proxy mode: a forward listener has one target (start a second listener for the other one)"
                }
                (Action::Break(_), _) if !breaks => {
                    "break needs the app (a breakpoint pauses the message for a person); the CLI cannot"
                }
                _ => continue,
            };
            return Err(RulesFileError::Invalid {
                path: self.path.clone(),
                source: RulesError::Rule {
                    index: i + 1,
                    reason: reason.into(),
                },
            });
        }
        Ok(())
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Rule `index`'s mock body.
    pub(crate) fn body(&self, index: usize) -> &[u8] {
        &self.bodies[index]
    }

    /// How often each rule acted, in order.
    pub fn hits(&self) -> Vec<u64> {
        self.hits
            .iter()
            .map(|h| h.load(Ordering::Relaxed))
            .collect()
    }

    /// Rule `index` acted on exchange `exchange` of `ctx`'s connection: counted, and written
    /// on the record with what it did.
    pub(crate) fn acted(&self, ctx: &ConnCtx, exchange: usize, index: usize, what: String) {
        self.hits[index].fetch_add(1, Ordering::Relaxed);
        let event = RuleEvent {
            exchange: exchange as u32,
            rule: index as u32 + 1,
            action: self.rules[index].action.name().into(),
            what,
        };
        // Not written to the capture log at each hit (the record's next change or its end is),
        // and past the listed ones only counted, with no event: a keep-alive connection's
        // thousandth hit must cost what its first did.
        let counted = ctx.core.store.update_quietly(ctx.id, |r| {
            let full = r.rules.len() >= RULE_EVENTS_KEPT;
            if full {
                r.rules_left_out += 1;
            }
            full
        });
        if counted == Some(false) {
            ctx.change_unlogged(|r| r.rules.push(event));
        }
    }
}

/// A mock's body file: read when it lies inside `folder` once links are followed and is at
/// most [`BODY_CAP`]; `Err(Ok(reason))` when it may not be used.
fn body_file(folder: &Path, file: &Path) -> Result<Vec<u8>, Result<String, std::io::Error>> {
    let real = file.canonicalize().map_err(Err)?;
    let base = folder.canonicalize().map_err(Err)?;
    if !real.starts_with(&base) {
        return Err(Ok(format!(
            "bodyFile {file:?} leads outside the rules file's folder (to {real:?})"
        )));
    }
    let len = std::fs::metadata(&real).map_err(Err)?.len();
    if len > BODY_CAP as u64 {
        return Err(Ok(format!(
            "bodyFile {file:?} holds {len} bytes; at most {BODY_CAP}"
        )));
    }
    std::fs::read(&real).map_err(Err)
}

/// A listener's rules as its settings carry them: shared, never compared by content; saved as
/// their [`RulesSource`] (or null), and read back through [`RuleSet::from_source`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(into = "Option<RulesSource>", try_from = "Option<RulesSource>")]
pub struct Rules(pub Option<Arc<RuleSet>>);

impl From<Rules> for Option<RulesSource> {
    fn from(rules: Rules) -> Self {
        rules.0.map(|set| set.source.clone())
    }
}

impl TryFrom<Option<RulesSource>> for Rules {
    type Error = RulesFileError;

    fn try_from(source: Option<RulesSource>) -> Result<Self, Self::Error> {
        Ok(Rules(match source {
            Some(source) => Some(Arc::new(RuleSet::from_source(source)?)),
            None => None,
        }))
    }
}

impl PartialEq for Rules {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        }
    }
}

impl Eq for Rules {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ListenerConfig;

    /// A listener's rules go into its settings as the file's text and folder, and come back
    /// as the same rules with their mock bodies read again.
    #[test]
    fn rules_are_saved_with_the_settings_as_their_text_and_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("body.txt"), "from a file").unwrap();
        let text = r#"[{"when": "path:/a", "then": {"mock": {"status": 418, "bodyFile": "body.txt"}}},
            {"when": "path:/b", "on": "response", "enabled": false, "then": {"setHeader": {"X-A": "1"}}}]"#;
        let file = dir.path().join("rules.json");
        std::fs::write(&file, text).unwrap();
        let mut config = ListenerConfig::http_proxy(0);
        config.rules = Rules(Some(Arc::new(RuleSet::load(&file).unwrap())));
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["rules"]["text"], text);
        assert_eq!(json["rules"]["folder"], dir.path().display().to_string());
        let back: ListenerConfig = serde_json::from_value(json).unwrap();
        let rules = back.rules.0.as_ref().unwrap();
        assert_eq!(rules.source(), config.rules.0.as_ref().unwrap().source());
        assert_eq!(rules.rules().len(), 2);
        assert!(!rules.rules()[1].enabled);
        assert_eq!(rules.body(0), b"from a file");
        let none = serde_json::to_value(ListenerConfig::http_proxy(0)).unwrap();
        assert_eq!(none["rules"], serde_json::Value::Null);
    }

    #[test]
    fn rules_kept_as_text_are_checked_as_a_file_is() {
        let wrong = RulesSource {
            text: r#"[{"when": "status:500", "then": {"mock": {}}}]"#.into(),
            folder: ".".into(),
        };
        let error = RuleSet::from_source(wrong).unwrap_err();
        assert!(
            matches!(
                &error,
                RulesFileError::Invalid {
                    source: RulesError::Rule { index: 1, .. },
                    ..
                }
            ),
            "{error}"
        );
        let json = serde_json::json!({"text": "[1]", "folder": "."});
        assert!(serde_json::from_value::<Rules>(json).is_err());
    }
}
