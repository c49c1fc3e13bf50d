//! The window's commands: each maps its arguments, makes one call into the engine or
//! `tcpmon-desktop`, and maps the result. Each is listed in `command_list.rs`, which the
//! window's TypeScript types are generated from; `docs/ipc.md` says what they do.

use crate::dialog;
use crate::state::AppState;
use serde::Serialize;
use std::path::PathBuf;
use tauri::{AppHandle, Runtime, State};
use tcpmon_desktop::breakpoints::{Decision, PausedView};
use tcpmon_desktop::capture::{self, LeftCapture};
use tcpmon_desktop::compare::{Comparison, Options as CompareOptions, compare as compare_rows};
use tcpmon_desktop::error::{CommandError, ErrorKind};
use tcpmon_desktop::form::{ListenerForm, check_bind as check_bind_text};
use tcpmon_desktop::messages::{MessagePage, SendKind, outgoing};
use tcpmon_desktop::page::{ViewPage, read_server_side_view, read_view as render_page};
use tcpmon_desktop::{breakpoints, ca, resend, rules, search, settings};
use tcpmon_files::{Format, Pick, RowRef, save};
use tcpmon_inspect::compose::{Composed, prepare};
use tcpmon_inspect::protobuf::Schema;
use tcpmon_inspect::view::ViewKind;
use tcpmon_relay::rules::RulesSource;
use tcpmon_relay::{
    BindCheck, ConnId, ConnectionRecord, Direction, ListenerId, ListenerInfo, PauseId, Snapshot,
};

type Result<T> = std::result::Result<T, CommandError>;

/// What the window needs first.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Startup {
    snapshot: Snapshot,
    selected_listener: Option<ListenerId>,
    settings: Option<serde_json::Value>,
    launch_error: Option<CommandError>,
    /// Captures crashes left behind, offered to open or discard.
    left_captures: Vec<LeftCapture>,
}

/// Runs file and rendering work on a blocking thread: not on the main thread (the window
/// would freeze) and not on the async runtime (the relay's pumps run there).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(ErrorKind::Io, e.to_string()))?
}

#[tauri::command]
pub async fn startup(state: State<'_, AppState>) -> Result<Startup> {
    let engine = state.engine.clone();
    let dir = state.capture_dir().map(ToOwned::to_owned);
    let (snapshot, left_captures) = blocking(move || {
        // Not being able to look is said once, here; the capture goes on.
        let left = capture::left_captures(dir.as_deref()).unwrap_or_else(|e| {
            eprintln!("tcpmon: {}", e.message);
            Vec::new()
        });
        Ok((engine.snapshot(), left))
    })
    .await?;
    Ok(Startup {
        snapshot,
        selected_listener: state.launched,
        settings: state.config_dir().ok().and_then(|dir| settings::load(dir)),
        launch_error: state.launch_error.clone(),
        left_captures,
    })
}

#[tauri::command]
pub async fn snapshot(state: State<'_, AppState>) -> Result<Snapshot> {
    let engine = state.engine.clone();
    blocking(move || Ok(engine.snapshot())).await
}

#[tauri::command]
pub async fn add_listener(state: State<'_, AppState>, form: ListenerForm) -> Result<ListenerInfo> {
    Ok(state.engine.add_listener(form.parse()?).await?)
}

/// Whether a bind address typed in the Admin tab is loopback, or why it is not an address: the
/// engine's own rule, so the window's warning never disagrees with the listener.
#[tauri::command]
pub fn check_bind(addr: String) -> Result<BindCheck> {
    Ok(check_bind_text(&addr))
}

#[tauri::command]
pub async fn update_listener(
    state: State<'_, AppState>,
    id: ListenerId,
    form: ListenerForm,
) -> Result<ListenerInfo> {
    Ok(state.engine.restart_listener(id, form.parse()?).await?)
}

#[tauri::command]
pub async fn start_listener(state: State<'_, AppState>, id: ListenerId) -> Result<ListenerInfo> {
    Ok(state.engine.start_listener(id).await?)
}

#[tauri::command]
pub async fn stop_listener(state: State<'_, AppState>, id: ListenerId) -> Result<ListenerInfo> {
    Ok(state.engine.stop_listener(id).await?)
}

#[tauri::command]
pub async fn remove_listener(state: State<'_, AppState>, id: ListenerId) -> Result<()> {
    Ok(state.engine.remove_listener(id).await?)
}

