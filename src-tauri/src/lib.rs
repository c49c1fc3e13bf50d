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

/// `base` with the app's state, commands and event bridge; shared by `run` and the
/// mock-runtime tests (whose base builder knows the test invoke key).
pub fn configure<R: Runtime>(base: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    base.manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::snapshot,
            commands::add_listener,
            commands::check_bind,
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
            commands::search,
            commands::send_request,
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
    configure(tauri::Builder::<tauri::Wry>::new(), state)
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .run(tauri::generate_context!())
        .expect("the window system could not start");
}

#[cfg(test)]
mod tests {
    //! The commands through Tauri's IPC on the mock runtime: argument names, JSON shapes and
    //! errors exactly as the window sees them.

    use super::*;
    use serde_json::{Value, json};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{
        INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
    };
    use tauri::webview::InvokeRequest;
    use tauri::{Listener, WebviewWindow};

    fn app() -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
        let state = tauri::async_runtime::block_on(AppState::new(None)).expect("state");
        let app = configure(mock_builder(), state)
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        (app, window)
    }

    fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::from(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().expect("json"))
    }

    fn form(port: u16, target_port: u16) -> Value {
        json!({ "form": {
            "port": port.to_string(), "bind": "", "proxy": false,
            "target_host": "127.0.0.1", "target_port": target_port.to_string(),
            "upstream_proxy": "", "slow_bytes": "", "slow_delay_ms": ""
        }})
    }

    #[test]
    fn add_listener_returns_the_running_listener_and_a_port_in_use_names_its_field() {
        let (_app, window) = app();
        let info = invoke(&window, "add_listener", form(0, 9)).expect("added");
        assert_eq!(info["running"], true);
        let addr = info["local_addr"].as_str().expect("address");
        let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();

        let err = invoke(&window, "add_listener", form(port, 9)).expect_err("port in use");
        assert_eq!(err["kind"], "port_in_use");
        assert_eq!(err["field"], "listen_port");
        assert!(err["message"].as_str().unwrap().contains(&port.to_string()));

        let snapshot = invoke(&window, "snapshot", json!({})).expect("snapshot");
        assert_eq!(snapshot["listeners"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_relayed_connection_is_readable_and_its_events_reach_the_window() {
        use std::io::{Read, Write};
        let (mut app, window) = app();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        app.listen_any(EVENTS, move |event| {
            let _ = tx.send(event.payload().to_string());
        });
        #[allow(deprecated)]
        app.run_iteration(|_, _| {}); // runs setup, which starts the event forwarder

        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server_port = server.local_addr().unwrap().port();
        let info = invoke(&window, "add_listener", form(0, server_port)).expect("added");
        let relay = info["local_addr"].as_str().unwrap().to_string();
        let serve = std::thread::spawn(move || {
            let (mut s, _) = server.accept().unwrap();
            let mut buf = [0; 64];
            let n = s.read(&mut buf).unwrap();
            s.write_all(&buf[..n]).unwrap();
        });
        let mut client = std::net::TcpStream::connect(&relay).unwrap();
        client.write_all(b"PING\r\n").unwrap();
        let mut echo = [0; 6];
        client.read_exact(&mut echo).unwrap();
        serve.join().unwrap();

        let page = invoke(
            &window,
            "read_view",
            json!({ "session": null, "id": 1, "direction": "server_to_client", "view": "hex", "offset": 0 }),
        )
        .expect("page");
        assert_eq!(page["view"], "hex");
        assert!(
            page["text"]
                .as_str()
                .unwrap()
                .starts_with("00000000  50 49 4e 47 0d 0a"),
            "{page}"
        );

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = String::new();
        while !seen.contains("connection_opened") && std::time::Instant::now() < deadline {
            if let Ok(batch) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
                seen.push_str(&batch);
            }
        }
        assert!(seen.contains("\"kind\":\"connection_opened\""), "{seen}");
        assert!(seen.contains("\"lagged\":false"), "{seen}");
    }

    #[test]
    fn check_bind_answers_with_the_engines_rule() {
        let (_app, window) = app();
        let check = |addr: &str| invoke(&window, "check_bind", json!({ "addr": addr }));
        assert_eq!(check("localhost").unwrap(), json!({ "loopback": true }));
        assert_eq!(
            check("::ffff:127.0.0.1").unwrap(),
            json!({ "loopback": true })
        );
        assert_eq!(check("").unwrap(), json!({ "loopback": true }));
        assert_eq!(check("::").unwrap(), json!({ "loopback": false }));
        let bad = check("garbage").unwrap();
        assert_eq!(bad["loopback"], false);
        assert!(
            bad["error"].as_str().unwrap().contains("bind address"),
            "{bad}"
        );
    }

    #[test]
    fn unknown_connections_and_sessions_are_not_found() {
        let (_app, window) = app();
        let args = json!({ "session": 7, "id": 1, "direction": "client_to_server", "view": "raw", "offset": 0 });
        assert_eq!(
            invoke(&window, "read_view", args).unwrap_err()["kind"],
            "not_found"
        );
        let err = invoke(&window, "resend", json!({ "id": 5, "edited": null })).unwrap_err();
        assert_eq!(err["kind"], "not_found");
    }

    #[test]
    fn the_sender_and_the_search_box_answer_in_the_contracts_shapes() {
        use std::io::{BufRead, BufReader, Write};
        let (_app, window) = app();
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/svc", server.local_addr().unwrap());
        let serve = std::thread::spawn(move || {
            let (s, _) = server.accept().unwrap();
            let mut lines = BufReader::new(s.try_clone().unwrap()).lines();
            while let Some(Ok(line)) = lines.next() {
                if line.is_empty() {
                    break;
                }
            }
            (&s).write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
        });
        let bad =
            json!({ "request": { "method": "GET", "url": "ftp://x/", "headers": [], "body": "" } });
        let err = invoke(&window, "send_request", bad).unwrap_err();
        assert_eq!(
            (err["kind"].as_str(), err["field"].as_str()),
            (Some("invalid_input"), Some("url"))
        );
        let request = json!({ "request": {
            "method": "GET", "url": url, "headers": [["X-Test", "1"]], "body": ""
        }});
        let id = invoke(&window, "send_request", request).expect("sent");
        serve.join().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let found = loop {
            let found = invoke(
                &window,
                "search",
                json!({ "session": null, "query": "status:202" }),
            )
            .expect("search");
            if found["rows"].as_array().is_some_and(|r| !r.is_empty())
                || std::time::Instant::now() > deadline
            {
                break found;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(found["rows"], json!([[id, 0]]));
        let err = invoke(
            &window,
            "search",
            json!({ "session": null, "query": "/[/" }),
        )
        .unwrap_err();
        assert_eq!(err["field"], "search");
    }
}
