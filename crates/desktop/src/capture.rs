//! The app's capture: the limit typed in its settings, and the captures crashes left behind.
//!
//! Every capture is a log in the capture folder while TCPMon runs; a clean exit removes it, so
//! a log nobody holds is one a crash (or a `kill -9`) left, with everything captured up to a
//! moment before. The window is offered those at start, by path, and can open one read-only or
//! discard it; both name a log only if it is one of those: the page never reaches any other
//! file.

use crate::error::{CommandError, ErrorKind};
use bytesize::ByteSize;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;
use tcpmon_relay::{DEFAULT_KEEP_FREE, Store, left_logs};

/// The settings key the window keeps the capture limit under (a size as typed, `""`: none).
pub const SETTING: &str = "capture_limit";
/// The form field capture-limit errors belong to.
pub const FIELD: &str = "capture_limit";

/// A capture left by a crash, as the window lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LeftCapture {
    /// Its path: what the window names it by to open or discard it.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, in milliseconds since the epoch.
    pub modified_ms: u64,
}

/// The captures in `capture_dir` that crashes left (no running TCPMon holds them), oldest
/// first; none without a capture folder.
pub fn left_captures(capture_dir: Option<&Path>) -> Result<Vec<LeftCapture>, CommandError> {
    let Some(dir) = capture_dir else {
        return Ok(Vec::new());
    };
    let logs = left_logs(dir).map_err(|e| {
        CommandError::new(
            ErrorKind::Io,
            format!(
                "cannot look for captures left by a crash in {}: {e}",
                dir.display()
            ),
        )
    })?;
    Ok(logs
        .into_iter()
        .map(|log| LeftCapture {
            path: log.path.display().to_string(),
            size: log.size,
            modified_ms: log
                .modified
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        })
        .collect())
}

/// `path` when it is a capture a crash left in `capture_dir`; anything else is not found.
pub fn find_left(capture_dir: Option<&Path>, path: &str) -> Result<PathBuf, CommandError> {
    let not_found = || {
        CommandError::new(
            ErrorKind::NotFound,
            format!("{path} is not a capture left by a crash (it may have been discarded)"),
        )
    };
    let wanted = Path::new(path).canonicalize().map_err(|_| not_found())?;
    let dir = capture_dir.ok_or_else(not_found)?;
    let logs = left_logs(dir).map_err(|e| CommandError::new(ErrorKind::Io, e.to_string()))?;
    logs.into_iter()
        .map(|log| log.path)
        .find(|p| p.canonicalize().is_ok_and(|p| p == wanted))
        .ok_or_else(not_found)
}

/// Removes a capture a crash left: its connections are gone for good.
pub fn discard_left(capture_dir: Option<&Path>, path: &str) -> Result<(), CommandError> {
    let found = find_left(capture_dir, path)?;
    std::fs::remove_file(&found).map_err(|e| {
        CommandError::new(
            ErrorKind::Io,
            format!("cannot remove {}: {e}", found.display()),
        )
    })
}

/// The capture limit typed in the settings: a size (`500MiB`, `2GB`, `1.5 GiB`, `100000`
/// bytes), or empty for none.
pub fn parse_limit(text: &str) -> Result<Option<u64>, CommandError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = |why: String| CommandError::new(ErrorKind::InvalidInput, why).on(FIELD);
    let size: ByteSize = text.parse().map_err(|_| {
        bad(format!(
            "\"{text}\" is not a size: try 500MiB or 2GB (empty: no limit)"
        ))
    })?;
    if size.as_u64() == 0 {
        return Err(bad(
            "a limit of 0 records nothing: leave it empty for no limit".into(),
        ));
    }
    Ok(Some(size.as_u64()))
}

/// The limit saved in the window's settings, when there is a valid one.
pub fn saved_limit(settings: &serde_json::Value) -> Option<u64> {
    let text = settings.get(SETTING)?.as_str()?;
    parse_limit(text).ok().flatten()
}

