//! Lists the app's commands so that each needs an explicit grant in `capabilities/`.

/// Every command in `src/commands.rs`; `capabilities/default.json` grants each one.
const COMMANDS: &[&str] = &[
    "startup",
    "snapshot",
    "add_listener",
    "check_bind",
    "update_listener",
    "start_listener",
    "stop_listener",
    "remove_listener",
    "remove_connections",
    "read_view",
    "resend",
    "save_connections",
    "open_session",
    "close_session",
    "open_left_capture",
    "discard_left_capture",
    "save_settings",
    "set_capture_limit",
    "status",
    "search",
    "send_request",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
