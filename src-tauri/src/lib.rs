//! The TCPMon desktop shell: Tauri commands over `tcpmon-relay`, `tcpmon-files` and
//! `tcpmon-desktop`, and the bridge that forwards engine events to the window in batches. No
//! engine logic lives here.
//!
//! Layout: `command_list` (every command, once: the handler list, `build.rs` and the contract
//! are made from it), `commands` (each maps arguments, makes one call, maps the result),
//! `contract` (the generated TypeScript and the checks that keep it true), `dialog` (file
//! dialogs), `state` (what the commands share).

#[macro_use]
mod command_list;
mod commands;
mod contract;
mod dialog;
mod state;

use state::AppState;
use std::time::Duration;
use tauri::{Emitter, Manager, Runtime};
use tcpmon_relay::{EngineOptions, ListenerConfig};

/// The window's event with batched engine events, each batch as JSON text that the window
/// parses. Tauri delivers an event by evaluating a script with the payload written into it: a
/// batch as an object literal there (thousands of records a second) cost WebKit 82 us of CPU
/// per connection and kept 194 MiB for 100,000 rows, as a string to `JSON.parse` 66 us and
/// 119 MiB (`bench/app-scale.sh`, 3,000 connections a second).
pub const EVENTS: &str = "engine-events";
/// At most this many batches a second reach the window, whatever the traffic.
const BATCH_EVERY: Duration = Duration::from_millis(200);

