/** Records and events for the unit tests, with only what a test cares about spelled out. */
import type { ConnectionRecord, EngineEvent, Exchange, ListenerInfo, PausedMessage, Span } from "../src/types";

export function record(id: number, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    id,
    listener: 1,
    listen_port: 8081,
    client: "127.0.0.1:50000",
    target: { host: "example.org", port: 80 },
    accepted_at: 1_700_000_000_000_000,
    connected_at: null,
    closed_at: null,
    state: { kind: "active" },
    bytes: [0, 0],
    truncated: [false, false],
    resend_of: null,
    request_line: null,
    exchanges: [],
    ...overrides,
  };
}

const T0 = 1_700_000_000_000_000;

export function span(overrides: Partial<Span> = {}): Span {
  return {
    start: 0,
    head_at: 0,
    head_len: 40,
    end: 40,
    body_len: 0,
    complete: true,
    first_at: T0,
    last_at: T0,
    ...overrides,
  };
}

/** A finished GET / answered 200, unless overridden. */
export function exchange(overrides: Partial<Exchange> = {}): Exchange {
  return {
    method: "GET",
    target: "/",
    version: 1,
    host: "example.org",
    request: span(),
    response: span({ head_len: 60, end: 72, body_len: 12, first_at: T0 + 3000, last_at: T0 + 5000 }),
    status: 200,
    reason: "OK",
    interim: [],
    tunnel: false,
    note: null,
    ...overrides,
  };
}

export function listener(id: number, overrides: Partial<ListenerInfo> = {}): ListenerInfo {
  return {
    id,
    config: {
      bind: "127.0.0.1",
      port: 8081,
      mode: { kind: "forward", target: { host: "example.org", port: 80 } },
      upstream_proxy: null,
      slow_link: null,
      connect_timeout: 10_000,
      rewrite_host: false,
      allow_loopback_targets: false,
      proxy_auth: null,
      idle_timeout: null,
      max_connections: null,
      target_tls: null,
      listen_tls: false,
      listen_alpn: [],
      decrypt_tls: false,
      no_decrypt: [],
      faults: [],
      rules: null,
    },
    local_addr: "127.0.0.1:8081",
    running: true,
    error: null,
    ...overrides,
  };
}

export const opened = (seq: number, r: ConnectionRecord): EngineEvent => ({
  seq,
  kind: "connection_opened",
  record: r,
});

/** A message paused at a breakpoint: request `id` of connection `connection` on listener 1. */
export function pausedMessage(id: number, connection: number, overrides: Partial<PausedMessage> = {}): PausedMessage {
  return {
    id,
    listener: 1,
    connection,
    exchange: 0,
    phase: "request",
    rule: 1,
    summary: "POST /orders HTTP/1.1",
    since: 1_000_000,
    body_held: true,
    ...overrides,
  };
}
