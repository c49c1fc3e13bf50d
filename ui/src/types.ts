/**
 * The shapes exchanged with the Rust shell. They are generated from the Rust types into
 * ./generated/ipc.ts (docs/ipc.md); this module names them as the UI does and adds the few
 * types only the UI has. Nothing here knows how they travel: that is ipc.ts.
 */
import type * as wire from "./generated/ipc";

export type {
  BindCheck,
  CertificateFacts,
  ConnectionRecord,
  ConnectionState,
  Direction,
  ErrorKind,
  EventBatch,
  Exchange,
  LeftCapture,
  ListenerForm,
  ListenerInfo,
  MessagePage,
  MessageRow,
  OpenedSession,
  RowRef,
  SaveFormat,
  SearchResult,
  SendKind,
  Snapshot,
  Span,
  Startup,
  Status,
  TlsFacts,
  Trust,
  ViewKind,
  ViewPage,
  WebSocketSummary,
  EventStreamSummary,
  Fault,
  RulesSource,
  PausedMessage,
  PausedView,
  Decision,
} from "./generated/ipc";

/** The arguments of `read_message_view`. */
export type ReadMessageViewArgs = wire.Commands["read_message_view"]["args"];

/** What the Sender sends (send_request). */
export type SendRequest = wire.Composed;

/** One engine event, with its sequence number. */
export type EngineEvent = wire.Event;

/** The arguments of `read_view`. */
export type ReadViewArgs = wire.Commands["read_view"]["args"];

/** What `save_connections` resolves to: where and how many, or null when the dialog was cancelled. */
export type SaveResult = wire.Commands["save_connections"]["result"];

/** The views in the order the view menus offer them. */
export const VIEW_KINDS = ["raw", "xml", "json", "hex", "grpc", "auto"] as const satisfies readonly wire.ViewKind[];

/** The save formats in the order the save menu offers them. */
export const SAVE_FORMATS = ["session", "text", "har", "curl"] as const satisfies readonly wire.SaveFormat[];

/** The form fields a command error can point at (Rust names them as strings). */
export type FormField =
  | "listen_port"
  | "bind_address"
  | "target_host"
  | "target_port"
  | "upstream_proxy"
  | "slow_link"
  /** A Host rewrite asked of a proxy-mode listener. */
  | "rewrite_host"
  /** TLS to the target: asked of a proxy, or a Target CA file that holds no certificate. */
  | "target_tls"
  /** The hosts a decrypting proxy passes through: without Decrypt HTTPS, or not a host glob. */
  | "no_decrypt"
  /** The listener's faults: a line the CLI's `--fault` parser refuses. */
  | "faults"
  /** The listener's rules: what the CLI's `--rules` parser refuses ("rule N: ..."). */
  | "rules"
  /** The paused-message editor (a head that does not parse, a body that was not held). */
  | "paused"
  /** The WebSocket Send box (bad hex, a refused message). */
  | "ws_send"
  /** The search box (a bad regex). */
  | "search"
  /** The capture limit in the Admin tab. */
  | "capture_limit"
  /** The protobuf schema file in the Admin tab (not readable, or not a schema). */
  | "proto_file"
  /** The Sender's fields. */
  | "method"
  | "url"
  | "headers"
  | "body";

/**
 * What every command rejects with: Rust's CommandError, or kind "unknown" when Tauri itself
 * refused the call (its reason is a bare string).
 */
export type CommandError = Omit<wire.CommandError, "kind" | "field"> & {
  kind: wire.ErrorKind | "unknown";
  field?: FormField;
};
