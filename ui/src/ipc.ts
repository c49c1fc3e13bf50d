/**
 * The only door to the Rust shell (docs/ipc.md): one wrapper per command, typed by the
 * contract generated from Rust (./generated/ipc.ts), and the
 * `engine-events` subscription. Everything else in the UI imports this module, never
 * @tauri-apps/api, so it runs in a plain browser against a mocked IPC.
 */
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Commands, Events } from "./generated/ipc";
import type {
  CommandError,
  Decision,
  Direction,
  ListenerForm,
  ReadMessageViewArgs,
  ReadViewArgs,
  RowRef,
  SaveFormat,
  SendKind,
  SendRequest,
} from "./types";

/** Turns whatever a rejected invoke carries into a CommandError, so callers handle one shape. */
export function toCommandError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "message" in error) {
    const { kind, message, field } = error as Partial<CommandError>;
    return {
      kind: typeof kind === "string" ? kind : "unknown",
      message: String(message),
      ...(typeof field === "string" ? { field } : {}),
    };
  }
  return { kind: "unknown", message: String(error) };
}

/** Invokes `command` with the arguments and answer the generated contract gives it. */
async function call<C extends keyof Commands>(command: C, args: Commands[C]["args"]): Promise<Commands[C]["result"]> {
  try {
    return await invoke<Commands[C]["result"]>(command, args);
  } catch (error) {
    throw toCommandError(error);
  }
}

export const ipc = {
  startup: () => call("startup", {}),
  snapshot: () => call("snapshot", {}),
  addListener: (form: ListenerForm) => call("add_listener", { form }),
  /** Whether a bind address as typed (empty: 127.0.0.1) is loopback, by the engine's own rule. */
  checkBind: (addr: string) => call("check_bind", { addr }),
  updateListener: (id: number, form: ListenerForm) => call("update_listener", { id, form }),
  startListener: (id: number) => call("start_listener", { id }),
  stopListener: (id: number) => call("stop_listener", { id }),
  removeListener: (id: number) => call("remove_listener", { id }),
  removeConnections: (ids: number[]) => call("remove_connections", { ids }),
  /** With `exchange`, the page covers only that exchange's message; offsets count from its start. */
  readView: (args: ReadViewArgs) => call("read_view", args),
  /** Rows `from..from + count` (at most 1,000) of a WebSocket exchange's messages, with their total. */
  exchangeMessages: (session: number | null, id: number, exchange: number, from: number, count: number) =>
    call("exchange_messages", { session, id, exchange, from, count }),
  /** A page of message `index`'s payload in a view; offsets count from the payload's start. */
  readMessageView: (args: ReadMessageViewArgs) => call("read_message_view", args),
  /**
   * A page of the server's side of a message a rule or a breakpoint changed: the request as the
   * server got it, or the response as the server sent it (the record's `server_side` lists them).
   */
  readServerSide: (args: Commands["read_server_side"]["args"]) => call("read_server_side", args),
  /**
   * Sends a message into live WebSocket exchange `exchange` of connection `id`: text as typed, or
   * binary typed as hex. Resolves once it is written between two messages.
   */
  sendWebsocket: (id: number, exchange: number, direction: Direction, kind: SendKind, text: string) =>
    call("send_websocket", { id, exchange, direction, kind, text }),
  /**
   * `edited` null resends the captured bytes exactly (with `exchange`, only that exchange's
   * request). Resolves to the new connection's id.
   */
  resend: (id: number, edited: string | null, exchange: number | null) =>
    call("resend", { id, edited, exchange }),
  /**
   * Rust shows the save dialog; null means the user cancelled it. `exchanges` (non-null) narrows
   * har/curl/text to those rows; a session always holds whole connections.
   */
  saveConnections: (session: number | null, ids: number[], format: SaveFormat, exchanges: RowRef[] | null) =>
    call("save_connections", { session, ids, format, exchanges }),
  /** The rows (of a session, or of the live capture when null) that match `query`. */
  search: (session: number | null, query: string) => call("search", { session, query }),
  /** Exchanges `left` and `right` ([connection, exchange]) side by side: requests, then responses. */
  compare: (
    session: number | null,
    left: [number, number],
    right: [number, number],
    options: Commands["compare"]["args"]["options"],
  ) => call("compare", { session, left, right, options }),
  /** The Sender: resolves to the new connection's id (listener 0) at once; it sends in the background. */
  sendRequest: (request: SendRequest) => call("send_request", { request }),
  /** Rust shows the open dialog; null means the user cancelled it. */
  openSession: () => call("open_session", {}),
  closeSession: (session: number) => call("close_session", { session }),
  /** Opens a capture a crash left (one of startup's left_captures) read-only, as a session. */
  openLeftCapture: (path: string) => call("open_left_capture", { path }),
  /** Removes a capture a crash left (one of startup's left_captures). */
  discardLeftCapture: (path: string) => call("discard_left_capture", { path }),
  saveSettings: (settings: Commands["save_settings"]["args"]["settings"]) => call("save_settings", { settings }),
  /** Applies the capture limit as typed ("500MiB"; "" = none); resolves to it in bytes. */
  setCaptureLimit: (limit: string) => call("set_capture_limit", { limit }),
  /** Loads the gRPC view's protobuf schema from a path ("" = none); resolves to its services. */
  setProtoFile: (path: string) => call("set_proto_file", { path }),
  status: () => call("status", {}),
  /** "Target CA...": Rust's open dialog; the PEM files picked, or null when cancelled. */
  pickTargetCa: () => call("pick_target_ca", {}),
  /** Rust's save dialog, then the local CA's certificate written there; null when cancelled. */
  exportCa: () => call("export_ca", {}),
  /** Rules "Import...": Rust's open dialog, the file checked; its text and folder, or null when cancelled. */
  importRules: () => call("import_rules", {}),
  /** Rules "Export...": Rust's save dialog, the rules checked and written; the path, or null when cancelled. */
  exportRules: (text: string, folder: string) => call("export_rules", { text, folder }),
  /**
   * "Mock from this row": exchange `exchange` of connection `id` becomes a mock rule (its request's
   * method and path, its response), added to its listener's rules for the connections to come.
   */
  mockFromRow: (id: number, exchange: number) => call("mock_from_row", { id, exchange }),
  /** How often each of a running listener's rules acted, in order. */
  ruleHits: (id: number) => call("rule_hits", { id }),
  /** A message paused at a breakpoint, as the editor shows it (its text, why a body is left out). */
  pausedMessage: (id: number) => call("paused_message", { id }),
  /** What becomes of a paused message; rejects (field "paused") and keeps it waiting when the text is unusable. */
  resumePaused: (id: number, decision: Decision) => call("resume_paused", { id, decision }),
  /** Continues every message paused on `listener` (null: on all) unchanged; resolves to how many. */
  continueAll: (listener: number | null) => call("continue_all", { listener }),
  /** Respond's "Load from file...": Rust's open dialog; the response as text, or null when cancelled. */
  loadResponse: () => call("load_response", {}),
};

/**
 * Calls `handler` with every `engine-events` batch, which comes as JSON text (cheaper for WebKit
 * than the script of object literals Tauri would otherwise evaluate); resolves once listening,
 * to the unsubscribe.
 */
export async function subscribe(handler: (batch: Events["engine-events"]) => void): Promise<() => void> {
  return listen<string>("engine-events", (event) => handler(JSON.parse(event.payload) as Events["engine-events"]));
}
