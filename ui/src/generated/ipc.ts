// Generated from src-tauri/src/command_list.rs and the Rust payload types: do not edit.
// Regenerate with: UPDATE_IPC=1 cargo test -p tcpmon-app contract

/**
 * What a bind address typed in a form means: whether only this machine can reach it, or why it
 * is not an address. The app's Admin tab asks for this as the user types.
 */
export type BindCheck = { 
/**
 * The address is one of this machine's loopback addresses. False when it is not an address.
 */
loopback: boolean, 
/**
 * Why the text is not a bind address; absent when it is one.
 */
error?: string | null, };

/**
 * One certificate of a chain, as a user checks it: who it names, who signed it, for which
 * names, until when, and its fingerprint.
 */
export type CertificateFacts = { 
/**
 * The subject's distinguished name (`CN=example.org, O=...`).
 */
subject: string, 
/**
 * The issuer's distinguished name.
 */
issuer: string, 
/**
 * Its subject alternative names: DNS names and IP addresses.
 */
names: Array<string>, 
/**
 * Valid from (RFC 3339, UTC).
 */
not_before: string, 
/**
 * Valid until (RFC 3339, UTC).
 */
not_after: string, 
/**
 * SHA-256 of the DER certificate, upper-case hex pairs joined by `:` (as browsers show).
 */
sha256: string, };

/**
 * A failed command.
 */
export type CommandError = { 
/**
 * What kind of failure.
 */
kind: ErrorKind, 
/**
 * What happened, in words.
 */
message: string, 
/**
 * The form field the error belongs to.
 */
field?: string, };

/**
 * How two exchanges are compared.
 */
export type CompareOptions = { 
/**
 * Headers left out on both sides (`Date`, `Set-Cookie`), any case.
 */
ignore_headers: Array<string>, 
/**
 * Bodies as they were sent: decoded, not indented.
 */
raw: boolean, 
/**
 * JSON objects with their keys sorted: key order is no difference.
 */
ignore_key_order: boolean, };

/**
 * Two exchanges side by side.
 */
export type Comparison = { 
/**
 * The requests.
 */
request: DiffRows, 
/**
 * The responses.
 */
response: DiffRows, };

/**
 * What the user typed.
 */
export type Composed = { 
/**
 * Request method (`GET`, `POST`, any token).
 */
method: string, 
/**
 * An `http://` URL.
 */
url: string, 
/**
 * Headers in order, as typed.
 */
headers: Array<[string, string]>, 
/**
 * Body, sent as UTF-8.
 */
body: string, };

/**
 * A connection's id: unique within an engine, increasing in accept order.
 */
export type ConnId = number;

/**
 * Everything known about one connection except its bytes.
 */
export type ConnectionRecord = { 
/**
 * This connection.
 */
id: ConnId, 
/**
 * The listener that accepted it.
 */
listener: ListenerId, 
/**
 * The port that listener listened on (for exports that name it).
 */
listen_port: number, 
/**
 * The client's address, or `resend` for a resent request.
 */
client: string, 
/**
 * Where the bytes go: the forward target, or in proxy mode the origin of the latest request.
 */
target: HostPort | null, 
/**
 * When the connection was accepted.
 */
accepted_at: number, 
/**
 * When the target accepted (or the tunnel through the upstream proxy was ready).
 */
connected_at: number | null, 
/**
 * When the connection ended.
 */
closed_at: number | null, 
/**
 * Its state.
 */
state: ConnectionState, 
/**
 * Bytes relayed, indexed by [`Direction::index`].
 */
bytes: [number, number], 
/**
 * Whether recording stopped in that direction (relaying did not).
 */
truncated: [boolean, boolean], 
/**
 * Why recording stopped (the per-connection cap, the capture limit, a full disk).
 */
truncation?: string | null, 
/**
 * The connection whose request this one resent.
 */
resend_of: ConnId | null, 
/**
 * The first request line when the client spoke HTTP (`GET / HTTP/1.1`); `None` for a raw
 * stream, or before the first line arrived.
 */
request_line: string | null, 
/**
 * Its HTTP exchanges, in order; empty for a raw stream (or before the first request head
 * is complete).
 */
exchanges: Array<Exchange>, 
/**
 * TCPMon's TLS session with the target, once its handshake completed.
 */
target_tls?: TlsFacts | null, 
/**
 * The client's TLS session with TCPMon (a TLS listener), once its handshake completed.
 */
client_tls?: TlsFacts | null, 
/**
 * Bytes TCPMon sent itself (WebSocket messages the user typed), by stream position.
 */
injected?: Array<Injected>, 
/**
 * Faults injected on purpose (`--fault`) as they acted: the capture explains itself.
 */
faults?: Array<FaultEvent>, 
/**
 * What rules (`--rules`) did to its exchanges. The capture keeps the client's side: what
 * the client sent, and what it received (a mock, a changed response); a request changed
 * or mapped on its way to the server is said here.
 * At most [`RULE_EVENTS_KEPT`] of them: a keep-alive connection can carry a million
 * exchanges, and the rules' hit counts say how often each acted.
 */
rules?: Array<RuleEvent>, 
/**
 * Rule actions past [`RULE_EVENTS_KEPT`], counted, not listed.
 */
rules_left_out?: number, 
/**
 * Messages TCPMon changed whose server side is kept beside the capture (the first
 * [`RULE_EVENTS_KEPT`]; the store keeps them all): read with
 * [`Store::read_server_side`](crate::Store::read_server_side).
 */
server_side?: Array<ServerSide>, };

