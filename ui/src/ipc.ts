/**
 * The only door to the Rust shell (docs/ipc.md): one typed wrapper per command and the
 * `engine-events` subscription. Everything else in the UI imports this module, never
 * @tauri-apps/api, so it runs in a plain browser against a mocked IPC.
 */
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  BindCheck,
  CommandError,
  EventBatch,
  ListenerForm,
  ListenerInfo,
  OpenedSession,
  ReadViewArgs,
  RowRef,
  SaveFormat,
  SaveResult,
  SearchResult,
  SendRequest,
  Snapshot,
  Startup,
  Status,
  ViewPage,
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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toCommandError(error);
  }
}

export const ipc = {
  startup: () => call<Startup>("startup"),
  snapshot: () => call<Snapshot>("snapshot"),
  addListener: (form: ListenerForm) => call<ListenerInfo>("add_listener", { form }),
  /** Whether a bind address as typed (empty: 127.0.0.1) is loopback, by the engine's own rule. */
  checkBind: (addr: string) => call<BindCheck>("check_bind", { addr }),
  updateListener: (id: number, form: ListenerForm) => call<ListenerInfo>("update_listener", { id, form }),
  startListener: (id: number) => call<ListenerInfo>("start_listener", { id }),
  stopListener: (id: number) => call<ListenerInfo>("stop_listener", { id }),
  removeListener: (id: number) => call<null>("remove_listener", { id }),
  removeConnections: (ids: number[]) => call<null>("remove_connections", { ids }),
  /** With `exchange`, the page covers only that exchange's message; offsets count from its start. */
  readView: (args: ReadViewArgs) => call<ViewPage>("read_view", args),
  /**
   * `edited` null resends the captured bytes exactly (with `exchange`, only that exchange's
   * request). Resolves to the new connection's id.
   */
  resend: (id: number, edited: string | null, exchange: number | null) =>
    call<number>("resend", { id, edited, exchange }),
  /**
   * Rust shows the save dialog; null means the user cancelled it. `exchanges` (non-null) narrows
   * har/curl/text to those rows; a session always holds whole connections.
   */
  saveConnections: (session: number | null, ids: number[], format: SaveFormat, exchanges: RowRef[] | null) =>
    call<SaveResult>("save_connections", { session, ids, format, exchanges }),
  /** The rows (of a session, or of the live capture when null) that match `query`. */
  search: (session: number | null, query: string) => call<SearchResult>("search", { session, query }),
  /** The Sender: resolves to the new connection's id (listener 0) at once; it sends in the background. */
  sendRequest: (request: SendRequest) => call<number>("send_request", { request }),
  /** Rust shows the open dialog; null means the user cancelled it. */
  openSession: () => call<OpenedSession | null>("open_session"),
  closeSession: (session: number) => call<null>("close_session", { session }),
  /** Opens a capture a crash left (one of startup's left_captures) read-only, as a session. */
  openLeftCapture: (path: string) => call<OpenedSession>("open_left_capture", { path }),
  /** Removes a capture a crash left (one of startup's left_captures). */
  discardLeftCapture: (path: string) => call<null>("discard_left_capture", { path }),
  saveSettings: (settings: object) => call<null>("save_settings", { settings }),
  /** Applies the capture limit as typed ("500MiB"; "" = none); resolves to it in bytes. */
  setCaptureLimit: (limit: string) => call<number | null>("set_capture_limit", { limit }),
  status: () => call<Status>("status"),
};

/** Calls `handler` with every `engine-events` batch; resolves once listening, to the unsubscribe. */
export async function subscribe(handler: (batch: EventBatch) => void): Promise<() => void> {
  return listen<EventBatch>("engine-events", (event) => handler(event.payload));
}