#[tauri::command]
pub fn remove_connections(state: State<'_, AppState>, ids: Vec<ConnId>) -> Result<()> {
    state.engine.remove_connections(&ids);
    Ok(())
}

#[tauri::command]
pub async fn read_view(
    state: State<'_, AppState>,
    session: Option<u64>,
    id: ConnId,
    direction: Direction,
    view: ViewKind,
    offset: u64,
    exchange: Option<usize>,
) -> Result<ViewPage> {
    let store = state.store(session)?;
    let schema = state.schema();
    blocking(move || {
        let schema = schema.as_deref();
        render_page(&store, id, direction, view, offset, exchange, schema)
    })
    .await
}

/// A page of the server's side of a message TCPMon changed (a rule, a breakpoint): the
/// request as the server got it, or the response as the server sent it.
#[tauri::command]
pub async fn read_server_side(
    state: State<'_, AppState>,
    session: Option<u64>,
    id: ConnId,
    direction: Direction,
    exchange: usize,
    view: ViewKind,
    offset: u64,
) -> Result<ViewPage> {
    let store = state.store(session)?;
    let schema = state.schema();
    blocking(move || {
        let schema = schema.as_deref();
        read_server_side_view(&store, id, direction, exchange, view, offset, schema)
    })
    .await
}

/// Rows `from..from + count` of an exchange's messages (a WebSocket's, or an event stream's
/// events), and how many there are.
#[tauri::command]
pub async fn exchange_messages(
    state: State<'_, AppState>,
    session: Option<u64>,
    id: ConnId,
    exchange: usize,
    from: u64,
    count: u32,
) -> Result<MessagePage> {
    let store = state.store(session)?;
    let lists = state.messages.clone();
    blocking(move || lists.page(&store, session, id, exchange, from, count)).await
}

/// A page of one message's payload (a WebSocket message's, an event's data), in a view, as
/// `read_view` gives a body's.
#[tauri::command]
pub async fn read_message_view(
    state: State<'_, AppState>,
    session: Option<u64>,
    id: ConnId,
    exchange: usize,
    index: u64,
    view: ViewKind,
    offset: u64,
) -> Result<ViewPage> {
    let store = state.store(session)?;
    let lists = state.messages.clone();
    blocking(move || lists.view(&store, session, id, exchange, index, view, offset)).await
}

/// Sends a message the user typed (text, or binary as hex) into a live WebSocket, toward the
/// server or the client; resolves once it is written.
#[tauri::command]
pub async fn send_websocket(
    state: State<'_, AppState>,
    id: ConnId,
    exchange: usize,
    direction: Direction,
    kind: SendKind,
    text: String,
) -> Result<()> {
    let (opcode, payload) = outgoing(kind, &text)?;
    Ok(state
        .engine
        .inject_websocket(id, exchange, direction, opcode, payload)
        .await?)
}

/// Resends the captured request, or the edited text with the capture's line ends and a
/// fitting Content-Length.
#[tauri::command]
pub async fn resend(
    state: State<'_, AppState>,
    id: ConnId,
    edited: Option<String>,
    exchange: Option<usize>,
) -> Result<ConnId> {
    let engine = state.engine.clone();
    let request =
        blocking(move || resend::request(engine.store(), id, exchange, edited.as_deref())).await?;
    Ok(state.engine.resend(id, request).await?)
}

#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    session: Option<u64>,
    query: String,
) -> Result<search::Found> {
    let store = state.store(session)?;
    blocking(move || search::search(&store, &query)).await
}

/// Two exchanges (connection, exchange index) side by side: their requests, then their
/// responses, as the Compare view shows them.
#[tauri::command]
pub async fn compare(
    state: State<'_, AppState>,
    session: Option<u64>,
    left: (ConnId, usize),
    right: (ConnId, usize),
    options: CompareOptions,
) -> Result<Comparison> {
    let store = state.store(session)?;
    blocking(move || compare_rows(&store, left, right, &options)).await
}

/// The Sender: the request typed into its form goes out in the background (async: the
/// connection's tasks need the runtime).
#[tauri::command]
pub async fn send_request(state: State<'_, AppState>, request: Composed) -> Result<ConnId> {
    let prepared = prepare(&request)
        .map_err(|e| CommandError::new(ErrorKind::InvalidInput, e.message).on(e.field))?;
    let target = tcpmon_relay::HostPort::new(prepared.host.as_str(), prepared.port);
    Ok(state.engine.send(target, prepared.tls, prepared.bytes))
}

/// Where connections were saved.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Saved {
    path: String,
    count: usize,
}