/**
 * Where a connection is in its life.
 */
export type ConnectionState = { "kind": "connecting" } | { "kind": "active" } | { "kind": "client_done" } | { "kind": "server_done" } | { "kind": "done" } | { "kind": "failed", 
/**
 * Why, in words.
 */
reason: string, };

/**
 * What the user chose in the editor.
 */
export type Decision = { "kind": "continue", 
/**
 * The editor's text.
 */
edited: string | null, } | { "kind": "drop" } | { "kind": "respond", 
/**
 * The response.
 */
response: string, };

/**
 * What the server accepted in `Sec-WebSocket-Extensions` (its answer is what holds).
 */
export type Deflate = { 
/**
 * The client starts each message with an empty window.
 */
client_no_context_takeover: boolean, 
/**
 * The server does.
 */
server_no_context_takeover: boolean, };

/**
 * One side of a row: a line and its number (from 1).
 */
export type DiffLine = { 
/**
 * Its number in its text, from 1.
 */
number: number, 
/**
 * Its text in pieces, changed ones marked.
 */
parts: Array<DiffPart>, };

/**
 * A piece of a line, changed or not.
 */
export type DiffPart = { 
/**
 * Its text.
 */
text: string, 
/**
 * Whether it differs from the other side.
 */
changed: boolean, };

/**
 * A row: the old line, the new one, or both.
 */
export type DiffRow = { 
/**
 * What happened.
 */
kind: DiffRowKind, 
/**
 * The old text's line.
 */
old: DiffLine | null, 
/**
 * The new text's line.
 */
new: DiffLine | null, };

/**
 * What happened to a row's line.
 */
export type DiffRowKind = "same" | "removed" | "added" | "changed";

/**
 * The rows of a comparison.
 */
export type DiffRows = { 
/**
 * In order.
 */
rows: Array<DiffRow>, 
/**
 * Whether the texts are the same.
 */
same: boolean, 
/**
 * Whether rows past [`MOST_ROWS`] were left out.
 */
cut: boolean, };

/**
 * Which way bytes travel.
 */
export type Direction = "client_to_server" | "server_to_client";

/**
 * What kind of failure a command had: what the window branches on (it shows the message).
 */
export type ErrorKind = "port_in_use" | "bind" | "invalid_input" | "resolve" | "not_found" | "connect" | "io" | "session";

/**
 * An event and its sequence number (1, 2, 3, ... in the order they were sent).
 */
export type Event = { 
/**
 * Sequence number.
 */
seq: number, } & ({ "kind": "listener_changed", 
/**
 * Its new state.
 */
listener: ListenerInfo, } | { "kind": "listener_removed", 
/**
 * Its id.
 */
id: ListenerId, } | { "kind": "connection_opened", 
/**
 * Its record.
 */
record: ConnectionRecord, } | { "kind": "connection_changed", 
/**
 * Its record.
 */
record: ConnectionRecord, } | { "kind": "connection_progress", id: ConnId, bytes: [number, number], exchanges_from?: number, exchanges?: Array<Exchange>, } | { "kind": "connections_removed", 
/**
 * Their ids.
 */
ids: Array<ConnId>, } | { "kind": "message_paused", 
/**
 * It.
 */
message: PausedMessage, } | { "kind": "message_resumed", 
/**
 * Its number.
 */
id: PauseId, 
/**
 * What became of it, in words.
 */
how: string, } | { "kind": "recording_changed", 
/**
 * Why recording is stopped; `None` once it records again.
 */
stopped: string | null, });

