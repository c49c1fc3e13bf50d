/**
 * A fake Rust shell for the UI tests: answers the commands of the contract generated from Rust
 * (ui/src/generated/ipc.ts, docs/ipc.md), typed by it, with plausible data, and emits
 * `engine-events`, through Tauri's own mockIPC, so the app under test runs unchanged.
 * Bundled as an IIFE and injected before the app's script. Tests drive it through `window.fake`
 * and configure it with `window.fakeConfig` (set by an earlier init script).
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import bindCases from "../../crates/relay/tests/bind_cases.json";
import type {
  Commands,
  CompareOptions,
  Comparison,
  DiffLine,
  DiffRow,
  DiffRowKind,
  DiffRows,
  JsonValue,
  PausedMessage,
  PausedView,
} from "../../ui/src/generated/ipc";
import type {
  BindCheck,
  CertificateFacts,
  CommandError,
  ConnectionRecord,
  Direction,
  EngineEvent,
  Exchange,
  Fault,
  RulesSource,
  LeftCapture,
  ListenerForm,
  ListenerInfo,
  MessageRow,
  OpenedSession,
  ReadMessageViewArgs,
  ReadViewArgs,
  RowRef,
  SaveFormat,
  SendRequest,
  Span,
  TlsFacts,
  ViewPage,
  WebSocketSummary,
} from "../../ui/src/types";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type EventBody = DistributiveOmit<EngineEvent, "seq">;

export type FakeConfig = {
  listeners?: ListenerInfo[];
  connections?: ConnectionRecord[];
  selected_listener?: number | null;
  settings?: JsonValue;
  /** Ports add_listener refuses as in use. */
  portsInUse?: number[];
  /** Source bytes per read_view page (Rust uses ~256 KiB). */
  pageSize?: number;
  session?: OpenedSession | null;
  /** save_connections answers null, as when the user cancels the dialog. */
  cancelSave?: boolean;
  /** send_request rejects with this (as Rust would for a refused request). */
  sendError?: CommandError;
  /** Captures a crash left, listed by startup. */
  left_captures?: LeftCapture[];
  /** What open_left_capture opens (any listed path), as open_session does with `session`. */
  leftSession?: OpenedSession;
  /** What the Target CA dialog picks; null: the user cancels it. */
  pickedCa?: string[] | null;
  /** The rules file the Import dialog reads (its text and folder); absent: the user cancels it. */
  importedRules?: RulesSource;
  /** The text Respond's "Load from file..." reads; absent: the user cancels the dialog. */
  responseFile?: string;
};

const config: FakeConfig = (window as unknown as { fakeConfig?: FakeConfig }).fakeConfig ?? {};
const PAGE = config.pageSize ?? 256 * 1024;
const calls: Array<{ cmd: string; args: Record<string, unknown> }> = [];
const listeners = new Map<number, ListenerInfo>((config.listeners ?? []).map((l) => [l.id, l]));
const records = new Map<number, ConnectionRecord>((config.connections ?? []).map((c) => [c.id, c]));
/** Captured text per "id:direction"; connections without one get a generated HTTP exchange. */
const captured = new Map<string, string>();
let seq = 0;
const START_MS = Date.now();
let nextListener = Math.max(0, ...listeners.keys()) + 1;
let nextConnection = Math.max(0, ...records.keys()) + 1;
let nextFreePort = 41000;
let settings: JsonValue | null = config.settings ?? null;
let leftCaptures: LeftCapture[] = [...(config.left_captures ?? [])];
let captureLimit: number | null = null;
let recordingStopped: string | null = null;

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1 << 20, gb: 1e9, gib: 1 << 30 };

/** Sizes as Rust's bytesize reads them, the common forms: "500MiB", "2 GB", "1000". */
function parseLimit(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const match = trimmed.match(/^(\d+(?:\.\d+)?)\s*([a-z]*)$/i);
  const unit = SIZE_UNITS[(match?.[2] || "b").toLowerCase()];
  const bytes = match && unit ? Math.round(Number(match[1]) * unit) : 0;
  if (bytes === 0) {
    reject({
      kind: "invalid_input",
      message: `"${trimmed}" is not a size: try 500MiB or 2GB (empty: no limit)`,
      field: "capture_limit",
    });
  }
  return bytes;
}

function leftCapture(path: string): LeftCapture {
  return (
    leftCaptures.find((c) => c.path === path) ??
    reject({ kind: "not_found", message: `${path} is not a capture left by a crash` })
  );
}

const reject = (error: CommandError): never => {
  throw error;
};

function send(bodies: EventBody[], lagged = false): Promise<void> {
  const events = bodies.map((body) => ({ ...body, seq: ++seq }) as EngineEvent);
  return emit("engine-events", JSON.stringify({ events, lagged }));
}

function parsePort(text: string, field: "listen_port" | "target_port"): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    reject({ kind: "invalid_input", message: `"${text}" is not a port number (0 to 65535)`, field });
  }
  return port;
}

function configure(form: ListenerForm, id: number): ListenerInfo {
  let port = parsePort(form.port, "listen_port");
  if (config.portsInUse?.includes(port)) {
    reject({
      kind: "port_in_use",
      message: `Port ${port} is already in use by another program`,
      field: "listen_port",
    });
  }
  if (port === 0) port = nextFreePort++;
  if (form.proxy && form.target_tls && !form.decrypt_tls) {
    reject({
      kind: "invalid_input",
      message: "TLS to the target works in forward mode, or for the origins of a decrypting proxy (--decrypt-tls): a proxy's clients reach HTTPS sites with CONNECT",
      field: "target_tls",
    });
  }
  const noDecrypt = hostList(form);
  const originTls = form.proxy && form.decrypt_tls && (form.target_ca.length > 0 || form.insecure);
  const mode = form.proxy
    ? ({ kind: "http_proxy" } as const)
    : ({
        kind: "forward",
        target: { host: form.target_host, port: parsePort(form.target_port, "target_port") },
      } as const);
  return {
    id,
    config: {
      bind: form.bind,
      port: Number(form.port),
      mode,
      upstream_proxy: null,
      slow_link: null,
      connect_timeout: 10000,
      rewrite_host: !form.proxy && form.rewrite_host,
      allow_loopback_targets: false,
      proxy_auth: null,
      idle_timeout: null,
      max_connections: null,
      target_tls:
        form.target_tls || originTls
          ? {
              ca_files: form.target_ca,
              insecure: form.insecure,
              server_name: null,
              client_cert: null,
              client_key: null,
              alpn: [],
            }
          : null,
      listen_tls: form.listen_tls,
      listen_alpn: [],
      decrypt_tls: form.decrypt_tls,
      no_decrypt: noDecrypt,
      faults: faultList(form),
      rules: checkedRules(form.rules),
    },
    local_addr: `${form.bind.includes(":") ? `[${form.bind}]` : form.bind}:${port}`,
    running: true,
    error: null,
  };
}

