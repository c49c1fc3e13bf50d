//! The TCPMon desktop shell: Tauri commands over `tcpmon-relay` and `tcpmon-desktop`, and the
//! bridge that forwards engine events to the window in batches. No engine logic lives here.

mod commands;
mod dialog;
mod state;

use state::AppState;
use std::time::Duration;
use tauri::{Emitter, Manager, Runtime};
use tcpmon_relay::ListenerConfig;

/// The window's event with batched engine events.
pub const EVENTS: &str = "engine-events";
/// At most this many batches a second reach the window, whatever the traffic.
const BATCH_EVERY: Duration = Duration::from_millis(200);

/// The app without plugins or a window, shared by `run` and the mock-runtime tests.
pub fn builder<R: Runtime>(state: AppState) -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::snapshot,
            commands::add_listener,
            commands::update_listener,
            commands::start_listener,
            commands::stop_listener,
            commands::remove_listener,
            commands::remove_connections,
            commands::read_view,
            commands::resend,
            commands::save_connections,
            commands::open_session,
            commands::close_session,
            commands::save_settings,
            commands::status,
        ])
        .setup(|app| {
            let state = app.state::<AppState>();
            state.set_config_dir(app.path().app_config_dir()?);
            let handle = app.handle().clone();
            let events = state.engine.subscribe();
            tauri::async_runtime::spawn(tcpmon_desktop::batch::forward(
                events,
                BATCH_EVERY,
                move |batch| {
                    // Fails only while the window is closing.
                    let _ = handle.emit(EVENTS, batch);
                },
            ));
            Ok(())
        })
}

/// Runs the app; `launch` is the listener asked for on the command line.
pub fn run(launch: Option<ListenerConfig>) {
    let state = tauri::async_runtime::block_on(AppState::new(launch)).unwrap_or_else(|e| {
        eprintln!("tcpmon: {e}");
        std::process::exit(1);
    });
    builder::<tauri::Wry>(state)
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .run(tauri::generate_context!())
        .expect("the window system could not start");
}
