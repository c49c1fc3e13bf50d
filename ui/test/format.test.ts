import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clientText,
  elapsedMs,
  formatBytes,
  formatCount,
  formatTime,
  hostPort,
  listenerPort,
  requestText,
  stateLook,
  targetText,
} from "../src/format";
import { listener, record } from "./fixtures";

test("time reads as local yyyy-MM-dd HH:mm:ss", () => {
  const local = new Date(2026, 0, 5, 9, 7, 3, 999);
  assert.equal(formatTime(local.getTime() * 1000 + 123), "2026-01-05 09:07:03");
});

test("sizes use binary units with at most three significant digits", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(150 * 1024), "150 KiB");
  assert.equal(formatBytes(5 * 1024 ** 3), "5.0 GiB");
});

test("counts group thousands the same on every machine", () => {
  assert.equal(formatCount(0), "0");
  assert.equal(formatCount(100000), "100,000");
  assert.equal(formatCount(1234567), "1,234,567");
});

test("IPv6 hosts get brackets so the port stays apart, once", () => {
  assert.equal(hostPort("example.org", 80), "example.org:80");
  assert.equal(hostPort("::1", 8080), "[::1]:8080");
  assert.equal(hostPort("[::1]", "8080"), "[::1]:8080");
});

test("elapsed time runs until close, in whole milliseconds", () => {
  const open = record(1, { accepted_at: 1_000_000 });
  assert.equal(elapsedMs(open, 1_250_999), 250);
  assert.equal(elapsedMs({ ...open, closed_at: 1_012_000 }, 9_999_999), 12);
});

test("the request column shows the request line, raw for other streams, blank before any byte", () => {
  assert.equal(requestText(record(1, { request_line: "GET / HTTP/1.1" })), "GET / HTTP/1.1");
  assert.equal(requestText(record(1, { bytes: [12, 0] })), "raw");
  assert.equal(requestText(record(1)), "");
});

test("resent rows say which row they resend", () => {
  assert.equal(clientText(record(3, { client: "resend", resend_of: 12 })), "↻ resend of #12");
  assert.equal(clientText(record(3)), "127.0.0.1:50000");
});

test("a proxy row without an origin yet shows a dash as target", () => {
  assert.equal(targetText(record(1, { target: null })), "—");
});

test("a failed state shows Error with the reason as its tooltip", () => {
  assert.deepEqual(stateLook({ kind: "failed", reason: "connection refused" }), {
    label: "Error",
    tone: "failed",
    title: "connection refused",
  });
  assert.equal(stateLook({ kind: "client_done" }).label, "Resp");
});

test("a listener's port is the real one from local_addr, else the configured one", () => {
  assert.equal(listenerPort(listener(1, { local_addr: "[::1]:41234" })), 41234);
  assert.equal(listenerPort(listener(1, { local_addr: null })), 8081);
});