/** A rule the engine refuses, in its words; the rest Rust checks (the fake takes them). */
function ruleProblem(rule: { then?: Record<string, unknown> }): string | null {
  const then = rule.then ?? {};
  const mock = then.mock as { status?: unknown } | undefined;
  if (mock && typeof mock.status !== "number") return "invalid type: string, expected u16";
  return null;
}

/** The rules as Rust's parser would take them: a JSON array, each rule's problem named. */
function checkedRules(source: RulesSource | null): RulesSource | null {
  if (source === null || source.text.trim() === "") return null;
  let rules: unknown;
  try {
    rules = JSON.parse(source.text);
  } catch (e) {
    return reject({ kind: "invalid_input", message: `not a JSON array of rules: ${e}`, field: "rules" });
  }
  if (!Array.isArray(rules)) reject({ kind: "invalid_input", message: "not a JSON array of rules", field: "rules" });
  (rules as { then?: Record<string, unknown> }[]).forEach((rule, i) => {
    const problem = ruleProblem(rule);
    if (problem) reject({ kind: "invalid_input", message: `rule ${i + 1}: ${problem}`, field: "rules" });
  });
  return (rules as unknown[]).length === 0 ? null : source;
}

/** The form's faults, one a line: the few kinds the UI tests type (Rust reads them all). */
function faultList(form: ListenerForm): Fault[] {
  return form.faults
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line): Fault => {
      const status = line.match(/^status=(\d{3})$/);
      if (status) return { kind: { status: { code: Number(status[1]) } }, dir: null, chance: 1_000_000 };
      if (line === "blackhole" || line === "refuse") return { kind: line, dir: null, chance: 1_000_000 };
      return reject({
        kind: "invalid_input",
        message: `fault ${JSON.stringify(line)}: no fault ${JSON.stringify(line.split("=")[0])}: latency, slice, close-after, reset-after, blackhole, refuse or status`,
        field: "faults",
      });
    });
}

/** The form's "Hosts not to decrypt" as Rust reads and checks it, with the engine's words. */
function hostList(form: ListenerForm): string[] {
  const hosts = form.no_decrypt
    .split(/[,\n]/)
    .map((h) => h.trim())
    .filter((h) => h !== "");
  if (hosts.length > 0 && !form.decrypt_tls) {
    reject({
      kind: "invalid_input",
      message: "hosts not to decrypt (--no-decrypt) go with decrypting HTTPS (--decrypt-tls)",
      field: "no_decrypt",
    });
  }
  const bad = hosts.find((h) => !/^[A-Za-z0-9.*?_:-]{1,255}$/.test(h));
  if (bad !== undefined) {
    reject({
      kind: "invalid_input",
      message: `host pattern ${JSON.stringify(bad)} for --no-decrypt: use a host name or address, with * for any characters (*.example.com)`,
      field: "no_decrypt",
    });
  }
  return hosts;
}

/**
 * check_bind as the engine answers it: for the cases Rust's own unit test checks the rule
 * against (crates/relay/tests/bind_cases.json), that answer; empty text is 127.0.0.1, as in the
 * form; anything else the fake does not pretend to know, and says so as an error.
 */
function checkBind(addr: string): BindCheck {
  if (addr.trim() === "") return { loopback: true };
  const known = (bindCases as Array<{ addr: string; loopback: boolean; error?: boolean }>).find(
    (c) => c.addr === addr,
  );
  if (known === undefined) return { loopback: false, error: `the fake backend has no answer for "${addr}"` };
  return known.error
    ? { loopback: false, error: `invalid address "${addr}": bind address must be an IP address such as 127.0.0.1 or ::1, or localhost` }
    : { loopback: known.loopback };
}

function setListener(info: ListenerInfo): ListenerInfo {
  listeners.set(info.id, info);
  void send([{ kind: "listener_changed", listener: info }]);
  return info;
}

function knownListener(id: number): ListenerInfo {
  return listeners.get(id) ?? reject({ kind: "not_found", message: `no listener #${id}` });
}

/**
 * A new record on `listener`. Its captured texts are `texts`, or a generated GET and JSON
 * answer; its byte counts and exchanges follow from them unless `overrides` says otherwise.
 */
function makeRecord(
  listener: number,
  overrides: Partial<ConnectionRecord> = {},
  texts: Partial<Record<Direction, string>> = {},
): ConnectionRecord {
  const id = overrides.id ?? nextConnection++;
  nextConnection = Math.max(nextConnection, id + 1);
  const info = listeners.get(listener);
  const target =
    info?.config.mode.kind === "forward" ? info.config.mode.target : { host: "example.org", port: 80 };
  const at = (START_MS - 40_000) * 1000 + id * 1_250_000;
  const record: ConnectionRecord = {
    id,
    listener,
    listen_port: info ? Number(info.local_addr?.split(":").pop()) : 8081,
    client: `127.0.0.1:${50000 + (id % 10000)}`,
    target,
    accepted_at: at,
    connected_at: at + 800,
    closed_at: at + 1000 * (3 + (id % 40)),
    state: { kind: "done" },
    bytes: [0, 0],
    truncated: [false, false],
    resend_of: null,
    request_line: `GET /api/items/${id} HTTP/1.1`,
    exchanges: [],
    ...overrides,
  };
  for (const [direction, text] of Object.entries(texts)) captured.set(`${id}:${direction}`, text);
  if (overrides.bytes && overrides.exchanges) return record;
  const request = capturedText(id, "client_to_server", record);
  const response = capturedText(id, "server_to_client", record);
  if (!overrides.bytes) record.bytes = [request.length, response.length];
  if (!overrides.exchanges) record.exchanges = exchangesOf(record, request, response);
  return record;
}

