//! Saving connections: a TCPMon session file, Apache TCPMon 1.0 text for old habits and
//! scripts, HAR for other HTTP tools, or curl commands. Shared by the CLI (`--save`,
//! `export`) and the desktop app (Save).

use crate::error::{FileRole, Result};
use crate::{curl, har, session, text};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use tcpmon_relay::{ConnId, ConnectionRecord, Store};

/// A file format connections can be saved in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SaveFormat"))]
pub enum Format {
    /// Self-contained, reopenable (`docs/session-format.md`); also any unknown extension.
    Session,
    /// Apache TCPMon 1.0 "Save" text.
    Text,
    /// HTTP Archive 1.2: the exchanges, for browsers' dev tools and other HTTP tools.
    Har,
    /// A shell script of curl commands that send the requests again.
    Curl,
}

impl Format {
    /// Every format, in the order a Save dialog offers them.
    pub const ALL: [Format; 4] = [Format::Session, Format::Text, Format::Har, Format::Curl];

    /// The format a file name asks for by its extension (any case); anything else a session.
    pub fn from_path(path: &Path) -> Self {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        Self::ALL
            .into_iter()
            .find(|f| {
                extension
                    .as_deref()
                    .is_some_and(|e| f.extensions().contains(&e))
            })
            .unwrap_or(Format::Session)
    }

    /// The file name extensions of the format, the usual one first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Session => &["tcpmon"],
            Format::Text => &["txt"],
            Format::Har => &["har"],
            Format::Curl => &["curl", "sh"],
        }
    }

    /// The format's name in a file dialog's filter.
    pub fn label(self) -> &'static str {
        match self {
            Format::Session => "TCPMon session",
            Format::Text => "Apache TCPMon text",
            Format::Har => "HTTP Archive (HAR)",
            Format::Curl => "curl commands",
        }
    }

    /// The name a Save dialog suggests.
    pub fn default_name(self) -> String {
        let stem = if self == Format::Curl {
            "requests"
        } else {
            "capture"
        };
        format!("{stem}.{}", self.extensions()[0])
    }

    /// What a file of this format is to the user, for errors.
    pub fn role(self) -> FileRole {
        match self {
            Format::Session => FileRole::Session,
            Format::Text => FileRole::Text,
            Format::Har => FileRole::Har,
            Format::Curl => FileRole::Curl,
        }
    }
}

/// A table row: a connection and one of its exchanges, or `None` for the whole connection.
pub type RowRef = (ConnId, Option<usize>);

/// What to save: whole connections, or chosen rows.
#[derive(Debug, Clone, Copy)]
pub enum Pick<'a> {
    /// These connections; HAR and curl take all their exchanges.
    Connections(&'a [ConnId]),
    /// These rows; a session file takes their connections whole.
    Rows(&'a [RowRef]),
}

impl Pick<'_> {
    /// The rows picked: a connection's exchanges (or the connection itself when it has none)
    /// for `Connections`, in order; rows of connections removed meanwhile are left out. Rows
    /// of one connection share its record.
    pub(crate) fn rows(&self, store: &Store) -> Vec<(Rc<ConnectionRecord>, Option<usize>)> {
        match self {
            Pick::Connections(ids) => ids
                .iter()
                .filter_map(|&id| store.record(id))
                .flat_map(|record| {
                    let n = record.exchanges.len();
                    let record = Rc::new(record);
                    let rows: Vec<Option<usize>> = if n == 0 {
                        vec![None]
                    } else {
                        (0..n).map(Some).collect()
                    };
                    rows.into_iter().map(move |row| (record.clone(), row))
                })
                .collect(),
            Pick::Rows(rows) => {
                let mut records: HashMap<ConnId, Option<Rc<ConnectionRecord>>> = HashMap::new();
                rows.iter()
                    .filter_map(|&(id, row)| {
                        let record = records
                            .entry(id)
                            .or_insert_with(|| store.record(id).map(Rc::new))
                            .clone()?;
                        row.is_none_or(|i| i < record.exchanges.len())
                            .then_some((record, row))
                    })
                    .collect()
            }
        }
    }

    /// The connections picked, each once, in the order first named.
    pub(crate) fn connections(&self) -> Vec<ConnId> {
        match self {
            Pick::Connections(ids) => ids.to_vec(),
            Pick::Rows(rows) => {
                let mut seen = HashSet::new();
                rows.iter()
                    .map(|r| r.0)
                    .filter(|id| seen.insert(*id))
                    .collect()
            }
        }
    }
}

/// Writes what `pick` names from `store` to `path`; returns how many connections (session,
/// text of whole connections) or exchanges (HAR, curl, text of rows) were written.
pub fn save(store: &Store, pick: Pick<'_>, path: &Path, format: Format) -> Result<usize> {
    match format {
        Format::Session => session::save(store, &pick.connections(), path),
        Format::Text => text::save(store, pick, path),
        Format::Har => har::save(store, pick, path),
        Format::Curl => curl::save(store, pick, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_picks_the_format() {
        assert_eq!(Format::from_path(Path::new("a/capture.TXT")), Format::Text);
        assert_eq!(
            Format::from_path(Path::new("capture.tcpmon")),
            Format::Session
        );
        assert_eq!(Format::from_path(Path::new("capture")), Format::Session);
        assert_eq!(Format::from_path(Path::new("x.HAR")), Format::Har);
        assert_eq!(Format::from_path(Path::new("x.curl")), Format::Curl);
        assert_eq!(Format::from_path(Path::new("x.SH")), Format::Curl);
        for format in Format::ALL {
            let name = format.default_name();
            assert_eq!(Format::from_path(Path::new(&name)), format, "{name}");
        }
    }
}
