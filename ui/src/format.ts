/** How records and numbers read on screen. Pure, so the table and tests agree on every string. */
import type {
  CertificateFacts,
  CommandError,
  ConnectionRecord,
  ConnectionState,
  Direction,
  Exchange,
  ListenerInfo,
  RowRef,
  SaveFormat,
  Span,
  TlsFacts,
  Trust,
  WebSocketSummary,
  EventStreamSummary,
} from "./types";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Local time as yyyy-MM-dd HH:mm:ss, the format Apache TCPMon used, from µs since the epoch. */
export function formatTime(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** Local time of day to the millisecond, HH:mm:ss.SSS, from µs since the epoch. */
export function formatClock(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time to the millisecond: yyyy-MM-dd HH:mm:ss.SSS. */
export function formatInstant(micros: number): string {
  return `${formatTime(micros)}.${pad(new Date(Math.floor(micros / 1000)).getMilliseconds(), 3)}`;
}

/** 1234567 -> "1,234,567"; fixed separators so output does not depend on the machine's locale. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A count and its noun: "1 row", "1,234 rows". */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** What a failed command (a CommandError, or anything else thrown) says, in words. */
export function errorText(error: unknown): string {
  return (error as CommandError).message ?? String(error);
}

const UNITS = ["KiB", "MiB", "GiB", "TiB"];

/** Binary sizes, three significant digits at most: "512 B", "1.5 KiB", "12.3 MiB", "512 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let value = n;
  let unit = -1;
  do {
    value /= 1024;
    unit += 1;
  } while (value >= 1024 && unit < UNITS.length - 1);
  const digits = value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "example.org:80", "[::1]:8080": IPv6 literals in brackets (unless typed so) to keep the port apart. */
export function hostPort(host: string, port: number | string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Milliseconds from accept to close, or to `nowMicros` while the connection lives. */
export function elapsedMs(record: ConnectionRecord, nowMicros: number): number {
  const end = record.closed_at ?? nowMicros;
  return Math.max(0, Math.floor((end - record.accepted_at) / 1000));
}

type StateLook = { label: string; tone: string; title: string };

/** The State column: Apache's short words, with the meaning (or failure reason) as a tooltip. */
export function stateLook(state: ConnectionState): StateLook {
  switch (state.kind) {
    case "connecting":
      return { label: "Connecting", tone: "pending", title: "Dialling the target" };
    case "active":
      return { label: "Active", tone: "active", title: "Both directions open" };
    case "client_done":
      return { label: "Resp", tone: "active", title: "Request complete; response still open" };
    case "server_done":
      return { label: "Req", tone: "active", title: "Response complete; client still open" };
    case "done":
      return { label: "Done", tone: "done", title: "Both directions ended" };
    case "failed":
      return { label: "Error", tone: "failed", title: state.reason };
  }
}

/** Request Host: the client address, or which row a resent request came from. */
export function clientText(record: ConnectionRecord): string {
  return record.resend_of === null ? record.client : `↻ resend of #${record.resend_of}`;
}

/** Request...: the HTTP request line, "raw" for other streams, blank before any byte. */
export function requestText(record: ConnectionRecord): string {
  if (record.request_line !== null) return record.request_line;
  return record.bytes[0] === 0 ? "" : "raw";
}

export function targetText(record: ConnectionRecord): string {
  return record.target === null ? "—" : hostPort(record.target.host, record.target.port);
}

/** The port a listener really listens on (from local_addr), else the one it was configured with. */
export function listenerPort(info: ListenerInfo): number {
  const match = info.local_addr?.match(/:(\d+)$/);
  return match ? Number(match[1]) : info.config.port;
}

/** A record's connection target as "host:port", or null before a proxy-mode request names it. */
function targetHostPort(record: ConnectionRecord): string | null {
  return record.target === null ? null : hostPort(record.target.host, record.target.port);
}

/**
 * The absolute URL of an exchange's request: the target itself when it is absolute (proxy
 * requests) or a CONNECT authority, else http:// + the Host header (or the connection's target)
 * + the target.
 */
export function exchangeUrl(exchange: Exchange, record: ConnectionRecord): string {
  if (exchange.target.includes("://") || exchange.method === "CONNECT") return exchange.target;
  const host = exchange.host ?? targetHostPort(record) ?? "";
  // The scheme the client used: https:// when it spoke TLS to a TLS listener (as the CLI says).
  return `${record.client_tls ? "https" : "http"}://${host}${exchange.target}`;
}

/** The mark before the Host of a row whose connection spoke TLS on either side. */
export function tlsMark(record: ConnectionRecord): string {
  return record.client_tls || record.target_tls ? "🔒 " : "";
}

/** One certificate of a chain, in words: its place in the chain, then each fact. */
export type CertLines = {
  /** "leaf", "intermediate" or "root" (a CA that signed itself). */
  role: string;
  subject: string;
  issuer: string;
  /** Its names (SANs), the first few; `allNames` has every one. */
  names: string;
  allNames: string;
  /** "from 2026-05-01 10:00:00 UTC until 2027-05-01 10:00:00 UTC". */
  validity: string;
  sha256: string;
};

/** One side of the TLS section: what the handshake settled, how the certificate was taken, the chain. */
export type TlsSide = {
  side: "client" | "target";
  title: string;
  /** Version, cipher, ALPN and SNI. */
  text: string;
  /** How the peer's certificate was checked. */
  trust: string;
  /** The certificate was taken unverified. */
  warn: boolean;
  /** The certificates presented, leaf first (none in files from before they were recorded). */
  chain: CertLines[];
};

/** How each kind of check reads in the app (the CLI names its flags instead). */
const TRUST_WORDS: Record<Trust, string> = {
  system_store: "trusted (system store)",
  target_ca: "trusted (Target CA)",
  insecure: "NOT verified (Accept any certificate)",
  local_ca: "client trusts TCPMon's CA",
};

/** The check behind a side's certificate; files from before `trust` was recorded have only `verified`. */
function trustOf(side: TlsSide["side"], facts: TlsFacts): Trust | null {
  if (facts.trust != null) return facts.trust;
  if (side === "client") return "local_ca";
  return facts.verified ? null : "insecure";
}

/** Names beyond this many are counted, not listed (a CDN's certificate can have hundreds). */
const SHOWN_NAMES = 8;

/** An RFC 3339 UTC time as "2026-05-01 10:00:00 UTC"; anything else as it is. */
function certTime(text: string): string {
  const m = text.match(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/);
  return m ? `${m[1]} ${m[2]} UTC` : text;
}

/** A certificate of a chain (`index` 0 is the leaf) as the TLS section words it. */
export function certLines(cert: CertificateFacts, index: number): CertLines {
  const { names } = cert;
  const more = names.length - SHOWN_NAMES;
  return {
    role: index === 0 ? "leaf" : cert.subject === cert.issuer ? "root" : "intermediate",
    subject: cert.subject,
    issuer: cert.issuer,
    names:
      names.length === 0 ? "none" : names.slice(0, SHOWN_NAMES).join(", ") + (more > 0 ? ` and ${more} more` : ""),
    allNames: names.join(", "),
    // A certificate the engine could not read has its fingerprint alone.
    validity:
      cert.not_before === "" && cert.not_after === ""
        ? "unknown"
        : `from ${certTime(cert.not_before)} until ${certTime(cert.not_after)}`,
    sha256: cert.sha256,
  };
}

/**
 * The TLS section of a connection: a part per side that spoke TLS (the client to TCPMon; TCPMon
 * to the target), with what the handshake settled, how the certificate was taken and the chain
 * presented. Empty for a plain connection.
 */
export function tlsSides(record: ConnectionRecord): TlsSide[] {
  const part = (side: TlsSide["side"], title: string, facts: TlsFacts): TlsSide => {
    const trust = trustOf(side, facts);
    return {
      side,
      title,
      text: [
        `TLS ${facts.version}`,
        facts.cipher,
        `ALPN ${facts.alpn ?? "none"}`,
        `SNI ${facts.server_name ?? "none"}`,
      ].join(" · "),
      trust: trust === null ? "verified" : TRUST_WORDS[trust],
      warn: trust === "insecure",
      chain: (facts.chain ?? []).map(certLines),
    };
  };
  const sides: TlsSide[] = [];
  if (record.client_tls) sides.push(part("client", "Client → TCPMon", record.client_tls));
  if (record.target_tls) sides.push(part("target", "TCPMon → target", record.target_tls));
  return sides;
}

/** The Host column: the Host header, else the authority of an absolute target, else where the bytes went. */
export function exchangeHost(exchange: Exchange, record: ConnectionRecord): string {
  if (exchange.host !== null) return exchange.host;
  const absolute = exchange.target.match(/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i);
  if (absolute) return absolute[1]!;
  if (exchange.method === "CONNECT") return exchange.target;
  return targetHostPort(record) ?? "—";
}

/** "200", "100→200" with interim 1xx answers, "" before the response head. */
export function statusText(exchange: Exchange): string {
  if (exchange.status === null) return exchange.interim.join("→");
  return [...exchange.interim, exchange.status].join("→");
}


/**
 * How a gRPC call over HTTP/2 ended, as the CLI line says it: the code and its name ("5
 * NOT_FOUND"), read by the backend from the response's trailers or from its head when the
 * server answered with trailers only; null when the exchange is not one, or has not ended yet.
 */
export function grpcStatus(exchange: Exchange): { code: string; name: string } | null {
  const grpc = exchange.h2?.grpc;
  return grpc ? { code: grpc.code, name: grpc.name ?? "?" } : null;
}

/** An exchange's status column: the HTTP status, then a gRPC call's status name ("200 NOT_FOUND"). */
export function exchangeStatusText(exchange: Exchange): string {
  const grpc = grpcStatus(exchange);
  return grpc ? `${statusText(exchange)} ${grpc.name}` : statusText(exchange);
}

/** A WebSocket's counts for its exchange's row: "WebSocket 6↑ 6↓, closed 1000". */
export function websocketText(ws: WebSocketSummary): string {
  const counts = `WebSocket ${formatCount(ws.to_server.messages)}↑ ${formatCount(ws.to_client.messages)}↓`;
  if (ws.close === null) return counts;
  const code = ws.close[1].code;
  return `${counts}, closed${code === null ? "" : ` ${code}`}`;
}

/** An event stream's count for its exchange's row: "events 3". */
export function eventsText(sse: EventStreamSummary): string {
  return `events ${formatCount(sse.events)}`;
}

/** A message's direction as its row shows it: → to the server, ← to the client. */
export function messageArrow(direction: Direction): string {
  return direction === "client_to_server" ? "→" : "←";
}

/** The status's class for colouring: "2xx" .. "5xx", or "" without one. */
export function statusClass(status: number | null): string {
  return status !== null && status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "";
}

const isClosed = (record: ConnectionRecord) =>
  record.closed_at !== null || record.state.kind === "done" || record.state.kind === "failed";

/** The State column of an exchange row: how far this request and its response got. */
export function exchangeLook(record: ConnectionRecord, exchange: Exchange): StateLook {
  const response = exchange.response;
  const closed = isClosed(record);
  if (exchange.tunnel && response !== null) {
    if (!closed) {
      return { label: "Tunnel", tone: "active", title: "Tunnel open: the rest of the connection is raw" };
    }
    return record.state.kind === "failed"
      ? { label: "Error", tone: "failed", title: record.state.reason }
      : { label: "Done", tone: "done", title: "Tunnel closed" };
  }
  if (response?.complete) return { label: "Done", tone: "done", title: "Response complete" };
  if (record.state.kind === "failed") return { label: "Error", tone: "failed", title: record.state.reason };
  if (closed) {
    return response === null
      ? { label: "No resp", tone: "failed", title: "The connection ended before a response" }
      : { label: "Cut", tone: "failed", title: "The connection ended inside the response" };
  }
  if (response !== null) return { label: "Resp", tone: "active", title: "Response arriving" };
  return exchange.request.complete
    ? { label: "Waiting", tone: "pending", title: "Request sent; waiting for the response" }
    : { label: "Req", tone: "active", title: "Request arriving" };
}

/**
 * Milliseconds from the request's first byte to the response's last one; while the response is
 * still coming on a live connection, to `nowMicros`.
 */
export function exchangeDurationMs(record: ConnectionRecord, exchange: Exchange, nowMicros: number): number {
  const start = exchange.request.first_at;
  const response = exchange.response;
  let end: number;
  if (response?.complete) end = response.last_at;
  else if (!isClosed(record)) end = nowMicros;
  else end = response?.last_at ?? exchange.request.last_at;
  return Math.max(0, Math.floor((end - start) / 1000));
}

/** A tooltip with a message's sizes: body (decoded framing) and what it took on the wire. */
export function spanTip(name: string, span: Span | null): string {
  if (span === null) return `${name}: none yet`;
  const wire = span.end - span.start;
  const body = `${formatCount(span.body_len)} B body`;
  const sofar = span.complete ? "" : " (so far)";
  return `${name}: ${body}, ${formatCount(span.head_len)} B head, ${formatCount(wire)} B on the wire${sofar}`;
}

/**
 * What a save's count counts (save_connections): a session holds whole connections, and so
 * does TCPMon text of whole connections; text of picked rows has one entry per row (an
 * exchange, or a connection without any), HAR and curl one per request.
 */
export function savedUnit(format: SaveFormat, rows: readonly RowRef[] | null): "connection" | "request" | "row" {
  if (format === "session" || (format === "text" && rows === null)) return "connection";
  if (format === "text" && rows!.some(([, exchange]) => exchange === null)) return "row";
  return "request";
}

/** The status line's capture figure: its size on disk, and the limit when there is one. */
export function captureText(bytes: number | null, limit: number | null): string {
  const size = bytes === null ? "…" : formatBytes(bytes);
  return limit === null ? `capture ${size}` : `capture ${size} of ${formatBytes(limit)}`;
}

/** The status line while recording is stopped: why, and that relaying is not. */
export function recordingText(stopped: string): string {
  return `Recording stopped: ${stopped} (relaying goes on)`;
}

/** What a pane says of a direction whose recording stopped. */
export function truncationText(reason: string | null | undefined): string {
  const why = reason ? reason : "the capture cap was reached";
  return `Recording stopped: ${why}. Relaying went on; later bytes were not recorded.`;
}

/**
 * The warning of a table row, or null: the exchange's note, and on the connection's last row
 * why its recording stopped (unless the note says so already).
 */
export function rowWarning(record: ConnectionRecord, exchange: Exchange | null, last: boolean): string | null {
  const notes: string[] = [];
  if (exchange?.note) notes.push(exchange.note);
  const truncation = record.truncation;
  if (truncation && last && !notes.some((note) => note.includes(truncation))) {
    notes.push(`recording stopped: ${truncation}`);
  }
  return notes.length === 0 ? null : notes.join("; ");
}

/** "TCPMon found 2 captures left by a crash". */
export function leftCapturesTitle(count: number): string {
  return `TCPMon found ${formatCount(count)} capture${count === 1 ? "" : "s"} left by a crash`;
}

/** A capture a crash left, as the notice lists it: when it was last written and its size. */
export function leftCaptureText(capture: { size: number; modified_ms: number }): string {
  return `${formatTime(capture.modified_ms * 1000)} · ${formatBytes(capture.size)}`;
}