/// The invoke handler of the commands in a `command_list!`.
macro_rules! invoke_handler {
    ($($mode:ident $name:ident [$($state:ty),*] ($($arg:ident: $ty:ty),*) -> $ok:ty;)*) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

/// `base` with the app's state, commands and event bridge; shared by `run` and the
/// mock-runtime tests (whose base builder knows the test invoke key).
pub fn configure<R: Runtime>(base: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    base.manage(state)
        .invoke_handler(command_list!(invoke_handler))
        .setup(|app| {
            let state = app.state::<AppState>();
            let config_dir = app.path().app_config_dir()?;
            // The saved capture limit holds from the start, before the window has loaded.
            let saved = tcpmon_desktop::settings::load(&config_dir);
            state.set_capture_limit(saved.and_then(|s| tcpmon_desktop::capture::saved_limit(&s)));
            state.set_config_dir(config_dir);
            let handle = app.handle().clone();
            let events = state.engine.subscribe();
            tauri::async_runtime::spawn(tcpmon_desktop::batch::forward(
                events,
                BATCH_EVERY,
                move |batch| {
                    // As JSON text (see EVENTS); emitting fails only while the window closes.
                    // A batch that cannot be written is sent as lagged: the window reloads.
                    let text = serde_json::to_string(&batch)
                        .unwrap_or_else(|_| r#"{"events":[],"lagged":true}"#.into());
                    let _ = handle.emit(EVENTS, text);
                },
            ));
            Ok(())
        })
}

/// Runs the app; `launch` is the listener asked for on the command line.
pub fn run(launch: Option<ListenerConfig>) {
    // The relay's runtime for everything async here, Tauri's commands included; it lives as
    // long as the process (Tauri needs its runtime never dropped).
    let runtime = tcpmon_relay::runtime().unwrap_or_else(|e| {
        eprintln!("tcpmon: cannot start its runtime: {e}");
        std::process::exit(1);
    });
    tauri::async_runtime::set(Box::leak(Box::new(runtime)).handle().clone());
    let state = tauri::async_runtime::block_on(AppState::new(launch, EngineOptions::default()))
        .unwrap_or_else(|e| {
            eprintln!("tcpmon: {e}");
            std::process::exit(1);
        });
    configure(tauri::Builder::<tauri::Wry>::new(), state)
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .build(tauri::generate_context!())
        .expect("the window system could not start")
        .run(|app, event| {
            // A clean exit (the window closed): the capture log goes. A crash or a kill never
            // gets here and leaves it, for the next start to offer.
            if let tauri::RunEvent::Exit = event {
                app.state::<AppState>().end_cleanly();
            }
        });
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

    /// Each test's app captures into a folder of its own, removed when the test ends.
    struct TestApp {
        app: tauri::App<MockRuntime>,
        window: WebviewWindow<MockRuntime>,
        cache: tempfile::TempDir,
    }

    fn app() -> TestApp {
        app_in(tempfile::tempdir().expect("temp dir"))
    }

    fn app_in(cache: tempfile::TempDir) -> TestApp {
        let options = EngineOptions {
            capture_dir: Some(cache.path().to_path_buf()),
            ..EngineOptions::default()
        };
        let state = tauri::async_runtime::block_on(AppState::new(None, options)).expect("state");
        let app = configure(mock_builder(), state)
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        TestApp { app, window, cache }
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

    /// The event batches the window got until one mentions `kind` (or 10 s passed).
    fn batches_until(rx: &std::sync::mpsc::Receiver<String>, kind: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = String::new();
        while !seen.contains(kind) && std::time::Instant::now() < deadline {
            if let Ok(batch) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
                seen.push_str(&batch);
            }
        }
        seen
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
        let TestApp {
            app: _app,
            window,
            cache: _cache,
        } = app();
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
        let TestApp {
            mut app, window, ..
        } = app();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        app.listen_any(EVENTS, move |event| {
            let _ = tx.send(serde_json::from_str(event.payload()).expect("a batch as JSON text"));
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

        let seen = batches_until(&rx, "connection_opened");
        assert!(seen.contains("\"kind\":\"connection_opened\""), "{seen}");
        assert!(seen.contains("\"lagged\":false"), "{seen}");
    }

    #[test]
    fn check_bind_answers_with_the_engines_rule() {
        let TestApp {
            window,
            app: _app,
            cache: _cache,
        } = app();
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
        let TestApp {
            app: _app,
            window,
            cache: _cache,
        } = app();
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
        let TestApp {
            app: _app,
            window,
            cache: _cache,
        } = app();
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

    /// Relays one HTTP exchange through a new listener of the app; returns once it is recorded.
    fn one_exchange(window: &WebviewWindow<MockRuntime>, body: &[u8]) {
        use std::io::{BufRead, BufReader, Read, Write};
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server_port = server.local_addr().unwrap().port();
        let answer = [
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(),
            body,
        ]
        .concat();
        let serve = std::thread::spawn(move || {
            let (s, _) = server.accept().unwrap();
            let mut lines = BufReader::new(s.try_clone().unwrap()).lines();
            while let Some(Ok(line)) = lines.next() {
                if line.is_empty() {
                    break;
                }
            }
            (&s).write_all(&answer).unwrap();
        });
        let info = invoke(window, "add_listener", form(0, server_port)).expect("added");
        let relay = info["local_addr"].as_str().unwrap().to_string();
        let mut client = std::net::TcpStream::connect(&relay).unwrap();
        client
            .write_all(b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        serve.join().unwrap();
        assert!(got.ends_with(body), "relayed in full");
    }

    #[test]
    fn compare_answers_two_exchanges_side_by_side_with_its_options() {
        let TestApp {
            app: _app,
            window,
            cache: _cache,
        } = app();
        one_exchange(&window, br#"{"a":1,"b":2}"#);
        one_exchange(&window, br#"{"b":2,"a":1}"#);
        let compare = |ignore_key_order: bool| {
            let options = json!({ "ignore_headers": ["Date"], "raw": false, "ignore_key_order": ignore_key_order });
            invoke(
                &window,
                "compare",
                json!({ "session": null, "left": [1, 0], "right": [2, 0], "options": options }),
            )
        };
        let keyed = compare(false).expect("compared");
        assert_eq!(keyed["request"]["same"], true, "{keyed}");
        assert_eq!(keyed["response"]["same"], false, "{keyed}");
        let kinds: Vec<&str> = keyed["response"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"removed") || kinds.contains(&"changed"),
            "{keyed}"
        );
        assert_eq!(keyed["response"]["rows"][0]["old"]["number"], 1);
        assert_eq!(compare(true).expect("compared")["response"]["same"], true);
        let err = invoke(
            &window,
            "compare",
            json!({ "session": null, "left": [1, 0], "right": [1, 3], "options": { "ignore_headers": [], "raw": false, "ignore_key_order": false } }),
        )
        .unwrap_err();
        assert!(
            err["message"].as_str().unwrap().contains("no exchange 3"),
            "{err}"
        );
    }

    #[test]
    fn captures_a_crash_left_are_listed_at_startup_opened_and_discarded() {
        let cache = tempfile::tempdir().unwrap();
        // A crash's capture: a log with an exchange in it that no running TCPMon holds.
        let crashed = app_in(tempfile::tempdir().unwrap());
        one_exchange(&crashed.window, b"{\"ok\":true}");
        let state = crashed.app.state::<AppState>();
        let store = state.engine.store();
        store.sync().unwrap();
        let folder = tcpmon_relay::logs_folder(cache.path());
        std::fs::create_dir_all(&folder).unwrap();
        let left = folder.join("2020-01-02T03-04-05-1.tcpmon");
        std::fs::copy(store.log_path().unwrap(), &left).unwrap();

        let TestApp {
            app: _app,
            window,
            cache: _cache,
        } = app_in(cache);
        let startup = invoke(&window, "startup", json!({})).expect("startup");
        let listed = startup["left_captures"].as_array().expect("a list").clone();
        assert_eq!(
            listed.len(),
            1,
            "only the crash's, not the running one: {listed:?}"
        );
        let path = listed[0]["path"].as_str().unwrap();
        assert_eq!(path, left.display().to_string());
        assert!(listed[0]["size"].as_u64().unwrap() > 0);
        assert!(listed[0]["modified_ms"].as_u64().unwrap() > 0);

        let opened = invoke(&window, "open_left_capture", json!({ "path": path })).expect("opened");
        assert_eq!(opened["name"], "2020-01-02T03-04-05-1.tcpmon");
        let connections = opened["connections"].as_array().unwrap();
        assert_eq!(connections.len(), 1);
        assert_eq!(connections[0]["exchanges"][0]["status"], 200);
        let session = opened["session"].as_u64().unwrap();
        let page = invoke(&window,
            "read_view",
            json!({ "session": session, "id": 1, "direction": "server_to_client", "view": "raw", "offset": 0, "exchange": 0 }),
        )
        .expect("page");
        assert!(
            page["text"].as_str().unwrap().ends_with("{\"ok\":true}"),
            "{page}"
        );

        for other in ["/etc/passwd", "../x.tcpmon"] {
            let err = invoke(&window, "open_left_capture", json!({ "path": other })).unwrap_err();
            assert_eq!(err["kind"], "not_found", "{other}");
        }
        invoke(&window, "discard_left_capture", json!({ "path": path })).expect("discarded");
        assert!(!left.exists());
        let err = invoke(&window, "discard_left_capture", json!({ "path": path })).unwrap_err();
        assert_eq!(err["kind"], "not_found");
        let startup = invoke(&window, "startup", json!({})).expect("startup");
        assert_eq!(startup["left_captures"], json!([]));
    }

    #[test]
    fn a_proto_file_is_loaded_for_the_grpc_view_and_a_bad_one_is_named_with_the_reason() {
        let TestApp { window, .. } = app();
        let proto = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../crates/inspect/tests/fixtures/grpc/shop.proto"
        );
        let services = invoke(&window, "set_proto_file", json!({ "path": proto }));
        assert_eq!(services, Ok(json!(["demo.shop.Shop"])));
        let dir = tempfile::tempdir().expect("temp dir");
        let bad = dir.path().join("bad.proto");
        std::fs::write(&bad, "syntax = \"proto3\";\nmessage {").expect("write");
        let err = invoke(&window, "set_proto_file", json!({ "path": bad })).unwrap_err();
        assert_eq!(
            (err["kind"].as_str(), err["field"].as_str()),
            (Some("invalid_input"), Some("proto_file"))
        );
        let message = err["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("{}: ", bad.display())),
            "{message}"
        );
        let cleared = invoke(&window, "set_proto_file", json!({ "path": " " }));
        assert_eq!(cleared, Ok(json!([])));
    }

    #[test]
    fn the_capture_limit_is_set_live_and_a_stop_shows_in_the_status_and_an_event() {
        let TestApp {
            mut app, window, ..
        } = app();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        app.listen_any(EVENTS, move |event| {
            let _ = tx.send(serde_json::from_str(event.payload()).expect("a batch as JSON text"));
        });
        #[allow(deprecated)]
        app.run_iteration(|_, _| {});

        let err = invoke(&window, "set_capture_limit", json!({ "limit": "plenty" })).unwrap_err();
        assert_eq!(
            (err["kind"].as_str(), err["field"].as_str()),
            (Some("invalid_input"), Some("capture_limit"))
        );
        let status = invoke(&window, "status", json!({})).expect("status");
        assert_eq!(
            (
                status["capture_limit"].clone(),
                status["recording_stopped"].clone()
            ),
            (Value::Null, Value::Null)
        );

        let limit = invoke(&window, "set_capture_limit", json!({ "limit": "64KiB" })).expect("set");
        assert_eq!(limit, 65536);
        one_exchange(&window, &vec![b'x'; 200_000]);
        let status = invoke(&window, "status", json!({})).expect("status");
        assert_eq!(status["capture_limit"], 65536);
        let why = status["recording_stopped"].as_str().expect("stopped");
        assert!(why.contains("capture limit"), "{why}");
        let record = &invoke(&window, "snapshot", json!({})).unwrap()["connections"][0];
        assert!(
            record["truncation"]
                .as_str()
                .unwrap()
                .contains("capture limit"),
            "{record}"
        );

        let seen = batches_until(&rx, "recording_changed");
        assert!(seen.contains("\"kind\":\"recording_changed\""), "{seen}");

        assert_eq!(
            invoke(&window, "set_capture_limit", json!({ "limit": "" })),
            Ok(Value::Null)
        );
        let status = invoke(&window, "status", json!({})).expect("status");
        assert_eq!(
            (
                status["capture_limit"].clone(),
                status["recording_stopped"].clone()
            ),
            (Value::Null, Value::Null)
        );
    }

    #[test]
    fn a_clean_exit_removes_the_capture_log() {
        let TestApp { app, cache, .. } = app();
        let state = app.state::<AppState>();
        let log = state
            .engine
            .store()
            .log_path()
            .expect("a named log")
            .to_path_buf();
        assert!(log.starts_with(cache.path()) && log.exists());
        state.end_cleanly();
        assert!(!log.exists());
    }
}
