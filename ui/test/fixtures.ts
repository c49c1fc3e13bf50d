/** Records and events for the unit tests, with only what a test cares about spelled out. */
import type { ConnectionRecord, EngineEvent, ListenerInfo } from "../src/types";

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
