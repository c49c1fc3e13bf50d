/** How records and numbers read on screen. Pure, so the table and tests agree on every string. */
import type { ConnectionRecord, ConnectionState, ListenerInfo } from "./types";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Local time as yyyy-MM-dd HH:mm:ss, the format Apache TCPMon used, from µs since the epoch. */
export function formatTime(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** 1234567 -> "1,234,567"; fixed separators so output does not depend on the machine's locale. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
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