/**
 * What the window receives.
 */
export type EventBatch = { 
/**
 * Events in order, coalesced per connection.
 */
events: Array<Event>, 
/**
 * Events were lost: the window must load a snapshot again.
 */
lagged: boolean, };

/**
 * How many events a response has carried so far.
 */
export type EventStreamSummary = { 
/**
 * Events dispatched (a blank line after data).
 */
events: number, };

/**
 * One request and the response to it. A relay holds one per request it saw, hundreds of
 * thousands under load, so it is kept small: short strings inline (no allocation up to 24
 * bytes), the rarely used parts behind one pointer. Its JSON is flat (see `ExchangeJson`).
 */
export type Exchange = { method: string, target: string, version: number, host: string | null, request: Span, response: Span | null, status: number | null, reason: string, interim: Array<number>, tunnel: boolean, note: string | null, 
/**
 * Set once the exchange became a WebSocket: its messages so far.
 */
websocket?: WebSocketSummary, 
/**
 * Set when the response is an event stream (`text/event-stream`): its events so far.
 */
sse?: EventStreamSummary, 
/**
 * Set when the exchange is an HTTP/2 stream: its messages as views read them.
 */
h2?: H2Stream, };

/**
 * One fault of a listener.
 */
export type Fault = { 
/**
 * What it does.
 */
kind: FaultKind, 
/**
 * The direction a wire fault applies to; none: both.
 */
dir: Direction | null, 
/**
 * The chance a connection gets it, in millionths (1,000,000: every connection).
 */
chance: number, };

/**
 * A fault that acted on the connection.
 */
export type FaultEvent = { 
/**
 * What it did, in words.
 */
what: string, 
/**
 * When (µs since the Unix epoch).
 */
at: number, };

/**
 * What a fault does.
 */
export type FaultKind = { "latency": { 
/**
 * The mean wait.
 */
mean_ms: number, 
/**
 * The most it varies either way.
 */
jitter_ms: number, } } | { "slice": { 
/**
 * Bytes per write.
 */
bytes: number, } } | { "close_after": { 
/**
 * Bytes written first.
 */
bytes: number, } } | { "reset_after": { 
/**
 * Bytes written first.
 */
bytes: number, } } | "blackhole" | "refuse" | { "status": { 
/**
 * The status code.
 */
code: number, } };

/**
 * How a gRPC call ended, as the table and the CLI line show it.
 */
export type GrpcStatus = { 
/**
 * `grpc-status` as sent (a number, when the server follows the spec).
 */
code: string, 
/**
 * The code's name (`OK`, `NOT_FOUND`, ...); `None` for codes the spec does not define.
 */
name: string | null, };

/**
 * One side of an HTTP/2 stream as views read it.
 */
export type H2Message = { 
/**
 * The decoded head as HTTP/1-style text (request line or status line, the fields as sent,
 * a blank line); empty until the head has arrived.
 */
head: string, 
/**
 * Where the DATA payloads lie in the direction's stream, in order, padding excluded.
 */
body: Array<H2Range>, 
/**
 * Fields of a header block after the body (gRPC's `grpc-status` travels there).
 */
trailers: Array<[string, string]>, };

/**
 * A run of bytes in one direction's stream (stream offsets, as the capture numbers them), so
 * views read a body from the capture instead of a copy.
 */
export type H2Range = { 
/**
 * Offset of the first byte.
 */
offset: number, 
/**
 * Number of bytes.
 */
len: number, };

/**
 * What an exchange knows of the HTTP/2 stream it is. (No field is skipped when empty: the
 * exchange list packs it with postcard, which has no field names to miss.)
 */
export type H2Stream = { 
/**
 * The stream identifier.
 */
id: number, 
/**
 * The request; `None` when it was the HTTP/1.1 request of an `h2c` upgrade, whose bytes
 * are the exchange's request span.
 */
request: H2Message | null, 
/**
 * The response.
 */
response: H2Message, 
/**
 * A pushed response: the stream whose PUSH_PROMISE carried its request.
 */
pushed_by: number | null, 
/**
 * Whether a RST_STREAM ended it (its note says who and why).
 */
reset: boolean, 
/**
 * A gRPC call's status, once its trailers (or a trailers-only head) said it.
 */
grpc: GrpcStatus | null, };

