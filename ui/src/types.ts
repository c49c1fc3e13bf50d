/**
 * The shapes exchanged with the Rust shell, exactly as docs/ipc.md defines them (snake_case, as
 * serde writes them). Nothing here knows how they travel: that is ipc.ts.
 */

export type HostPort = { host: string; port: number };

export type ListenerMode = { kind: "forward"; target: HostPort } | { kind: "http_proxy" };

export type ListenerConfig = {
  bind: string;
  port: number;
  mode: ListenerMode;
  upstream_proxy: HostPort | null;
  slow_link: { bytes_per_pause: number; delay_ms: number } | null;
  connect_timeout: number;
};

export type ListenerInfo = {
  id: number;
  config: ListenerConfig;
  /** "127.0.0.1:8081" while running: the real port, also when the config asked for port 0. */
  local_addr: string | null;
  running: boolean;
  error: string | null;
};

export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "active" }
  | { kind: "client_done" }
  | { kind: "server_done" }
  | { kind: "done" }
  | { kind: "failed"; reason: string };

/** Index 0 is client -> server (request side), index 1 server -> client (response side). */
export type PerDirection<T> = [T, T];

export type ConnectionRecord = {
  id: number;
  listener: number;
  listen_port: number;
  /** "127.0.0.1:53422", or "resend" for a resent request. */
  client: string;
  /** null until a proxy-mode request names its origin. */
  target: HostPort | null;
  /** Microseconds since the epoch, UTC. */
  accepted_at: number;
  connected_at: number | null;
  closed_at: number | null;
  state: ConnectionState;
  bytes: PerDirection<number>;
  truncated: PerDirection<boolean>;
  resend_of: number | null;
  request_line: string | null;
};

type EventBody =
  | { kind: "listener_changed"; listener: ListenerInfo }
  | { kind: "listener_removed"; id: number }
  | { kind: "connection_opened"; record: ConnectionRecord }
  | { kind: "connection_changed"; record: ConnectionRecord }
  | { kind: "connection_progress"; id: number; bytes: PerDirection<number> }
  | { kind: "connections_removed"; ids: number[] };

export type EngineEvent = { seq: number } & EventBody;

/** The payload of the one Tauri event, `engine-events`. */
export type EventBatch = { events: EngineEvent[]; lagged: boolean };

export type Snapshot = { seq: number; listeners: ListenerInfo[]; connections: ConnectionRecord[] };

export type Direction = "client_to_server" | "server_to_client";

export const VIEW_KINDS = ["raw", "xml", "json", "hex", "auto"] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];

export type ViewPage = {
  /** The view actually used: auto resolves to one; a failed xml/json falls back to raw. */
  view: ViewKind;
  /** Rendered text of this page. Hostile: display with textContent only. */
  text: string;
  note: string | null;
  offset: number;
  /** null when this page reaches the end of what is recorded so far. */
  next_offset: number | null;
  total: number;
  truncated: boolean;
};

/** The form fields a command error can point at. */
export type FormField =
  "listen_port" | "bind_address" | "target_host" | "target_port" | "upstream_proxy" | "slow_link";

/** What every command rejects with. */
export type CommandError = { kind: string; message: string; field?: FormField };

/** A listener as the user typed it; Rust parses and validates it. */
export type ListenerForm = {
  port: string;
  bind: string;
  proxy: boolean;
  target_host: string;
  target_port: string;
  /** "" = none, else "host:port" ("[::1]:3128" for an IPv6 literal). */
  upstream_proxy: string;
  /** Both "" = no slow link. */
  slow_bytes: string;
  slow_delay_ms: string;
};

export type Startup = {
  snapshot: Snapshot;
  /** The listener started from the command line, to show first. */
  selected_listener: number | null;
  /** Whatever the UI last passed to save_settings; null on first run. */
  settings: unknown;
  /** Why the listener asked for on the command line could not start (a port in use, say). */
  launch_error?: CommandError | null;
};

export type SaveFormat = "session" | "text";

export type SaveResult = { path: string; count: number } | null;

/** A session file opened read-only. */
export type OpenedSession = {
  session: number;
  name: string;
  note: string | null;
  connections: ConnectionRecord[];
};

export type Status = { capture_bytes: number };