/// Applies a capture limit to the live store at once, keeping the default free space on the
/// disk (recording resumes at once when the new limit allows it).
pub fn apply_limit(store: &Store, limit: Option<u64>) {
    store.set_limits(limit, DEFAULT_KEEP_FREE);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::{Engine, EngineOptions};

    #[test]
    fn limits_are_sizes_or_empty_and_errors_name_the_field() {
        assert_eq!(parse_limit(""), Ok(None));
        assert_eq!(parse_limit("   "), Ok(None));
        assert_eq!(parse_limit("500MiB"), Ok(Some(500 << 20)));
        assert_eq!(parse_limit(" 2GB "), Ok(Some(2_000_000_000)));
        assert_eq!(parse_limit("64 KiB"), Ok(Some(64 << 10)));
        assert_eq!(parse_limit("1000"), Ok(Some(1000)));
        for bad in ["lots", "-5MiB", "5 parsecs", "0", "0MiB"] {
            let err = parse_limit(bad).expect_err(bad);
            assert_eq!(
                (err.kind, err.field),
                (ErrorKind::InvalidInput, Some(FIELD)),
                "{bad}"
            );
        }
        assert!(
            parse_limit("lots")
                .unwrap_err()
                .message
                .contains("\"lots\"")
        );
    }

    #[test]
    fn the_saved_limit_is_read_from_the_settings_when_valid() {
        let saved = |v: serde_json::Value| saved_limit(&v);
        assert_eq!(
            saved(serde_json::json!({"capture_limit": "1MiB"})),
            Some(1 << 20)
        );
        assert_eq!(saved(serde_json::json!({"capture_limit": ""})), None);
        assert_eq!(saved(serde_json::json!({"capture_limit": "much"})), None);
        assert_eq!(saved(serde_json::json!({"capture_limit": 5})), None);
        assert_eq!(saved(serde_json::json!({"layout": "side"})), None);
    }

    #[tokio::test]
    async fn a_limit_applies_to_the_live_store() {
        let engine = Engine::new(EngineOptions {
            capture_dir: None,
            ..Default::default()
        })
        .unwrap();
        apply_limit(engine.store(), Some(1 << 20));
        apply_limit(engine.store(), None);
        assert_eq!(engine.store().recording_stopped(), None);
    }

    /// A log as a crash leaves one next to `log`: the same bytes, held by nobody.
    fn crashed_capture(log: &Path) -> PathBuf {
        let left = log.with_file_name("2020-01-02T03-04-05-1.tcpmon");
        std::fs::copy(log, &left).unwrap();
        left
    }

    #[tokio::test]
    async fn captures_left_by_a_crash_are_listed_found_and_discarded_but_no_other_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(left_captures(Some(dir.path())), Ok(vec![]), "no folder yet");
        assert_eq!(left_captures(None), Ok(vec![]));

        let running = Engine::new(EngineOptions {
            capture_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        let own_log = running.store().log_path().unwrap();
        let own = own_log.display().to_string();
        let left = crashed_capture(own_log);

        let found = left_captures(Some(dir.path())).unwrap();
        assert_eq!(
            found.len(),
            1,
            "the running capture is not listed: {found:?}"
        );
        assert_eq!(found[0].path, left.display().to_string());
        assert!(found[0].size > 0, "a log starts with its header");
        assert!(found[0].modified_ms > 1_600_000_000_000);

        assert_eq!(find_left(Some(dir.path()), &found[0].path).unwrap(), left);
        for other in [own.as_str(), "/etc/passwd", "", "relative.tcpmon"] {
            let err = find_left(Some(dir.path()), other).expect_err(other);
            assert_eq!(err.kind, ErrorKind::NotFound, "{other}");
            assert_eq!(
                discard_left(Some(dir.path()), other).unwrap_err().kind,
                ErrorKind::NotFound
            );
        }
        assert!(Path::new(&own).exists(), "the running capture stays");
        assert_eq!(
            find_left(None, &found[0].path).unwrap_err().kind,
            ErrorKind::NotFound
        );

        discard_left(Some(dir.path()), &found[0].path).unwrap();
        assert!(!left.exists());
        assert_eq!(left_captures(Some(dir.path())), Ok(vec![]));
        assert_eq!(
            discard_left(Some(dir.path()), &found[0].path)
                .unwrap_err()
                .kind,
            ErrorKind::NotFound,
            "discarded once"
        );
    }
}