function capturedText(id: number, direction: Direction, known?: ConnectionRecord): string {
  const text = captured.get(`${id}:${direction}`);
  if (text !== undefined) return text;
  const record = known ?? records.get(id) ?? sessionRecord(id);
  if (direction === "client_to_server") {
    const line = record?.request_line ?? `GET /api/items/${id} HTTP/1.1`;
    return `${line}\r\nHost: example.org\r\nUser-Agent: curl/8.5.0\r\nAccept: application/json\r\n\r\n`;
  }
  const body = JSON.stringify({ id, name: `item ${id}`, tags: ["alpha", "beta"], price: 12.5 });
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

// --- HTTP/1 exchanges, found the simple way: heads end at a blank line, bodies have a
// Content-Length or run to the end of the stream. Enough to give the UI realistic exchanges.

type Message = {
  span: Span;
  firstLine: string;
  headers: [string, string][];
  body: string;
  /** Statuses of interim 1xx heads before this (final) one. */
  interim: number[];
};

const HEAD_END = /\r?\n\r?\n/;

/** The messages of one direction's text, in order; stops at the first thing that is not HTTP. */
function messages(text: string, response: boolean, at: number, closed: boolean): Message[] {
  const out: Message[] = [];
  let pos = 0;
  while (pos < text.length) {
    const start = pos;
    const interim: number[] = [];
    let head: RegExpExecArray | null;
    let headAt = pos;
    let lines: string[];
    for (;;) {
      head = HEAD_END.exec(text.slice(pos));
      if (!head) return out;
      lines = text.slice(pos, pos + head.index).split(/\r?\n/);
      const status = lines[0]!.match(/^HTTP\/1\.\d (\d{3})/);
      if (response ? !status : !/^\S+ .+ HTTP\/1\.\d$/.test(lines[0]!)) return out;
      headAt = pos;
      pos += head.index + head[0].length;
      if (!response || Number(status![1]) >= 200 || Number(status![1]) === 101) break;
      interim.push(Number(status![1]));
    }
    const headers = lines
      .slice(1)
      .filter((l) => l.includes(":"))
      .map((l) => [l.slice(0, l.indexOf(":")).trim(), l.slice(l.indexOf(":") + 1).trim()] as [string, string]);
    const length = headers.find(([n]) => n.toLowerCase() === "content-length")?.[1];
    const wanted = length === undefined ? (response ? Infinity : 0) : Number(length);
    const body = text.slice(pos, pos + Math.min(wanted, text.length - pos));
    const end = pos + body.length;
    out.push({
      span: {
        start,
        head_at: headAt,
        head_len: pos - headAt,
        end,
        body_len: body.length,
        complete: body.length === wanted || (wanted === Infinity && closed),
        first_at: at + start * 10,
        last_at: at + end * 10,
      },
      firstLine: lines[0]!,
      headers,
      body,
      interim,
    });
    pos = end;
  }
  return out;
}

/** A record's exchanges from its texts: requests paired with responses in order. */
function exchangesOf(record: ConnectionRecord, request: string, response: string): Exchange[] {
  const closed = record.closed_at !== null;
  const requests = messages(request, false, record.accepted_at + 1000, closed);
  const responses = messages(response, true, record.accepted_at + 1000 + request.length * 10 + 2000, closed);
  const exchanges: Exchange[] = [];
  for (const [i, req] of requests.entries()) {
    const [method, ...rest] = req.firstLine.split(" ");
    const version = Number(rest.pop()!.slice(-1));
    const res = responses[i] ?? null;
    const status = res ? Number(res.firstLine.slice(9, 12)) : null;
    const tunnel = res !== null && ((method === "CONNECT" && status! < 300) || status === 101);
    const host = req.headers.find(([n]) => n.toLowerCase() === "host")?.[1] ?? null;
    exchanges.push({
      method: method!,
      target: rest.join(" "),
      version,
      host,
      request: tunnel ? { ...req.span, end: request.length } : req.span,
      response: res && tunnel ? { ...res.span, end: response.length } : (res?.span ?? null),
      status,
      reason: res ? res.firstLine.slice(13) : "",
      interim: res?.interim ?? [],
      tunnel,
      note:
        res && !res.span.complete && closed ? "response side: the connection ended inside the body" : null,
    });
    if (tunnel) break;
  }
  return exchanges;
}

/** The messages of record `id`, per exchange, for searching headers and bodies. */
function messagesOf(record: ConnectionRecord): { requests: Message[]; responses: Message[] } {
  const closed = record.closed_at !== null;
  return {
    requests: messages(capturedText(record.id, "client_to_server", record), false, 0, closed),
    responses: messages(capturedText(record.id, "server_to_client", record), true, 0, closed),
  };
}

function sessionRecord(id: number): ConnectionRecord | undefined {
  return (config.session ?? config.leftSession)?.connections.find((c) => c.id === id);
}

function hexDump(text: string, offset: number): string {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 16) {
    const chunk = [...text.slice(i, i + 16)].map((c) => c.charCodeAt(0) & 0xff);
    const hex = chunk.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = chunk.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${(offset + i).toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

function readView({ session, id, direction, view, offset, exchange }: ReadViewArgs): ViewPage {
  const record = session === null ? records.get(id) : sessionRecord(id);
  if (!record) return reject({ kind: "not_found", message: `no connection #${id}` });
  let source = capturedText(id, direction, record);
  if (exchange !== null) {
    const ex =
      record.exchanges[exchange] ?? reject({ kind: "not_found", message: `no exchange ${exchange} in #${id}` });
    const span = direction === "client_to_server" ? ex.request : ex.response;
    source = span === null ? "" : source.slice(span.start, span.end);
  }
  const truncated = records.get(id)?.truncated[direction === "client_to_server" ? 0 : 1] ?? false;
  return pageOf(source, offset, view, truncated);
}

/** Server sides of messages TCPMon changed, by "id:exchange:direction" (`fake.serverSide`). */
const serverSides = new Map<string, string>();

function readServerSide({ id, direction, exchange, view, offset }: Commands["read_server_side"]["args"]): ViewPage {
  const source =
    serverSides.get(`${id}:${exchange}:${direction}`) ??
    reject({ kind: "not_found", message: `exchange ${exchange + 1} of connection ${id} went on unchanged` });
  return pageOf(source, offset, view, false);
}

/** A page of `view` at `offset` of `source`, as Rust renders one (raw, hex, JSON). */
function pageOf(source: string, offset: number, view: ViewPage["view"], truncated: boolean): ViewPage {
  const slice = source.slice(offset, offset + PAGE);
  const next = offset + PAGE < source.length ? offset + PAGE : null;
  const page = { offset, next_offset: next, total: source.length, truncated };
  if (view === "hex") return { ...page, view, text: hexDump(slice, offset), note: null };
  if (view === "json" || view === "auto") {
    const split = slice.indexOf("\r\n\r\n");
    try {
      const pretty = JSON.stringify(JSON.parse(slice.slice(split + 4)), null, 2);
      return { ...page, view: "json", text: `${slice.slice(0, split + 4)}${pretty}`, note: null };
    } catch {
      if (view === "json") return { ...page, view: "raw", text: slice, note: "not valid JSON: showing raw" };
    }
  }
  return { ...page, view: "raw", text: slice, note: null };
}

// --- WebSocket messages: kept whole per exchange, as Rust reads them back from the capture.

/** A WebSocket message as a test gives it: binary payloads as one character per byte. */
export type FakeWsMessage = {
  direction: Direction;
  opcode: "text" | "binary" | "close" | "ping" | "pong";
  payload: string;
  compressed?: boolean;
  problem?: string | null;
  close?: { code: number | null; reason: string };
  /** TCPMon sent it (send_websocket). */
  injected?: boolean;
};

/** Messages per "id:exchange", each with its capture time. */
const wsMessages = new Map<string, Array<FakeWsMessage & { at: number }>>();

function wsList(id: number, exchange: number): Array<FakeWsMessage & { at: number }> {
  return (
    wsMessages.get(`${id}:${exchange}`) ??
    reject({ kind: "invalid_input", message: `exchange ${exchange + 1} of #${id} is no WebSocket` })
  );
}

/** What the tracker counts of `list`, as Exchange::websocket says it. */
function wsSummary(list: FakeWsMessage[], start: [number, number]): WebSocketSummary {
  const count = (direction: Direction) => {
    const mine = list.filter((m) => m.direction === direction);
    return { messages: mine.length, bytes: mine.reduce((n, m) => n + m.payload.length, 0) };
  };
  const close = list.find((m) => m.close);
  return {
    to_server: count("client_to_server"),
    to_client: count("server_to_client"),
    start,
    deflate: null,
    close: close ? [close.direction, close.close!] : null,
  };
}

const hexBytes = (text: string) =>
  [...text].map((c) => (c.charCodeAt(0) & 0xff).toString(16).padStart(2, "0")).join(" ");

/** Text's start as Rust previews it: 200 characters, control characters as spaces. */
function textPreview(text: string): string {
  const preview = [...text].slice(0, 200).map((c) => (c < " " ? " " : c)).join("");
  return [...text].length > 200 ? `${preview}…` : preview;
}

/** A message's row, with Rust's preview: text's start, a close's code and reason, else hex. */
function wsRow(message: FakeWsMessage & { at: number }, index: number): MessageRow {
  let preview: string;
  if (message.opcode === "text") {
    preview = textPreview(message.payload);
  } else if (message.close) {
    preview = message.close.code === null ? "" : `${message.close.code} ${message.close.reason}`.trimEnd();
  } else {
    preview = hexBytes(message.payload.slice(0, 32)) + (message.payload.length > 32 ? " …" : "");
  }
  return {
    index,
    direction: message.direction,
    opcode: message.opcode,
    at: message.at,
    size: message.payload.length,
    compressed: message.compressed ?? false,
    preview,
    problem: message.problem ?? null,
    injected: message.injected ?? false,
    id: null,
  };
}

// --- Event streams: their events kept whole per exchange, as Rust reads them from the capture.

/** A Server-Sent Event as a test gives it. */
export type FakeEvent = { event?: string; data: string; id?: string };

/** Events per "id:exchange", each with its capture time. */
const sseEvents = new Map<string, Array<FakeEvent & { at: number }>>();

/** An event's row: a message from the server, its type as its kind. */
function eventRow(event: FakeEvent & { at: number }, index: number): MessageRow {
  return {
    index,
    direction: "server_to_client",
    opcode: event.event ?? "event",
    at: event.at,
    size: new TextEncoder().encode(event.data).length,
    compressed: false,
    preview: textPreview(event.data),
    problem: null,
    injected: false,
    id: event.id ?? null,
  };
}

/** The payloads of exchange `exchange` of `id`'s messages: an event stream's data, else a
 * WebSocket's messages. */
function payloadsOf(id: number, exchange: number): Array<{ payload: string; binary: boolean }> {
  const events = sseEvents.get(`${id}:${exchange}`);
  if (events) return events.map((e) => ({ payload: e.data, binary: false }));
  return wsList(id, exchange).map((m) => ({ payload: m.payload, binary: m.opcode === "binary" }));
}

/** One more message on WebSocket `id`: its exchange's counts go out as the shell's progress does. */
function addWsMessage(id: number, message: FakeWsMessage): void {
  const list = wsList(id, 0);
  list.push({ ...message, at: (list[list.length - 1]?.at ?? 0) + 1000 });
  const record = withWsCounts(records.get(id)!);
  records.set(id, record);
  void send([
    { kind: "connection_progress", id, bytes: record.bytes, exchanges_from: 0, exchanges: record.exchanges },
  ]);
}

/** send_websocket as the engine answers it: text as typed, binary from hex, into a live WebSocket. */
function sendWebsocket({ id, exchange, direction, kind, text }: Commands["send_websocket"]["args"]): null {
  const refuse = (message: string) => reject({ kind: "invalid_input", message, field: "ws_send" });
  const record = records.get(id) ?? reject({ kind: "not_found", message: `no connection #${id}` });
  wsList(id, exchange);
  if (record.state.kind !== "active") refuse("the connection has ended");
  let payload = text;
  if (kind === "binary") {
    const digits = text.replace(/[\s:]/g, "");
    if (digits.length % 2 === 1) refuse(`${digits.length} hex digits: a byte takes two`);
    const pairs = digits.match(/../g) ?? [];
    const bad = pairs.find((p) => !/^[0-9a-f]{2}$/i.test(p));
    if (bad !== undefined) refuse(`"${bad}" is not a byte in hex (00 to ff)`);
    payload = pairs.map((p) => String.fromCharCode(parseInt(p, 16))).join("");
  }
  addWsMessage(id, { direction, opcode: kind, payload, injected: true });
  return null;
}

function readMessageView({ id, exchange, index, view, offset }: ReadMessageViewArgs): ViewPage {
  const message =
    payloadsOf(id, exchange)[index] ?? reject({ kind: "not_found", message: `no message ${index} in #${id}` });
  const source = message.payload;
  const slice = source.slice(offset, offset + PAGE);
  const page = {
    offset,
    next_offset: offset + PAGE < source.length ? offset + PAGE : null,
    total: source.length,
    truncated: false,
  };
  const shown = view === "auto" && message.binary ? "hex" : view;
  if (shown === "hex") return { ...page, view: "hex", text: hexDump(slice, offset), note: null };
  if (shown === "json" || shown === "auto") {
    try {
      return { ...page, view: "json", text: JSON.stringify(JSON.parse(slice), null, 2), note: null };
    } catch {
      if (shown === "json") return { ...page, view: "raw", text: slice, note: "not valid JSON: showing raw" };
    }
  }
  return { ...page, view: "raw", text: slice, note: null };
}

const WS_REQUEST = "GET /chat HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
const WS_RESPONSE = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";

/** Connection `record` with its WebSocket exchange's counts from the messages kept. */
function withWsCounts(record: ConnectionRecord): ConnectionRecord {
  const list = wsMessages.get(`${record.id}:0`) ?? [];
  const [exchange] = record.exchanges;
  const websocket = wsSummary(list, [exchange!.request.end, exchange!.response!.end]);
  return { ...record, exchanges: [{ ...exchange!, websocket }] };
}

const SAVE_EXTENSIONS: Record<SaveFormat, string> = { session: "tcpmon", text: "txt", har: "har", curl: "sh" };

/** One table row as `search` sees it. */
type SearchRow = {
  ref: RowRef;
  method: string;
  url: string;
  host: string;
  path: string;
  status: string;
  headers: [string, string][];
  bodies: string;
};

function searchRows(record: ConnectionRecord): SearchRow[] {
  const target = record.target ? `${record.target.host}:${record.target.port}` : "";
  if (record.exchanges.length === 0) {
    const raw =
      capturedText(record.id, "client_to_server", record) + capturedText(record.id, "server_to_client", record);
    return [{ ref: [record.id, null], method: "", url: "", host: target, path: "", status: "", headers: [], bodies: raw }];
  }
  const { requests, responses } = messagesOf(record);
  return record.exchanges.map((ex, i) => {
    const absolute = ex.target.includes("://") || ex.method === "CONNECT";
    const host = ex.host ?? target;
    const url = absolute ? ex.target : `http://${host}${ex.target}`;
    return {
      ref: [record.id, i],
      method: ex.method,
      url,
      host,
      path: absolute ? ex.target.replace(/^[a-z]+:\/\/[^/]*/i, "") : ex.target,
      status: ex.status === null ? "" : String(ex.status),
      headers: [...(requests[i]?.headers ?? []), ...(responses[i]?.headers ?? [])],
      bodies: `${requests[i]?.body ?? ""}\n${responses[i]?.body ?? ""}`,
    };
  });
}

/** One term of the query language of docs/ipc.md, as a test on a row. */
function term(text: string): (row: SearchRow) => boolean {
  const has = (hay: string, needle: string) => hay.toLowerCase().includes(needle.toLowerCase());
  const regex = text.match(/^\/(.*)\/$/s);
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex[1]!, "i");
    } catch (error) {
      return reject({
        kind: "invalid_input",
        message: `not a regular expression: ${(error as Error).message}`,
        field: "search",
      });
    }
    return (row) =>
      [row.method, row.url, row.status, row.headers.map(([n, v]) => `${n}: ${v}`).join("\n"), row.bodies].some(
        (field) => re.test(field),
      );
  }
  const colon = text.indexOf(":");
  const [key, value] = colon > 0 ? [text.slice(0, colon).toLowerCase(), text.slice(colon + 1)] : ["", text];
  switch (key) {
    case "method":
      return (row) => row.method.toLowerCase() === value.toLowerCase();
    case "status":
      return /^\dxx$/i.test(value)
        ? (row) => row.status.startsWith(value[0]!)
        : (row) => row.status === value;
    case "host":
      return (row) => has(row.host, value);
    case "path":
      return (row) => has(row.path, value);
    case "header": {
      const equals = value.indexOf("=");
      const [name, wanted] = equals < 0 ? [value, null] : [value.slice(0, equals), value.slice(equals + 1)];
      return (row) =>
        row.headers.some(([n, v]) => n.toLowerCase() === name.toLowerCase() && (wanted === null || has(v, wanted)));
    }
    case "body":
      return (row) => has(row.bodies, value);
    default:
      return (row) => [row.method, row.url, row.host, row.status].some((field) => has(field, text));
  }
}

