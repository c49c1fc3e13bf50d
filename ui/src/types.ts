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
  /** Forward mode: the Host header of each request is rewritten to the target (off = bytes untouched). */
  rewrite_host: boolean;
  /** Proxy mode bound beyond loopback: also relay to this machine's loopback addresses. Absent from older shells. */
  allow_loopback_targets?: boolean;
  /** Proxy mode: the credentials clients must give (HTTP Basic). */
  proxy_auth?: { user: string; password: string } | null;
  /** ms without a byte either way before a connection is closed; null = never. */
  idle_timeout?: number | null;
  /** Most connections open at once; null = no limit. */
  max_connections?: number | null;
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
  /** Why recording stopped (the per-connection cap, the capture limit, a full disk); absent when it did not. */
  truncation?: string | null;
  resend_of: number | null;
  request_line: string | null;
  /** HTTP request/response pairs in order; [] for a raw stream (or before the first head is complete). */
  exchanges: Exchange[];
};

/** Where one message lies in its direction's stream (offsets in bytes from the stream's start). */
export type Span = {
  /** First byte (a response: its first interim 1xx head, if any). */
  start: number;
  /** Where the final head starts (== start for requests). */
  head_at: number;
  /** Length of the final head, blank line included. */
  head_len: number;
  /** One past the last byte seen so far. */
  end: number;
  /** Body payload with chunked framing removed (before gzip etc. are undone). */
  body_len: number;
  /** The message ended as its framing says. */
  complete: boolean;
  /** Microseconds since the epoch: when its first / latest byte was captured. */
  first_at: number;
  last_at: number;
};

/** One HTTP request and its response on a connection. Hostile text: show with textContent only. */
export type Exchange = {
  method: string;
  /** As sent: "/path?q", "http://host/x", "host:443". */
  target: string;
  /** 0 or 1 (HTTP/1.x). */
  version: number;
  /** The Host header. */
  host: string | null;
  request: Span;
  /** null until the first response byte. */
  response: Span | null;
  status: number | null;
  reason: string;
  /** 1xx statuses before the final one (100 Continue). */
  interim: number[];
  /** CONNECT/101: the rest of both streams belongs to this exchange, raw. */
  tunnel: boolean;
  /** e.g. "response side: the connection ended inside the body". */
  note: string | null;
};

/**
 * A table row: one per exchange; a connection without exchanges (raw stream, or no complete
 * request head yet) is one row of its own with exchange = null.
 */
export type RowRef = [id: number, exchange: number | null];

/** What the Sender sends (send_request). */
export type SendRequest = { method: string; url: string; headers: [string, string][]; body: string };

export type SearchResult = { rows: RowRef[] };

type EventBody =
  | { kind: "listener_changed"; listener: ListenerInfo }
  | { kind: "listener_removed"; id: number }
  | { kind: "connection_opened"; record: ConnectionRecord }
  | { kind: "connection_changed"; record: ConnectionRecord }
  | {
      kind: "connection_progress";
      id: number;
      bytes: PerDirection<number>;
      /** Present when exchanges changed: exchanges = exchanges.slice(0, exchanges_from).concat(exchanges). */
      exchanges_from?: number;
      exchanges?: Exchange[];
    }
  | { kind: "connections_removed"; ids: number[] }
  /** Recording stopped (`stopped` says why) or resumed (null); relaying never stops. */
  | { kind: "recording_changed"; stopped: string | null };

export type EngineEvent = { seq: number } & EventBody;

/** The payload of the one Tauri event, `engine-events`. */
export type EventBatch = { events: EngineEvent[]; lagged: boolean };

export type Snapshot = { seq: number; listeners: ListenerInfo[]; connections: ConnectionRecord[] };

export type Direction = "client_to_server" | "server_to_client";

export const VIEW_KINDS = ["raw", "xml", "json", "hex", "auto"] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];

/**
 * The arguments of `read_view`: one page of connection `id`'s bytes in `direction` (of a session,
 * or of the live capture when `session` is null) rendered as `view`, from `offset`. With
 * `exchange`, only that exchange's message, offsets counting from its start.
 */
export type ReadViewArgs = {
  session: number | null;
  id: number;
  direction: Direction;
  view: ViewKind;
  offset: number;
  exchange: number | null;
};

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
  | "listen_port"
  | "bind_address"
  | "target_host"
  | "target_port"
  | "upstream_proxy"
  | "slow_link"
  /** The search box (a bad regex). */
  | "search"
  /** The capture limit in the Admin tab. */
  | "capture_limit"
  /** The Sender's fields. */
  | "method"
  | "url"
  | "headers"
  | "body";

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
  /** Forward mode only: rewrite each request's Host header to the target. */
  rewrite_host: boolean;
};

export type Startup = {
  snapshot: Snapshot;
  /** The listener started from the command line, to show first. */
  selected_listener: number | null;
  /** Whatever the UI last passed to save_settings; null on first run. */
  settings: unknown;
  /** Why the listener asked for on the command line could not start (a port in use, say). */
  launch_error?: CommandError | null;
  /** Captures crashes left behind, oldest first (absent from an older shell). */
  left_captures?: LeftCapture[];
};

/** A capture a crash left: offered at start, to open read-only or discard. */
export type LeftCapture = {
  /** Its file: what open_left_capture and discard_left_capture take. */
  path: string;
  size: number;
  /** When it was last written, ms since the epoch. */
  modified_ms: number;
};

export const SAVE_FORMATS = ["session", "text", "har", "curl"] as const;
export type SaveFormat = (typeof SAVE_FORMATS)[number];

export type SaveResult = { path: string; count: number } | null;

/** A session file opened read-only. */
export type OpenedSession = {
  session: number;
  name: string;
  note: string | null;
  connections: ConnectionRecord[];
};

export type Status = {
  /** Size of the capture log on disk. */
  capture_bytes: number;
  /** The capture limit in force, in bytes (absent from an older shell). */
  capture_limit?: number | null;
  /** Why recording is stopped, while it is (relaying goes on). */
  recording_stopped?: string | null;
};

/** check_bind: whether a bind address is loopback (the engine's rule), or why it is not an address. */
export type BindCheck = { loopback: boolean; error?: string };
