//! Native file dialogs, opened by Rust so the page never names a path: the window can only
//! write where the user chose. `TCPMON_TEST_DIALOG_PATH`, set by whoever starts the app (the
//! end-to-end tests), answers every dialog with that path instead, since WebDriver cannot
//! click a GTK dialog. Release builds ignore it: an installed app always asks the user.

use std::path::PathBuf;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tokio::sync::oneshot;

/// Environment variable that answers dialogs in tests.
pub const TEST_PATH: &str = "TCPMON_TEST_DIALOG_PATH";

/// Asks where to save; `None` when the user cancelled.
pub async fn save_path<R: Runtime>(
    app: &AppHandle<R>,
    suggested: &str,
    filter: (&str, &[&str]),
) -> Option<PathBuf> {
    if let Some(path) = test_answer() {
        return Some(path);
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(suggested)
        .add_filter(filter.0, filter.1)
        .save_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

/// Asks which file to open; `None` when the user cancelled.
pub async fn open_path<R: Runtime>(app: &AppHandle<R>, filter: (&str, &[&str])) -> Option<PathBuf> {
    if let Some(path) = test_answer() {
        return Some(path);
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .add_filter(filter.0, filter.1)
        .pick_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

/// Asks which files to open (one or more); `None` when the user cancelled.
pub async fn open_paths<R: Runtime>(
    app: &AppHandle<R>,
    filter: (&str, &[&str]),
) -> Option<Vec<PathBuf>> {
    if let Some(path) = test_answer() {
        return Some(vec![path]);
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .add_filter(filter.0, filter.1)
        .pick_files(move |paths| {
            let picked = paths.map(|ps| ps.into_iter().filter_map(|p| p.into_path().ok()));
            let _ = tx.send(picked.map(|ps| ps.collect::<Vec<_>>()));
        });
    rx.await.ok().flatten()
}

/// The path tests answer dialogs with (debug builds only).
fn test_answer() -> Option<PathBuf> {
    if cfg!(debug_assertions) {
        std::env::var_os(TEST_PATH).map(PathBuf::from)
    } else {
        None
    }
}