#[tauri::command]
pub async fn save_connections<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    session: Option<u64>,
    ids: Vec<ConnId>,
    format: Format,
    exchanges: Option<Vec<RowRef>>,
) -> Result<Option<Saved>> {
    let filter = (format.label(), format.extensions());
    let Some(path) = dialog::save_path(&app, &format.default_name(), filter).await else {
        return Ok(None);
    };
    let store = state.store(session)?;
    let target = path.clone();
    let count = blocking(move || {
        let pick = match &exchanges {
            Some(rows) => Pick::Rows(rows),
            None => Pick::Connections(&ids),
        };
        Ok(save::save(&store, pick, &target, format)?)
    })
    .await?;
    Ok(Some(Saved {
        path: path.display().to_string(),
        count,
    }))
}

/// A session file opened for viewing.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct OpenedSession {
    session: u64,
    name: String,
    note: Option<String>,
    connections: Vec<ConnectionRecord>,
}

#[tauri::command]
pub async fn open_session<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<OpenedSession>> {
    let filter = (
        "TCPMon session or HAR",
        &[Format::Session.extensions()[0], Format::Har.extensions()[0]][..],
    );
    let Some(path) = dialog::open_path(&app, filter).await else {
        return Ok(None);
    };
    Ok(Some(open_file(&state, path).await?))
}

/// Opens a session (or HAR) file read-only, as a new session.
async fn open_file(state: &AppState, path: PathBuf) -> Result<OpenedSession> {
    let sessions = state.sessions.clone();
    let file = path.clone();
    let (session, opened) = blocking(move || sessions.open(&file)).await?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(OpenedSession {
        session,
        name,
        note: opened.note.clone(),
        connections: opened.store.records(),
    })
}

#[tauri::command]
pub fn close_session(state: State<'_, AppState>, session: u64) -> Result<()> {
    state.sessions.close(session);
    Ok(())
}

/// Opens a capture a crash left (one `startup` listed) read-only, like a session file.
#[tauri::command]
pub async fn open_left_capture(state: State<'_, AppState>, path: String) -> Result<OpenedSession> {
    let found = capture::find_left(state.capture_dir(), &path)?;
    open_file(&state, found).await
}

/// Removes a capture a crash left (one `startup` listed).
#[tauri::command]
pub fn discard_left_capture(state: State<'_, AppState>, path: String) -> Result<()> {
    capture::discard_left(state.capture_dir(), &path)
}

#[tauri::command]
pub fn save_settings(state: State<'_, AppState>, settings: serde_json::Value) -> Result<()> {
    settings::save(state.config_dir()?, &settings)
}

/// Applies the capture limit typed in the settings (`500MiB`; empty: none) to the live
/// capture; returns it in bytes.
#[tauri::command]
pub fn set_capture_limit(state: State<'_, AppState>, limit: String) -> Result<Option<u64>> {
    let limit = capture::parse_limit(&limit)?;
    state.set_capture_limit(limit);
    Ok(limit)
}

/// Loads the protobuf schema the gRPC view names fields with (a `.proto` file, or a
/// FileDescriptorSet), typed in the settings; empty: none. Returns the services it describes.
#[tauri::command]
pub async fn set_proto_file(state: State<'_, AppState>, path: String) -> Result<Vec<String>> {
    let path = path.trim().to_owned();
    if path.is_empty() {
        state.set_schema(None);
        return Ok(Vec::new());
    }
    let schema = blocking(move || {
        Schema::load(std::path::Path::new(&path))
            .map_err(|e| CommandError::new(ErrorKind::InvalidInput, e.to_string()).on("proto_file"))
    })
    .await?;
    let services = schema.services();
    state.set_schema(Some(schema));
    Ok(services)
}

/// Figures for the status line that events do not carry (or that a late window missed).
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Status {
    capture_bytes: u64,
    /// The capture limit in force, in bytes.
    capture_limit: Option<u64>,
    /// Why recording is stopped (relaying goes on), while it is.
    recording_stopped: Option<String>,
}

#[tauri::command]
pub fn status(state: State<'_, AppState>) -> Result<Status> {
    let store = state.engine.store();
    Ok(Status {
        capture_bytes: store.disk_bytes(),
        capture_limit: state.capture_limit(),
        recording_stopped: store.recording_stopped(),
    })
}