function search(session: number | null, query: string): RowRef[] {
  const tests = (query.match(/-?\/(?:[^/\\]|\\.)*\/|\S+/g) ?? []).map((t) => {
    const negated = t.startsWith("-") && t.length > 1;
    const test = term(negated ? t.slice(1) : t);
    return negated ? (row: SearchRow) => !test(row) : test;
  });
  const scope = session === null ? [...records.values()] : (config.session?.connections ?? []);
  return scope.flatMap(searchRows).filter((row) => tests.every((test) => test(row))).map((row) => row.ref);
}

/** The Sender: a listener-0 connection that sends, then (a moment later) has its answer. */
// --- Compare, the simple way: lines paired by position, changed words by position too.

/** One side of exchange `index` of connection `id` as `compare` reads it: head less ignored headers, body (JSON indented). */
function comparable(id: number, index: number, direction: Direction, options: CompareOptions): string[] {
  const record = records.get(id) ?? sessionRecord(id) ?? reject({ kind: "not_found", message: `no connection ${id}` });
  const exchange =
    record.exchanges[index] ?? reject({ kind: "not_found", message: `connection ${id} has no exchange ${index}` });
  const span = direction === "client_to_server" ? exchange.request : exchange.response;
  const text = span === null ? "" : capturedText(id, direction, record).slice(span.start, span.end);
  const end = text.search(HEAD_END);
  const ignored = new Set(options.ignore_headers.map((name) => name.toLowerCase()));
  const head = (end < 0 ? text : text.slice(0, end))
    .split(/\r?\n/)
    .filter((line, i) => i === 0 || !ignored.has(line.slice(0, line.indexOf(":")).trim().toLowerCase()));
  let body = end < 0 ? "" : text.slice(end).replace(HEAD_END, "");
  try {
    const sorted = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sorted)
        : value !== null && typeof value === "object"
          ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)]))
          : value;
    const json: unknown = JSON.parse(body);
    if (!options.raw) body = JSON.stringify(options.ignore_key_order ? sorted(json) : json, null, 2);
  } catch {
    // Not JSON: compared as it is.
  }
  return body === "" ? head : [...head, "", ...body.split("\n")];
}

