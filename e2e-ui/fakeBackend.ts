/**
 * A fake Rust shell for the UI tests: answers the commands of docs/ipc.md with plausible data and
 * emits `engine-events`, through Tauri's own mockIPC, so the app under test runs unchanged.
 * Bundled as an IIFE and injected before the app's script. Tests drive it through `window.fake`
 * and configure it with `window.fakeConfig` (set by an earlier init script).
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type {
  CommandError,
  ConnectionRecord,
  Direction,
  EngineEvent,
  ListenerForm,
  ListenerInfo,
  OpenedSession,
  ViewKind,
  ViewPage,
} from "../ui/src/types";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type EventBody = DistributiveOmit<EngineEvent, "seq">;

export type FakeConfig = {
  listeners?: ListenerInfo[];
  connections?: ConnectionRecord[];
  selected_listener?: number | null;
  settings?: unknown;
  /** Ports add_listener refuses as in use. */
  portsInUse?: number[];
  /** Source bytes per read_view page (Rust uses ~256 KiB). */
  pageSize?: number;
  session?: OpenedSession | null;
  /** save_connections answers null, as when the user cancels the dialog. */
  cancelSave?: boolean;
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
let settings: unknown = config.settings ?? null;

const reject = (error: CommandError): never => {
  throw error;
};

function send(bodies: EventBody[], lagged = false): Promise<void> {
  const events = bodies.map((body) => ({ ...body, seq: ++seq }) as EngineEvent);
  return emit("engine-events", { events, lagged });
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
    },
    local_addr: `${form.bind.includes(":") ? `[${form.bind}]` : form.bind}:${port}`,
    running: true,
    error: null,
  };
}

function setListener(info: ListenerInfo): ListenerInfo {
  listeners.set(info.id, info);
  void send([{ kind: "listener_changed", listener: info }]);
  return info;
}

function knownListener(id: number): ListenerInfo {
  return listeners.get(id) ?? reject({ kind: "not_found", message: `no listener #${id}` });
}

function makeRecord(listener: number, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const id = overrides.id ?? nextConnection++;
  nextConnection = Math.max(nextConnection, id + 1);
  const info = listeners.get(listener);
  const target =
    info?.config.mode.kind === "forward" ? info.config.mode.target : { host: "example.org", port: 80 };
  const at = (START_MS - 40_000) * 1000 + id * 1_250_000;
  return {
    id,
    listener,
    listen_port: info ? Number(info.local_addr?.split(":").pop()) : 8081,
    client: `127.0.0.1:${50000 + (id % 10000)}`,
    target,
    accepted_at: at,
    connected_at: at + 800,
    closed_at: at + 1000 * (3 + (id % 40)),
    state: { kind: "done" },
    bytes: [96, 312],
    truncated: [false, false],
    resend_of: null,
    request_line: `GET /api/items/${id} HTTP/1.1`,
    ...overrides,
  };
}

