//! Two texts side by side, as the window's Compare view shows them: rows of aligned lines,
//! each line's changed words marked, so the window only lays out what it is given.

use super::DIFF_TIME;
use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff};

/// Most rows sent to the window: past them the comparison is cut, and says so.
pub const MOST_ROWS: usize = 20_000;

/// What happened to a row's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "DiffRowKind"))]
pub enum RowKind {
    /// The same on both sides.
    Same,
    /// Only in the old text.
    Removed,
    /// Only in the new text.
    Added,
    /// A line of each, changed where their parts say.
    Changed,
}

/// A piece of a line, changed or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "DiffPart"))]
pub struct Part {
    /// Its text.
    pub text: String,
    /// Whether it differs from the other side.
    pub changed: bool,
}

/// One side of a row: a line and its number (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "DiffLine"))]
pub struct Line {
    /// Its number in its text, from 1.
    pub number: u32,
    /// Its text in pieces, changed ones marked.
    pub parts: Vec<Part>,
}

/// A row: the old line, the new one, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "DiffRow"))]
pub struct Row {
    /// What happened.
    pub kind: RowKind,
    /// The old text's line.
    pub old: Option<Line>,
    /// The new text's line.
    pub new: Option<Line>,
}

/// The rows of a comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "DiffRows"))]
pub struct Rows {
    /// In order.
    pub rows: Vec<Row>,
    /// Whether the texts are the same.
    pub same: bool,
    /// Whether rows past [`MOST_ROWS`] were left out.
    pub cut: bool,
}

/// `old` and `new` side by side, by line (within a time bound); in changed line pairs, the
/// words that differ are marked.
pub fn side_by_side(old: &str, new: &str) -> Rows {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIME)
        .diff_lines(old, new);
    let old_lines: Vec<&str> = diff.iter_old_slices().collect();
    let new_lines: Vec<&str> = diff.iter_new_slices().collect();
    let mut out = Rows {
        same: old == new,
        ..Rows::default()
    };
    let whole = |number: usize, text: &str| Line {
        number: number as u32 + 1,
        parts: vec![Part {
            text: text.trim_end_matches(['\r', '\n']).to_string(),
            changed: false,
        }],
    };
    for op in diff.ops() {
        let (_, old_range, new_range) = op.as_tag_tuple();
        let pairs = old_range.len().max(new_range.len());
        for k in 0..pairs {
            if out.rows.len() == MOST_ROWS {
                out.cut = true;
                return out;
            }
            let o = old_range.clone().nth(k);
            let n = new_range.clone().nth(k);
            let row = match (o, n) {
                (Some(i), Some(j)) if matches!(op, DiffOp::Equal { .. }) => Row {
                    kind: RowKind::Same,
                    old: Some(whole(i, old_lines[i])),
                    new: Some(whole(j, new_lines[j])),
                },
                (Some(i), Some(j)) => {
                    let (old_parts, new_parts) = words(old_lines[i], new_lines[j]);
                    Row {
                        kind: RowKind::Changed,
                        old: Some(Line {
                            number: i as u32 + 1,
                            parts: old_parts,
                        }),
                        new: Some(Line {
                            number: j as u32 + 1,
                            parts: new_parts,
                        }),
                    }
                }
                (Some(i), None) => Row {
                    kind: RowKind::Removed,
                    old: Some(whole(i, old_lines[i])),
                    new: None,
                },
                (None, Some(j)) => Row {
                    kind: RowKind::Added,
                    old: None,
                    new: Some(whole(j, new_lines[j])),
                },
                (None, None) => continue,
            };
            out.rows.push(row);
        }
    }
    out
}

/// Two changed lines split into words, the differing ones marked on each side.
fn words(old: &str, new: &str) -> (Vec<Part>, Vec<Part>) {
    let (old, new) = (
        old.trim_end_matches(['\r', '\n']),
        new.trim_end_matches(['\r', '\n']),
    );
    let diff = TextDiff::configure()
        .timeout(DIFF_TIME)
        .diff_words(old, new);
    let (mut old_parts, mut new_parts) = (Vec::new(), Vec::new());
    for change in diff.iter_all_changes() {
        let (into, changed) = match change.tag() {
            ChangeTag::Equal => {
                push(&mut old_parts, change.value(), false);
                (&mut new_parts, false)
            }
            ChangeTag::Delete => (&mut old_parts, true),
            ChangeTag::Insert => (&mut new_parts, true),
        };
        push(into, change.value(), changed);
    }
    (old_parts, new_parts)
}

/// Appends text to a line's parts, joined to the last part when it is marked alike.
fn push(parts: &mut Vec<Part>, text: &str, changed: bool) {
    match parts.last_mut() {
        Some(last) if last.changed == changed => last.text.push_str(text),
        _ => parts.push(Part {
            text: text.to_string(),
            changed,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.parts.iter().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn lines_align_and_changed_words_are_marked() {
        let old = "GET /a HTTP/1.1\nHost: x\nAccept: */*\n\n{\n  \"n\": 1\n}\n";
        let new = "GET /a HTTP/1.1\nHost: x\n\n{\n  \"n\": 2,\n  \"m\": 3\n}\n";
        let rows = side_by_side(old, new);
        assert!(!rows.same && !rows.cut);
        let kinds: Vec<_> = rows.rows.iter().map(|r| r.kind).collect();
        use RowKind::*;
        assert_eq!(
            kinds,
            [Same, Same, Removed, Same, Same, Changed, Added, Same]
        );
        let changed = &rows.rows[5];
        let (o, n) = (changed.old.as_ref().unwrap(), changed.new.as_ref().unwrap());
        assert_eq!(
            (text(o), text(n)),
            ("  \"n\": 1".into(), "  \"n\": 2,".into())
        );
        assert!(o.parts.iter().any(|p| p.changed && p.text == "1"), "{o:?}");
        assert!(
            n.parts.iter().any(|p| p.changed && p.text.starts_with('2')),
            "{n:?}"
        );
        assert!(
            o.parts
                .iter()
                .any(|p| !p.changed && p.text.contains("\"n\"")),
            "{o:?}"
        );
        assert_eq!((o.number, n.number), (6, 5));
        assert!(side_by_side(old, old).same);
    }

    #[test]
    fn a_huge_comparison_is_cut() {
        let old: String = (0..MOST_ROWS + 10).map(|i| format!("{i}\n")).collect();
        let rows = side_by_side(&old, "");
        assert_eq!(rows.rows.len(), MOST_ROWS);
        assert!(rows.cut);
    }
}