function sideBySide(old: string[], next: string[]): DiffRows {
  const rows: DiffRow[] = [];
  const line = (number: number, words: string[], other: string[]): DiffLine => ({
    number,
    parts: words.map((text, i) => ({ text, changed: text !== other[i] })),
  });
  for (let i = 0; i < Math.max(old.length, next.length); i++) {
    const a = old[i];
    const b = next[i];
    const [wa, wb] = [a?.split(/(?<= )/) ?? [], b?.split(/(?<= )/) ?? []];
    const kind: DiffRowKind = a === b ? "same" : a === undefined ? "added" : b === undefined ? "removed" : "changed";
    rows.push({
      kind,
      old: a === undefined ? null : line(i + 1, wa, kind === "changed" ? wb : wa),
      new: b === undefined ? null : line(i + 1, wb, kind === "changed" ? wa : wb),
    });
  }
  return { rows, same: old.join("\n") === next.join("\n"), cut: false };
}

function compare({ left, right, options }: Commands["compare"]["args"]): Comparison {
  const side = (direction: Direction) =>
    sideBySide(comparable(...left, direction, options), comparable(...right, direction, options));
  return { request: side("client_to_server"), response: side("server_to_client") };
}

function sendRequest(request: SendRequest): number {
  if (config.sendError) reject(config.sendError);
  if (!/^https?:\/\//i.test(request.url)) {
    reject({ kind: "invalid_input", message: "the Sender speaks http:// and https://", field: "url" });
  }
  const url = new URL(request.url);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const named = (name: string) => request.headers.some(([n]) => n.toLowerCase() === name);
  const head = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`];
  if (!named("host")) head.push(`Host: ${url.host}`);
  for (const [name, value] of request.headers) head.push(`${name}: ${value}`);
  if (request.body !== "" && !named("content-length")) head.push(`Content-Length: ${request.body.length}`);
  const text = `${head.join("\r\n")}\r\n\r\n${request.body}`;
  const base = makeRecord(
    0,
    {
      client: `127.0.0.1:${52000 + (nextConnection % 1000)}`,
      target: { host: url.hostname, port },
      listen_port: 0,
      state: { kind: "active" },
      closed_at: null,
      request_line: head[0]!,
    },
    { client_to_server: text, server_to_client: "" },
  );
  records.set(base.id, base);
  void send([{ kind: "connection_opened", record: base }]);
  setTimeout(() => {
    const refused = url.hostname.endsWith(".invalid");
    const soap = /xml/i.test(request.headers.find(([n]) => n.toLowerCase() === "content-type")?.[1] ?? "");
    const body = soap
      ? `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
        `<soapenv:Body><ok/></soapenv:Body></soapenv:Envelope>`
      : JSON.stringify({ method: request.method, path: url.pathname });
    const answer = refused
      ? ""
      : `HTTP/1.1 200 OK\r\nContent-Type: ${soap ? "text/xml" : "application/json"}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}`;
    captured.set(`${base.id}:server_to_client`, answer);
    const done: ConnectionRecord = {
      ...base,
      closed_at: base.accepted_at + 9000,
      state: refused ? { kind: "failed", reason: `cannot resolve ${url.hostname}` } : { kind: "done" },
      bytes: [text.length, answer.length],
    };
    done.exchanges = exchangesOf(done, text, answer);
    records.set(done.id, done);
    void send([{ kind: "connection_changed", record: done }]);
  }, 150);
  return base.id;
}