function capturedText(id: number, direction: Direction): string {
  const text = captured.get(`${id}:${direction}`);
  if (text !== undefined) return text;
  const record = records.get(id) ?? sessionRecord(id);
  if (direction === "client_to_server") {
    const line = record?.request_line ?? `GET /api/items/${id} HTTP/1.1`;
    return `${line}\r\nHost: example.org\r\nUser-Agent: curl/8.5.0\r\nAccept: application/json\r\n\r\n`;
  }
  const body = JSON.stringify({ id, name: `item ${id}`, tags: ["alpha", "beta"], price: 12.5 });
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

function sessionRecord(id: number): ConnectionRecord | undefined {
  return config.session?.connections.find((c) => c.id === id);
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

function readView(id: number, direction: Direction, view: ViewKind, offset: number): ViewPage {
  const source = capturedText(id, direction);
  const slice = source.slice(offset, offset + PAGE);
  const next = offset + PAGE < source.length ? offset + PAGE : null;
  const page = {
    offset,
    next_offset: next,
    total: source.length,
    truncated: records.get(id)?.truncated[direction === "client_to_server" ? 0 : 1] ?? false,
  };
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

function handle(cmd: string, args: Record<string, unknown>): unknown {
  calls.push({ cmd, args: structuredClone(args) });
  const snapshot = () => ({ seq, listeners: [...listeners.values()], connections: [...records.values()] });
  switch (cmd) {
    case "startup":
      return { snapshot: snapshot(), selected_listener: config.selected_listener ?? null, settings };
    case "snapshot":
      return snapshot();
    case "add_listener":
      return setListener(configure(args.form as ListenerForm, nextListener++));
    case "update_listener":
      knownListener(args.id as number);
      return setListener(configure(args.form as ListenerForm, args.id as number));
    case "start_listener":
      return setListener({ ...knownListener(args.id as number), running: true });
    case "stop_listener":
      return setListener({ ...knownListener(args.id as number), running: false, local_addr: null });
    case "remove_listener":
      knownListener(args.id as number);
      listeners.delete(args.id as number);
      void send([{ kind: "listener_removed", id: args.id as number }]);
      return null;
    case "remove_connections": {
      const ids = (args.ids as number[]).filter((id) => records.delete(id));
      void send([{ kind: "connections_removed", ids }]);
      return null;
    }
    case "read_view":
      return readView(
        args.id as number,
        args.direction as Direction,
        args.view as ViewKind,
        args.offset as number,
      );
    case "resend": {
      const original =
        records.get(args.id as number) ?? reject({ kind: "not_found", message: "no such connection" });
      const edited = args.edited as string | null;
      const record = makeRecord(original.listener, {
        client: "resend",
        resend_of: original.id,
        request_line: edited === null ? original.request_line : edited.split(/\r?\n/)[0]!,
      });
      if (edited !== null) captured.set(`${record.id}:client_to_server`, edited);
      records.set(record.id, record);
      void send([{ kind: "connection_opened", record }]);
      return record.id;
    }
    case "save_connections":
      return config.cancelSave
        ? null
        : { path: "/home/dev/captures/checkout.tcpmon", count: (args.ids as number[]).length };
    case "open_session":
      return config.session ?? null;
    case "close_session":
      return null;
    case "save_settings":
      settings = args.settings;
      return null;
    case "status":
      return { capture_bytes: 48_213_504 };
    default:
      return reject({ kind: "unknown_command", message: `the fake backend has no ${cmd}` });
  }
}

mockIPC((cmd, args) => handle(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true });

/** What tests call inside the page. */
const fake = {
  calls,
  callsTo: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
  /** Opens a connection on `listener` now; returns its id. */
  open(
    listener: number,
    overrides: Partial<ConnectionRecord> = {},
    texts: Partial<Record<Direction, string>> = {},
  ): number {
    const record = makeRecord(listener, overrides);
    records.set(record.id, record);
    for (const [direction, text] of Object.entries(texts)) captured.set(`${record.id}:${direction}`, text);
    void send([{ kind: "connection_opened", record }]);
    return record.id;
  },
  /** Appends captured text to a live connection and reports the progress. */
  grow(id: number, direction: Direction, more: string): void {
    const text = capturedText(id, direction) + more;
    captured.set(`${id}:${direction}`, text);
    const record = records.get(id)!;
    const bytes: [number, number] = [...record.bytes];
    bytes[direction === "client_to_server" ? 0 : 1] = text.length;
    records.set(id, { ...record, bytes });
    void send([{ kind: "connection_progress", id, bytes }]);
  },
  /** `count` connections on `listener`, emitted in batches like the shell's 5-per-second bridge. */
  async flood(listener: number, count: number, batch = 10_000): Promise<void> {
    for (let done = 0; done < count; done += batch) {
      const bodies: EventBody[] = [];
      for (let i = 0; i < Math.min(batch, count - done); i++) {
        const record = makeRecord(listener);
        records.set(record.id, record);
        bodies.push({ kind: "connection_opened", record });
      }
      await send(bodies);
    }
  },
  send,
  settings: () => settings,
};
(window as unknown as { fake: typeof fake }).fake = fake;
