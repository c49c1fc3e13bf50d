/**
 * The only door to the Rust shell (docs/ipc.md): one typed wrapper per command and the
 * `engine-events` subscription. Everything else in the UI imports this module, never
 * @tauri-apps/api, so it runs in a plain browser against a mocked IPC.
 */
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  CommandError,
  Direction,
  EventBatch,
  ListenerForm,
  ListenerInfo,
  OpenedSession,
  SaveFormat,
  SaveResult,
  Snapshot,
  Startup,
  Status,
  ViewKind,
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
  updateListener: (id: number, form: ListenerForm) => call<ListenerInfo>("update_listener", { id, form }),
  startListener: (id: number) => call<ListenerInfo>("start_listener", { id }),
  stopListener: (id: number) => call<ListenerInfo>("stop_listener", { id }),
  removeListener: (id: number) => call<null>("remove_listener", { id }),
  removeConnections: (ids: number[]) => call<null>("remove_connections", { ids }),
  readView: (session: number | null, id: number, direction: Direction, view: ViewKind, offset: number) =>
    call<ViewPage>("read_view", { session, id, direction, view, offset }),
  /** `edited` null resends the captured bytes exactly. Resolves to the new connection's id. */
  resend: (id: number, edited: string | null) => call<number>("resend", { id, edited }),
  /** Rust shows the save dialog; null means the user cancelled it. */
  saveConnections: (session: number | null, ids: number[], format: SaveFormat) =>
    call<SaveResult>("save_connections", { session, ids, format }),
  /** Rust shows the open dialog; null means the user cancelled it. */
  openSession: () => call<OpenedSession | null>("open_session"),
  closeSession: (session: number) => call<null>("close_session", { session }),
  saveSettings: (settings: object) => call<null>("save_settings", { settings }),
  status: () => call<Status>("status"),
};

/** Calls `handler` with every `engine-events` batch; resolves once listening, to the unsubscribe. */
export async function subscribe(handler: (batch: EventBatch) => void): Promise<() => void> {
  return listen<EventBatch>("engine-events", (event) => handler(event.payload));
}