/** The fake's answer to each command: the generated contract's arguments in, its answer out. */
type Handlers = { [C in keyof Commands]: (args: Commands[C]["args"]) => Commands[C]["result"] };

/** Messages paused at breakpoints, by id, with the editor's view of each. */
const paused = new Map<number, PausedView>();
let nextPause = 1;

/** A paused message leaves, as the engine says so. */
function unpause(id: number, how: string) {
  if (!paused.delete(id)) {
    reject({ kind: "not_found", message: `no paused message ${id} (it went on, or its connection ended)` });
  }
  void send([{ kind: "message_resumed", id, how }]);
}

const snapshot = () => ({
  seq,
  listeners: [...listeners.values()],
  connections: [...records.values()],
  paused: [...paused.values()].map((v) => v.message),
});

const handlers: Handlers = {
  startup: () => ({
    snapshot: snapshot(),
    selected_listener: config.selected_listener ?? null,
    settings,
    launch_error: null,
    left_captures: leftCaptures,
  }),
  snapshot,
  add_listener: ({ form }) => setListener(configure(form, nextListener++)),
  check_bind: ({ addr }) => checkBind(addr),
  update_listener: ({ id, form }) => {
    knownListener(id);
    return setListener(configure(form, id));
  },
  start_listener: ({ id }) => setListener({ ...knownListener(id), running: true }),
  stop_listener: ({ id }) => setListener({ ...knownListener(id), running: false, local_addr: null }),
  remove_listener: ({ id }) => {
    knownListener(id);
    listeners.delete(id);
    void send([{ kind: "listener_removed", id }]);
    return null;
  },
  remove_connections: ({ ids }) => {
    void send([{ kind: "connections_removed", ids: ids.filter((id) => records.delete(id)) }]);
    return null;
  },
  read_view: readView,
  read_server_side: readServerSide,
  exchange_messages: ({ id, exchange, from, count }) => {
    const to = from + Math.min(count, 1000);
    const events = sseEvents.get(`${id}:${exchange}`);
    if (events) return { total: events.length, rows: events.slice(from, to).map((e, i) => eventRow(e, from + i)) };
    const list = wsList(id, exchange);
    return { total: list.length, rows: list.slice(from, to).map((m, i) => wsRow(m, from + i)) };
  },
  read_message_view: readMessageView,
  send_websocket: sendWebsocket,
  resend: ({ id, edited, exchange }) => {
    const original = records.get(id) ?? reject({ kind: "not_found", message: "no such connection" });
    let request = edited;
    if (request === null) {
      request = capturedText(original.id, "client_to_server", original);
      const span = exchange === null ? null : original.exchanges[exchange]?.request;
      if (span) request = request.slice(span.start, span.end);
    }
    const record = makeRecord(
      original.listener,
      { client: "resend", resend_of: original.id, request_line: request.split(/\r?\n/)[0]! },
      { client_to_server: request },
    );
    records.set(record.id, record);
    void send([{ kind: "connection_opened", record }]);
    return record.id;
  },
  save_connections: ({ ids, format, exchanges: rows }) => {
    if (config.cancelSave) return null;
    // As tcpmon_relay::export::save counts: connections for a session and for text of whole
    // connections, one entry per row for text of rows, exchanges only for HAR and curl.
    const exchangeRows: RowRef[] =
      rows ?? ids.flatMap((id) => (records.get(id)?.exchanges ?? []).map((_, i): RowRef => [id, i]));
    const count =
      format === "session" || (format === "text" && rows === null)
        ? ids.length
        : format === "text"
          ? rows!.length
          : exchangeRows.filter(([, exchange]) => exchange !== null).length;
    return { path: `/home/dev/captures/checkout.${SAVE_EXTENSIONS[format]}`, count };
  },
  search: ({ session, query }) => ({ rows: search(session, query) }),
  compare,
  send_request: ({ request }) => sendRequest(request),
  open_session: () => config.session ?? null,
  close_session: () => null,
  open_left_capture: ({ path }) => {
    const capture = leftCapture(path);
    const opened = config.leftSession ?? reject({ kind: "session", message: "not a TCPMon session file" });
    return { ...opened, name: capture.path.split("/").pop()! };
  },
  discard_left_capture: ({ path }) => {
    const capture = leftCapture(path);
    leftCaptures = leftCaptures.filter((c) => c !== capture);
    return null;
  },
  set_capture_limit: ({ limit }) => {
    captureLimit = parseLimit(limit);
    return captureLimit;
  },
  // As Rust: "" clears; a .proto that does not end with a newline stands for a broken file.
  set_proto_file: ({ path }) => {
    if (path.trim() === "") return [];
    if (!path.endsWith(".proto") && !path.endsWith(".pb")) {
      reject({ kind: "invalid_input", message: `${path}: not a FileDescriptorSet`, field: "proto_file" });
    }
    return ["demo.shop.Shop"];
  },
  save_settings: (args) => {
    settings = args.settings;
    return null;
  },
  pick_target_ca: () => (config.pickedCa === undefined ? ["/home/dev/certs/dev-server.pem"] : config.pickedCa),
  export_ca: () => "/home/dev/tcpmon-ca.pem",
  import_rules: () => (config.importedRules === undefined ? null : checkedRules(config.importedRules)),
  export_rules: ({ text }) => {
    checkedRules({ text, folder: "/home/dev" });
    return "/home/dev/rules.json";
  },
  // The first rule acted twice, the others never.
  rule_hits: ({ id }) => {
    const rules = knownListener(id).config.rules;
    return rules ? (JSON.parse(rules.text) as unknown[]).map((_, i) => (i === 0 ? 2 : 0)) : [];
  },
  paused_message: ({ id }) =>
    paused.get(id) ?? reject({ kind: "not_found", message: `no paused message ${id} (it went on, or its connection ended)` }),
  resume_paused: ({ id, decision }) => {
    if (decision.kind === "respond" && !/^HTTP\/1\.[01] \d{3}/.test(decision.response)) {
      reject({
        kind: "invalid_input",
        message: "the text does not start with an HTTP head: a request or status line, headers, then a blank line",
        field: "paused",
      });
    }
    unpause(id, { continue: "continued", drop: "dropped (the connection was closed)", respond: "answered from the app" }[decision.kind]);
    return null;
  },
  continue_all: ({ listener }) => {
    const ids = [...paused.values()].filter((v) => listener === null || v.message.listener === listener);
    ids.forEach((v) => unpause(v.message.id, "continued unchanged"));
    return ids.length;
  },
  load_response: () => config.responseFile ?? null,
  // As Rust: the exchange's method and path, its response's status and body, added last.
  mock_from_row: ({ id, exchange }) => {
    const record = records.get(id) ?? reject({ kind: "not_found", message: `no connection #${id}` });
    const ex = record.exchanges[exchange] ?? reject({ kind: "not_found", message: `no exchange ${exchange}` });
    const response = capturedText(id, "server_to_client", record).slice(ex.response!.start, ex.response!.end);
    const body = response.slice(response.search(HEAD_END)).replace(HEAD_END, "");
    const listener = knownListener(record.listener);
    const rules = JSON.parse(listener.config.rules?.text ?? "[]") as unknown[];
    const when = `method:${ex.method} path:${ex.target.split("?")[0]}`;
    rules.push({ when, then: { mock: { status: ex.status, headers: {}, body } } });
    const text = JSON.stringify(rules, null, 2);
    const folder = listener.config.rules?.folder ?? "";
    return setListener({ ...listener, config: { ...listener.config, rules: { text, folder } } });
  },
  status: () => ({ capture_bytes: 48_213_504, capture_limit: captureLimit, recording_stopped: recordingStopped }),
};