/**
 * A host name or IP literal with a port. IPv6 literals display in brackets.
 */
export type HostPort = { 
/**
 * Host name, IPv4 literal, or IPv6 literal without brackets.
 */
host: string, 
/**
 * TCP port.
 */
port: number, };

/**
 * A range of one direction's stream that TCPMon wrote, not the peer.
 */
export type Injected = { 
/**
 * The direction it went.
 */
dir: Direction, 
/**
 * Stream offset of its first byte.
 */
start: number, 
/**
 * Stream offset after its last byte.
 */
end: number, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

/**
 * A capture left by a crash, as the window lists it.
 */
export type LeftCapture = { 
/**
 * Its path: what the window names it by to open or discard it.
 */
path: string, 
/**
 * Its size in bytes.
 */
size: number, 
/**
 * When it was last written, in milliseconds since the epoch.
 */
modified_ms: number, };

/**
 * Everything a listener needs; validated ([`ListenerConfig::validate`]) when the listener starts.
 */
export type ListenerConfig = { 
/**
 * Address to bind. Loopback unless the user chooses otherwise: a relay open to the LAN is
 * a relay anyone can use.
 */
bind: string, 
/**
 * Port to listen on; 0 lets the system choose (the real port is reported).
 */
port: number, 
/**
 * Forward or HTTP proxy.
 */
mode: Mode, 
/**
 * Reach targets through this HTTP proxy: CONNECT tunnels in forward mode, absolute-form
 * requests in proxy mode.
 */
upstream_proxy: HostPort | null, 
/**
 * Throttle both directions of every connection.
 */
slow_link: SlowLink | null, 
/**
 * How long to wait for the target (or upstream proxy) to accept.
 */
connect_timeout: number, 
/**
 * Forward mode: set each request's `Host` header to the target (off by default, so bytes
 * stay untouched). The capture shows the requests as sent to the target.
 */
rewrite_host: boolean, 
/**
 * Proxy mode bound beyond loopback: also relay to this machine's own loopback addresses
 * (off by default: a proxy reachable from the LAN must not open the services that listen
 * only on 127.0.0.1 to the whole LAN).
 */
allow_loopback_targets: boolean, 
/**
 * Proxy mode: answer `407` to requests (`CONNECT` included) without these credentials.
 */
proxy_auth: ProxyAuth | null, 
/**
 * Close a connection after this long without a byte either way ("idle for N s"). Never
 * while a message of it is paused.
 */
idle_timeout: number | null, 
/**
 * Most connections open at once. A connection over it is accepted and closed at once, its
 * row saying why, rather than left waiting in the kernel's accept queue: a monitor should
 * show that clients were turned away, and the client learns it at once instead of hanging
 * until its own timeout on a connection that looks open.
 */
max_connections: number | null, 
/**
 * Forward mode: speak TLS to the target (the client speaks plain HTTP to the listener).
 */
target_tls: TargetTls | null, 
/**
 * Clients speak TLS to the listener, which shows a certificate from TCPMon's local CA for
 * the name they ask for (`localhost` and the bind address without SNI).
 */
listen_tls: boolean, 
/**
 * With `listen_tls`: the protocols the listener agrees to with ALPN, in its order of
 * preference (`--listen-alpn h2,http/1.1`, for a target that speaks HTTP/2); none by
 * default, so clients speak HTTP/1.1.
 */
listen_alpn: Array<string>, 
/**
 * Proxy mode: decrypt CONNECT tunnels whose client speaks TLS (a certificate from TCPMon's
 * local CA for the name asked, TLS to the origin as `target_tls` says, or with the system's
 * trust when it is unset), so their exchanges show in clear.
 */
decrypt_tls: boolean, 
/**
 * With `decrypt_tls`: hosts whose tunnels pass through untouched (clients that pin
 * certificates), as globs matched against the SNI name and the CONNECT host
 * (`*.example.com`; `*` matches any characters, dots too; case does not matter).
 */
no_decrypt: Array<string>, 
/**
 * Faults injected on purpose (`--fault`), each drawn per connection by its chance.
 */
faults: Array<Fault>, 
/**
 * Rules that change HTTP/1 traffic on purpose (`--rules`, the app's Rules panel), as the
 * rules file's text and the folder its `bodyFile`s are relative to; null for none.
 */
rules: RulesSource | null, };

/**
 * The form's fields, as text.
 */
export type ListenerForm = { 
/**
 * Listen port; `0` picks a free one.
 */
port: string, 
/**
 * Bind address; empty means 127.0.0.1.
 */
bind: string, 
/**
 * HTTP proxy mode instead of a fixed target.
 */
proxy: boolean, 
/**
 * Target host name or IP literal (IPv6 with or without brackets).
 */
target_host: string, 
/**
 * Target port.
 */
target_port: string, 
/**
 * `host:port` of an upstream HTTP proxy, or empty.
 */
upstream_proxy: string, 
/**
 * Slow link: bytes per pause, or empty.
 */
slow_bytes: string, 
/**
 * Slow link: delay in milliseconds, or empty.
 */
slow_delay_ms: string, 
/**
 * Forward mode: rewrite each request's Host header to the target.
 */
rewrite_host: boolean, 
/**
 * Forward mode: speak TLS to the target.
 */
target_tls: boolean, 
/**
 * PEM files trusted besides the system's store, with `target_tls` or `decrypt_tls`
 * ("Target CA...").
 */
target_ca: Array<string>, 
/**
 * Accept any certificate from the target (or a decrypting proxy's origins), with
 * `target_tls` or `decrypt_tls`.
 */
insecure: boolean, 
/**
 * Clients speak TLS to the listener, which shows a certificate from the local CA.
 */
listen_tls: boolean, 
/**
 * Proxy mode: decrypt CONNECT tunnels whose client speaks TLS ("Decrypt HTTPS").
 */
decrypt_tls: boolean, 
/**
 * With `decrypt_tls`: host globs whose tunnels pass through untouched, one per line or
 * comma-separated (`*.bank.example`).
 */
no_decrypt: string, 
/**
 * Faults to inject, one per line in `--fault`'s syntax (`latency=200ms~50ms`,
 * `status=503,p=0.5`); blank lines are skipped.
 */
faults: string, 
/**
 * The Rules panel's rules: the JSON text `tcpmon-cli --rules` reads, and the folder its
 * `bodyFile`s are relative to (the imported file's); null for none.
 */
rules: RulesSource | null, };

/**
 * A listener's id: unique within an engine, kept across stop, start and restart.
 */
export type ListenerId = number;

/**
 * A listener as subscribers see it.
 */
export type ListenerInfo = { 
/**
 * Its id.
 */
id: ListenerId, 
/**
 * Its current settings.
 */
config: ListenerConfig, 
/**
 * The bound address while running (the real port when 0 was asked for).
 */
local_addr: string | null, 
/**
 * Whether it accepts connections now.
 */
running: boolean, 
/**
 * Why it last failed to start, if it did.
 */
error: string | null, };

/**
 * A page of an exchange's message rows.
 */
export type MessagePage = { 
/**
 * Messages read so far.
 */
total: number, 
/**
 * The rows from the one asked for, at most the count asked for.
 */
rows: Array<MessageRow>, };

/**
 * One message as its row shows it.
 */
export type MessageRow = { 
/**
 * Its place among the exchange's messages (both directions, capture order), from 0.
 */
index: number, 
/**
 * Who sent it.
 */
direction: Direction, 
/**
 * A WebSocket message's opcode: `text`, `binary`, `close`, `ping`, `pong` (or
 * `reserved`); an event's type, `event` when it names none.
 */
opcode: string, 
/**
 * When its last byte was captured (µs since the Unix epoch).
 */
at: number, 
/**
 * Payload bytes on the wire (compressed, when it was); an event's data bytes.
 */
size: number, 
/**
 * Sent compressed (permessage-deflate).
 */
compressed: boolean, 
/**
 * Text (and an event's data): its start; binary: hex of its first bytes; close: code and
 * reason.
 */
preview: string, 
/**
 * Why its payload is not whole (cut at 64 MiB, not inflatable, an event's line cut).
 */
problem: string | null, 
/**
 * TCPMon sent it (the user typed it), not the peer.
 */
injected: boolean, 
/**
 * An event's `id:`, when it set one.
 */
id: string | null, };

/**
 * What a listener does with each connection.
 */
export type Mode = { "kind": "forward", 
/**
 * Where to relay to.
 */
target: HostPort, } | { "kind": "http_proxy" };

/**
 * A session file opened for viewing.
 */
export type OpenedSession = { session: number, name: string, note: string | null, connections: Array<ConnectionRecord>, };

/**
 * A paused message's number (from 1, never reused by an engine).
 */
export type PauseId = number;

/**
 * A message waiting at a breakpoint, as subscribers see it.
 */
export type PausedMessage = { 
/**
 * Its number.
 */
id: PauseId, 
/**
 * The listener whose rule paused it.
 */
listener: ListenerId, 
/**
 * Its connection.
 */
connection: ConnId, 
/**
 * Its exchange on the connection, from 0.
 */
exchange: number, 
/**
 * Request or response.
 */
phase: PausedPhase, 
/**
 * The `break` rule that matched, from 1.
 */
rule: number, 
/**
 * Its first line (request or status line), for lists.
 */
summary: string, 
/**
 * When it stopped.
 */
since: number, 
/**
 * Whether its body is held (and may be edited or replaced): not when it is larger than
 * the rules' cap or its framing has no end before the connection's.
 */
body_held: boolean, };

/**
 * Which message of an exchange waits.
 */
export type PausedPhase = "request" | "response";

/**
 * A paused message as the editor shows it.
 */
export type PausedView = { 
/**
 * What the list knows of it.
 */
message: PausedMessage, 
/**
 * Its head and, when the body is text, the body, with LF line ends.
 */
text: string, 
/**
 * Why the body is not in `text` (it then goes on as it came), if it is not.
 */
body_kept: string | null, };

/**
 * The user name and password an HTTP proxy listener asks its clients for (HTTP Basic, RFC
 * 7617), for a proxy shared on a LAN.
 */
export type ProxyAuth = { 
/**
 * User name (no `:`).
 */
user: string, 
/**
 * Password.
 */
password: string, };

/**
 * A rule that acted on one exchange of a connection.
 */
export type RuleEvent = { 
/**
 * The exchange, counted from 0 on its connection.
 */
exchange: number, 
/**
 * The rule, counted from 1 in its file.
 */
rule: number, 
/**
 * Its action's name (`mock`, `setHeader`, ...).
 */
action: string, 
/**
 * What it did, in words.
 */
what: string, };

/**
 * A rules file's text and the folder its `bodyFile` paths are relative to: what a listener's
 * settings keep of its rules, so the app can save them with the listener and start it again.
 */
export type RulesSource = { 
/**
 * The JSON array of rules, as the file holds it.
 */
text: string, 
/**
 * The folder `bodyFile` paths are relative to (and may not leave).
 */
folder: string, };

/**
 * A file format connections can be saved in.
 */
export type SaveFormat = "session" | "text" | "har" | "curl";

/**
 * Where connections were saved.
 */
export type Saved = { path: string, count: number, };

/**
 * The rows that match.
 */
export type SearchResult = { 
/**
 * Matching rows, in table order.
 */
rows: Array<[ConnId, number | null]>, };

/**
 * What the user sends into a WebSocket: text as typed, or bytes typed as hex.
 */
export type SendKind = "text" | "binary";

/**
 * A message of an exchange that TCPMon changed (a rule, a breakpoint): the capture has the
 * client's side, the store keeps the server's (the request as the server got it, or the
 * response as the server sent it).
 */
export type ServerSide = { 
/**
 * The exchange, from 0.
 */
exchange: number, 
/**
 * The message's direction.
 */
direction: Direction, };

/**
 * Apache TCPMon's "Simulate Slow Connection": at most `bytes_per_pause` bytes every `delay_ms`,
 * but spread evenly rather than in bursts.
 */
export type SlowLink = { 
/**
 * Bytes allowed per period.
 */
bytes_per_pause: number, 
/**
 * The period in milliseconds.
 */
delay_ms: number, };

/**
 * Everything subscribers need to start from, consistent with event `seq`.
 */
export type Snapshot = { 
/**
 * The last event this snapshot includes; drop events with a `seq` up to it.
 */
seq: number, 
/**
 * All listeners.
 */
listeners: Array<ListenerInfo>, 
/**
 * All connections, in accept order.
 */
connections: Array<ConnectionRecord>, 
/**
 * Messages paused at breakpoints, oldest first.
 */
paused: Array<PausedMessage>, };

/**
 * Where one message lies in its direction's stream, and what is known of it so far. Its
 * JSON is flat (see `SpanJson`); in memory it takes 48 bytes.
 */
export type Span = { start: number, head_at: number, head_len: number, end: number, body_len: number, complete: boolean, first_at: number, last_at: number, };

/**
 * What the window needs first.
 */
export type Startup = { snapshot: Snapshot, selected_listener: ListenerId | null, settings: JsonValue | null, launch_error: CommandError | null, 
/**
 * Captures crashes left behind, offered to open or discard.
 */
left_captures: Array<LeftCapture>, };

/**
 * Figures for the status line that events do not carry (or that a late window missed).
 */
export type Status = { capture_bytes: number, 
/**
 * The capture limit in force, in bytes.
 */
capture_limit: number | null, 
/**
 * Why recording is stopped (relaying goes on), while it is.
 */
recording_stopped: string | null, };

/**
 * How TCPMon speaks TLS to a target: what it trusts, the name it sends and verifies, the
 * client certificate it shows, what it offers with ALPN.
 */
export type TargetTls = { 
/**
 * PEM files of certificates trusted besides the system's (`--target-ca`).
 */
ca_files: Array<string>, 
/**
 * Accept any certificate (`--insecure`); each such connection says so.
 */
insecure: boolean, 
/**
 * The name sent as SNI and verified instead of the target host (`--tls-server-name`).
 */
server_name: string | null, 
/**
 * A PEM client certificate chain, with its key unless `client_key` is given.
 */
client_cert: string | null, 
/**
 * The client certificate's key, when it is in a file of its own.
 */
client_key: string | null, 
/**
 * Protocols offered with ALPN (`--target-alpn`), in order; none by default.
 */
alpn: Array<string>, };

/**
 * What a TLS handshake agreed on, and how the peer's certificate was taken.
 */
export type TlsFacts = { 
/**
 * `1.2` or `1.3`.
 */
version: string, 
/**
 * The cipher suite, as rustls names it (`TLS13_AES_128_GCM_SHA256`).
 */
cipher: string, 
/**
 * The protocol ALPN settled on, if any.
 */
alpn: string | null, 
/**
 * The name sent as SNI (none for an IP address).
 */
server_name: string | null, 
/**
 * Towards the target: whether its certificate was verified (the system store or
 * `--target-ca`) rather than taken unverified (`--insecure`). Towards a client: whether it
 * accepted TCPMon's certificate (always, once the handshake completed).
 */
verified: boolean, 
/**
 * What the certificate was checked against (none in files from before it was recorded).
 */
trust: Trust | null, 
/**
 * The certificates presented, leaf first: the target's towards the target, TCPMon's own
 * (the leaf its CA issued, and the CA) towards a client.
 */
chain: Array<CertificateFacts>, 
/**
 * When the handshake completed (µs since the Unix epoch): HAR's `ssl` runs from the
 * connection's `connected_at` to here.
 */
completed_at: number, };

/**
 * What a peer's certificate was checked against.
 */
export type Trust = "system_store" | "target_ca" | "insecure" | "local_ca";

/**
 * Which rendering to use.
 */
export type ViewKind = "auto" | "raw" | "xml" | "json" | "hex" | "grpc";

/**
 * A rendered page.
 */
export type ViewPage = { 
/**
 * The view used: what `auto` chose, or `raw` when a pretty view could not render.
 */
view: ViewKind, 
/**
 * The text to show (as text, never as markup).
 */
text: string, 
/**
 * Why the view differs from the one asked for, or what it made visible.
 */
note: string | null, 
/**
 * First source byte of the page.
 */
offset: number, 
/**
 * Where the next page starts; `None` at the end of what is recorded so far.
 */
next_offset: number | null, 
/**
 * Bytes recorded so far in this direction.
 */
total: number, 
/**
 * Whether recording stopped at the capture cap.
 */
truncated: boolean, };

/**
 * What a close frame says.
 */
export type WebSocketClose = { 
/**
 * The status code (1000 normal, 1001 going away, ...); none in an empty close frame.
 */
code: number | null, 
/**
 * The reason, as UTF-8 (lossy).
 */
reason: string, };

/**
 * Messages and payload bytes one way.
 */
export type WebSocketCount = { 
/**
 * Messages, control messages included.
 */
messages: number, 
/**
 * Their payload bytes on the wire.
 */
bytes: number, };

/**
 * What an exchange that became a WebSocket has carried so far: the row and the CLI's summary
 * show it; the messages themselves are read from the capture when asked for, by a [`Reader`]
 * per direction from `start`.
 */
export type WebSocketSummary = { 
/**
 * Client to server.
 */
to_server: WebSocketCount, 
/**
 * Server to client.
 */
to_client: WebSocketCount, 
/**
 * Where the frames start in each direction's stream (client to server first): a reader
 * of the messages starts there.
 */
start: [number, number], 
/**
 * permessage-deflate, when it was agreed on.
 */
deflate: Deflate | null, 
/**
 * The first close message, and who sent it.
 */
close: [Direction, WebSocketClose] | null, };

export type RowRef = [ConnId, number | null];

/** Each command: the arguments `invoke` passes, and what it resolves to (it rejects with a CommandError). */
export type Commands = {
  startup: { args: Record<string, never>; result: Startup };
  snapshot: { args: Record<string, never>; result: Snapshot };
  add_listener: { args: { form: ListenerForm }; result: ListenerInfo };
  check_bind: { args: { addr: string }; result: BindCheck };
  update_listener: { args: { id: ListenerId; form: ListenerForm }; result: ListenerInfo };
  start_listener: { args: { id: ListenerId }; result: ListenerInfo };
  stop_listener: { args: { id: ListenerId }; result: ListenerInfo };
  remove_listener: { args: { id: ListenerId }; result: null };
  remove_connections: { args: { ids: Array<ConnId> }; result: null };
  read_view: { args: { session: number | null; id: ConnId; direction: Direction; view: ViewKind; offset: number; exchange: number | null }; result: ViewPage };
  read_server_side: { args: { session: number | null; id: ConnId; direction: Direction; exchange: number; view: ViewKind; offset: number }; result: ViewPage };
  exchange_messages: { args: { session: number | null; id: ConnId; exchange: number; from: number; count: number }; result: MessagePage };
  read_message_view: { args: { session: number | null; id: ConnId; exchange: number; index: number; view: ViewKind; offset: number }; result: ViewPage };
  send_websocket: { args: { id: ConnId; exchange: number; direction: Direction; kind: SendKind; text: string }; result: null };
  resend: { args: { id: ConnId; edited: string | null; exchange: number | null }; result: ConnId };
  save_connections: { args: { session: number | null; ids: Array<ConnId>; format: SaveFormat; exchanges: Array<[ConnId, number | null]> | null }; result: Saved | null };
  open_session: { args: Record<string, never>; result: OpenedSession | null };
  close_session: { args: { session: number }; result: null };
  open_left_capture: { args: { path: string }; result: OpenedSession };
  discard_left_capture: { args: { path: string }; result: null };
  save_settings: { args: { settings: JsonValue }; result: null };
  set_capture_limit: { args: { limit: string }; result: number | null };
  set_proto_file: { args: { path: string }; result: Array<string> };
  status: { args: Record<string, never>; result: Status };
  search: { args: { session: number | null; query: string }; result: SearchResult };
  compare: { args: { session: number | null; left: [ConnId, number]; right: [ConnId, number]; options: CompareOptions }; result: Comparison };
  send_request: { args: { request: Composed }; result: ConnId };
  pick_target_ca: { args: Record<string, never>; result: Array<string> | null };
  export_ca: { args: Record<string, never>; result: string | null };
  import_rules: { args: Record<string, never>; result: RulesSource | null };
  export_rules: { args: { text: string; folder: string }; result: string | null };
  rule_hits: { args: { id: ListenerId }; result: Array<number> };
  mock_from_row: { args: { id: ConnId; exchange: number }; result: ListenerInfo };
  paused_message: { args: { id: PauseId }; result: PausedView };
  resume_paused: { args: { id: PauseId; decision: Decision }; result: null };
  continue_all: { args: { listener: ListenerId | null }; result: number };
  load_response: { args: Record<string, never>; result: string | null };
};

/**
 * The one event and its payload, which travels as JSON text (a string) for the window to
 * `JSON.parse`: the parsed value has this type.
 */
export type Events = { "engine-events": EventBatch };