/// "Target CA...": the PEM files to trust besides the system's store, picked in a native
/// dialog; `None` when the user cancelled.
#[tauri::command]
pub async fn pick_target_ca<R: Runtime>(app: AppHandle<R>) -> Result<Option<Vec<String>>> {
    let filter = ("PEM certificates", &["pem", "crt", "cer"][..]);
    let picked = dialog::open_paths(&app, filter).await;
    Ok(picked.map(|paths| paths.iter().map(|p| p.display().to_string()).collect()))
}

/// "Export CA certificate...": writes the local CA's certificate (made first if there is
/// none) where the user chose; the path, or `None` when the user cancelled.
#[tauri::command]
pub async fn export_ca<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<String>> {
    let dir = state.ca_dir()?.to_path_buf();
    let filter = ("Certificate (PEM; DER for .der, .cer)", ca::EXTENSIONS);
    let Some(path) = dialog::save_path(&app, ca::SUGGESTED_NAME, filter).await else {
        return Ok(None);
    };
    let target = path.clone();
    blocking(move || Ok(ca::export(&dir, &target)?)).await?;
    Ok(Some(path.display().to_string()))
}

/// The Rules panel's filter for rules files (what `tcpmon-cli --rules` reads).
const RULES_FILTER: (&str, &[&str]) = ("Rules (JSON)", &["json"]);

/// "Import...": a rules file picked in a native dialog, checked by the CLI's parser; its text
/// and folder (`bodyFile`s are relative to it), or `None` when the user cancelled.
#[tauri::command]
pub async fn import_rules<R: Runtime>(app: AppHandle<R>) -> Result<Option<RulesSource>> {
    let Some(path) = dialog::open_path(&app, RULES_FILTER).await else {
        return Ok(None);
    };
    blocking(move || rules::import(&path).map(Some)).await
}

/// "Export...": the panel's rules written as a rules file where the user chose, once the
/// CLI's parser takes them, their mock body files (relative to `folder`) copied beside it;
/// the path, or `None` when the user cancelled.
#[tauri::command]
pub async fn export_rules<R: Runtime>(
    app: AppHandle<R>,
    text: String,
    folder: String,
) -> Result<Option<String>> {
    let Some(path) = dialog::save_path(&app, "rules.json", RULES_FILTER).await else {
        return Ok(None);
    };
    let target = path.clone();
    blocking(move || rules::export(&target, &text, &PathBuf::from(folder))).await?;
    Ok(Some(path.display().to_string()))
}

/// How often each of a listener's rules acted, in order (none without rules).
#[tauri::command]
pub fn rule_hits(state: State<'_, AppState>, id: ListenerId) -> Result<Vec<u64>> {
    let rules = state.engine.listener(id)?.config.rules.0;
    Ok(rules.map(|set| set.hits()).unwrap_or_default())
}

/// A message paused at a breakpoint, as the editor shows it.
#[tauri::command]
pub fn paused_message(state: State<'_, AppState>, id: PauseId) -> Result<PausedView> {
    Ok(breakpoints::view(&state.engine.paused_content(id)?))
}

/// Continue, Drop or Respond on a paused message; it stays paused when the text cannot be
/// used (the error says why, on the editor).
#[tauri::command]
pub fn resume_paused(state: State<'_, AppState>, id: PauseId, decision: Decision) -> Result<()> {
    let content = state.engine.paused_content(id)?;
    let resolution = breakpoints::resolution(&content, decision)?;
    Ok(state.engine.resume(id, resolution)?)
}

/// "Continue all": every message paused at a breakpoint of `listener` (or of any listener)
/// goes on unchanged; how many went.
#[tauri::command]
pub fn continue_all(state: State<'_, AppState>, listener: Option<ListenerId>) -> Result<u32> {
    Ok(state.engine.continue_all(listener) as u32)
}

/// Respond's "Load from file...": a response (or a body) picked in a native dialog, as text;
/// `None` when the user cancelled.
#[tauri::command]
pub async fn load_response<R: Runtime>(app: AppHandle<R>) -> Result<Option<String>> {
    let Some(path) = dialog::open_path(&app, ("Responses and bodies", &["*"])).await else {
        return Ok(None);
    };
    blocking(move || breakpoints::response_file(&path).map(Some)).await
}

/// "Mock from this row": the exchange's response as a mock rule, added last to the rules of
/// the listener that captured it (from its next connection on); the listener as it is now.
#[tauri::command]
pub fn mock_from_row(
    state: State<'_, AppState>,
    id: ConnId,
    exchange: usize,
) -> Result<ListenerInfo> {
    rules::mock_from_row(&state.engine, id, exchange)
}