function handle(cmd: string, args: Record<string, unknown>): unknown {
  calls.push({ cmd, args: structuredClone(args) });
  if (!Object.prototype.hasOwnProperty.call(handlers, cmd)) {
    // As Tauri refuses a command it does not know: a bare string, which the UI calls "unknown".
    throw `command ${cmd} not found`;
  }
  return (handlers[cmd as keyof Commands] as (args: unknown) => unknown)(args);
}

mockIPC((cmd, args) => handle(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true });

/**
 * Flooded records share one generated exchange (shifted to their own times), so 100,000 of
 * them cost no parsing: the page under test is what is measured, not the fake.
 */
let floodSample: ConnectionRecord | null = null;
function floodTemplate(listener: number): Partial<ConnectionRecord> {
  const id = nextConnection;
  floodSample ??= makeRecord(listener, { id: 0 });
  const by = id * 1_250_000;
  const shift = (span: Span): Span => ({ ...span, first_at: span.first_at + by, last_at: span.last_at + by });
  const exchanges = floodSample.exchanges.map((ex) => ({
    ...ex,
    target: `/api/items/${id}`,
    request: shift(ex.request),
    response: ex.response && shift(ex.response),
  }));
  // The texts the exchanges point into: one shared pair of strings, not 100,000.
  captured.set(`${id}:client_to_server`, capturedText(0, "client_to_server", floodSample));
  captured.set(`${id}:server_to_client`, capturedText(0, "server_to_client", floodSample));
  return { id, exchanges, bytes: floodSample.bytes };
}

/** What tests call inside the page. */
/** A certificate with a fingerprint of its own (the engine's form: upper-case hex pairs). */
function certificate(subject: string, issuer: string, names: string[], seed: number): CertificateFacts {
  const sha256 = Array.from({ length: 32 }, (_, i) => ((seed * 31 + i * 17) % 256).toString(16).padStart(2, "0"))
    .join(":")
    .toUpperCase();
  return {
    subject,
    issuer,
    names,
    not_before: "2026-05-01T10:00:00Z",
    not_after: "2027-05-01T10:00:00Z",
    sha256,
  };
}

/**
 * What a TLS 1.3 handshake on `side` records, with the chain presented (leaf first): towards a
 * client, TCPMon's leaf for `name` and its CA; towards the target, the target's leaf and the CA
 * that issued it. `overrides` replaces any of it.
 */
