//! The UI's settings (form values, layout, view choices, listeners to offer again), kept as
//! the UI's own JSON in the user's config dir. The shell only stores it, bounded in size.

use crate::error::{CommandError, ErrorKind};
use std::io::Write;
use std::path::Path;

/// File name inside the config dir.
pub const FILE: &str = "settings.json";
/// Largest settings document accepted: settings, not a capture.
pub const MAX_BYTES: usize = 1 << 20;

/// The saved settings, or `None` when there are none (or they are unreadable: start fresh).
pub fn load(dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read(dir.join(FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Replaces the saved settings atomically.
pub fn save(dir: &Path, settings: &serde_json::Value) -> Result<(), CommandError> {
    let text = serde_json::to_vec_pretty(settings)
        .map_err(|e| CommandError::new(ErrorKind::InvalidInput, e.to_string()))?;
    if text.len() > MAX_BYTES {
        return Err(CommandError::new(
            ErrorKind::InvalidInput,
            "settings larger than 1 MiB are not saved",
        ));
    }
    let io = |e: std::io::Error| {
        CommandError::new(
            ErrorKind::Io,
            format!("cannot save settings in {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    tcpmon_files::atomic::write_file(&dir.join(FILE), io, |out| out.write_all(&text).map_err(io))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_bad_files_start_fresh() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), None);
        let value = serde_json::json!({"version": 1, "layout": "stacked"});
        save(&dir.path().join("nested"), &value).unwrap();
        assert_eq!(load(&dir.path().join("nested")), Some(value));
        std::fs::write(dir.path().join(FILE), "{broken").unwrap();
        assert_eq!(load(dir.path()), None);
        let huge = serde_json::json!({"x": "y".repeat(MAX_BYTES)});
        assert!(save(dir.path(), &huge).is_err());
    }
}