function tlsFacts(side: "client" | "target", name = "localhost", overrides: Partial<TlsFacts> = {}): TlsFacts {
  const ca = side === "client" ? "CN=TCPMon CA, O=TCPMon" : "CN=Dev Root CA, O=Example Dev";
  return {
    version: "1.3",
    cipher: "TLS13_AES_256_GCM_SHA384",
    alpn: "http/1.1",
    server_name: name,
    verified: true,
    trust: side === "client" ? "local_ca" : "system_store",
    chain: [certificate(`CN=${name}`, ca, [name], name.length), certificate(ca, ca, [], 7)],
    completed_at: (START_MS - 30_000) * 1000,
    ...overrides,
  };
}

const fake = {
  calls,
  /** Keeps `text` as the server's side of a message TCPMon changed, and lists it on the record. */
  serverSide(id: number, exchange: number, direction: Direction, text: string): void {
    serverSides.set(`${id}:${exchange}:${direction}`, text);
    const record = records.get(id)!;
    const changed = { ...record, server_side: [...(record.server_side ?? []), { exchange, direction }] };
    records.set(id, changed);
    void send([{ kind: "connection_changed", record: changed }]);
  },
  /** Pauses exchange `exchange` of connection `connection` at a breakpoint; its id. */
  pause(
    connection: number,
    phase: PausedMessage["phase"],
    text: string,
    overrides: Partial<PausedMessage> = {},
    bodyKept: string | null = null,
  ): number {
    const record = records.get(connection)!;
    const message: PausedMessage = {
      id: nextPause++,
      listener: record.listener,
      connection,
      exchange: 0,
      phase,
      rule: 1,
      summary: text.split("\n")[0],
      since: Date.now() * 1000,
      body_held: bodyKept === null,
      ...overrides,
    };
    paused.set(message.id, { message, text, body_kept: bodyKept });
    void send([{ kind: "message_paused", message }]);
    return message.id;
  },
  tlsFacts,
  callsTo: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
  /** Opens a connection on `listener` now; returns its id. */
  open(
    listener: number,
    overrides: Partial<ConnectionRecord> = {},
    texts: Partial<Record<Direction, string>> = {},
  ): number {
    const record = makeRecord(listener, overrides, texts);
    records.set(record.id, record);
    void send([{ kind: "connection_opened", record }]);
    return record.id;
  },
  /**
   * Appends captured text to a live connection and reports the progress, with the exchanges
   * that changed (from the first one that differs), as the shell does.
   */
  grow(id: number, direction: Direction, more: string): void {
    const text = capturedText(id, direction) + more;
    captured.set(`${id}:${direction}`, text);
    const record = records.get(id)!;
    const bytes: [number, number] = [...record.bytes];
    bytes[direction === "client_to_server" ? 0 : 1] = text.length;
    const exchanges = exchangesOf(
      record,
      capturedText(id, "client_to_server"),
      capturedText(id, "server_to_client"),
    );
    let from = 0;
    while (
      from < exchanges.length &&
      from < record.exchanges.length &&
      JSON.stringify(exchanges[from]) === JSON.stringify(record.exchanges[from])
    ) {
      from += 1;
    }
    records.set(id, { ...record, bytes, exchanges });
    const changed = from < exchanges.length || exchanges.length !== record.exchanges.length;
    void send([
      changed
        ? { kind: "connection_progress", id, bytes, exchanges_from: from, exchanges: exchanges.slice(from) }
        : { kind: "connection_progress", id, bytes },
    ]);
  },
  /** `count` connections on `listener`, emitted in batches like the shell's 5-per-second bridge. */
  async flood(listener: number, count: number, batch = 10_000): Promise<void> {
    for (let done = 0; done < count; done += batch) {
      const bodies: EventBody[] = [];
      for (let i = 0; i < Math.min(batch, count - done); i++) {
        const record = makeRecord(listener, floodTemplate(listener));
        records.set(record.id, record);
        bodies.push({ kind: "connection_opened", record });
      }
      await send(bodies);
    }
  },
  /**
   * A live WebSocket on `listener` (a 101 exchange) that carried `messages` so far (`overrides`:
   * say, a state that has ended); returns its connection's id.
   */
  websocket(listener: number, messages: FakeWsMessage[], overrides: Partial<ConnectionRecord> = {}): number {
    const base = makeRecord(
      listener,
      { state: { kind: "active" }, closed_at: null, request_line: WS_REQUEST.split("\r\n")[0]!, ...overrides },
      { client_to_server: WS_REQUEST, server_to_client: WS_RESPONSE },
    );
    wsMessages.set(
      `${base.id}:0`,
      messages.map((m, i) => ({ ...m, at: base.accepted_at + 5000 + i * 1000 })),
    );
    const record = withWsCounts(base);
    records.set(record.id, record);
    void send([{ kind: "connection_opened", record }]);
    return record.id;
  },
  /** One more message on WebSocket `id`: its exchange's counts go out as the shell's progress does. */
  wsMessage: addWsMessage,
  /** A live event stream on `listener` (GET /events, answered text/event-stream) that carried
   * `events` so far; returns its connection's id. */
  events(listener: number, events: FakeEvent[]): number {
    const body = events
      .map((e) => `${e.event ? `event: ${e.event}\n` : ""}${e.id ? `id: ${e.id}\n` : ""}data: ${e.data}\n\n`)
      .join("");
    const base = makeRecord(
      listener,
      { state: { kind: "active" }, closed_at: null, request_line: "GET /events HTTP/1.1" },
      {
        client_to_server: "GET /events HTTP/1.1\r\nHost: example.org\r\nAccept: text/event-stream\r\n\r\n",
        server_to_client: `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      },
    );
    sseEvents.set(
      `${base.id}:0`,
      events.map((e, i) => ({ ...e, at: base.accepted_at + 5000 + i * 1000 })),
    );
    const [exchange] = base.exchanges;
    const record = { ...base, exchanges: [{ ...exchange!, sse: { events: events.length } }] };
    records.set(record.id, record);
    void send([{ kind: "connection_opened", record }]);
    return record.id;
  },
  send,
  settings: () => settings,
  /** Recording stops (with why) or resumes (null): the status command says so, and an event. */
  recording(stopped: string | null): Promise<void> {
    recordingStopped = stopped;
    return send([{ kind: "recording_changed", stopped }]);
  },
  /** The captures a crash left that are still there. */
  leftCaptures: () => leftCaptures,
};
(window as unknown as { fake: typeof fake }).fake = fake;
