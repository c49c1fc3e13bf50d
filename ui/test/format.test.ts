import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  captureText,
  clientText,
  elapsedMs,
  exchangeDurationMs,
  exchangeHost,
  exchangeLook,
  exchangeUrl,
  formatBytes,
  formatClock,
  formatCount,
  formatInstant,
  formatTime,
  hostPort,
  leftCapturesTitle,
  leftCaptureText,
  listenerPort,
  messageArrow,
  recordingText,
  requestText,
  rowWarning,
  savedUnit,
  spanTip,
  stateLook,
  statusClass,
  statusText,
  exchangeStatusText,
  grpcStatus,
  targetText,
  tlsMark,
  tlsSides,
  websocketText,
  certLines,
  truncationText,
} from "../src/format";
import type { CertificateFacts, TlsFacts } from "../src/types";
import { exchange, listener, record, span } from "./fixtures";

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

describe("exchange rows", () => {
  const conn = record(1, { target: { host: "10.0.0.2", port: 8080 } });

  test("URLs are absolute: as sent when absolute, CONNECT's authority, else Host or the target", () => {
    assert.equal(exchangeUrl(exchange({ target: "http://api.test/x?q=1" }), conn), "http://api.test/x?q=1");
    assert.equal(
      exchangeUrl(exchange({ method: "CONNECT", target: "secure.test:443", host: "secure.test:443" }), conn),
      "secure.test:443",
    );
    assert.equal(exchangeUrl(exchange({ target: "/a?b=c", host: "example.org" }), conn), "http://example.org/a?b=c");
    assert.equal(exchangeUrl(exchange({ target: "/a", host: null }), conn), "http://10.0.0.2:8080/a");
    const v6 = record(2, { target: { host: "::1", port: 81 } });
    assert.equal(exchangeUrl(exchange({ target: "/", host: null }), v6), "http://[::1]:81/");
    const unknown = record(3, { target: null });
    assert.equal(exchangeUrl(exchange({ target: "/", host: null }), unknown), "http:///");
  });

  test("a TLS client's URLs are https://", () => {
    const tls = record(4, { target: { host: "localhost", port: 4433 }, client_tls: facts() });
    assert.equal(exchangeUrl(exchange({ target: "/a", host: "localhost:8443" }), tls), "https://localhost:8443/a");
    const toTarget = record(5, { target: { host: "localhost", port: 4433 }, target_tls: facts() });
    const url = exchangeUrl(exchange({ target: "/a", host: null }), toTarget);
    assert.equal(url, "http://localhost:4433/a", "as the client asked");
  });

  test("the Host column: the Host header, an absolute target's authority, else the target", () => {
    assert.equal(exchangeHost(exchange({ host: "a.test" }), conn), "a.test");
    assert.equal(exchangeHost(exchange({ host: null, target: "http://b.test:81/x" }), conn), "b.test:81");
    assert.equal(exchangeHost(exchange({ host: null }), conn), "10.0.0.2:8080");
  });

  test("status shows interim answers first, and nothing before the response head", () => {
    assert.equal(statusText(exchange({ interim: [100], status: 200 })), "100→200");
    assert.equal(statusText(exchange({ status: 404 })), "404");
    assert.equal(statusText(exchange({ status: null, response: null })), "");
    assert.equal(statusClass(404), "4xx");
    assert.equal(statusClass(null), "");
  });

  test("a gRPC call's status, as the backend read it, follows the HTTP status", () => {
    const h2 = (grpc: { code: string; name: string | null } | null) =>
      exchange({
        version: 2,
        h2: { id: 1, request: null, response: { head: "", body: [], trailers: [] }, pushed_by: null, reset: false, grpc },
      });
    const ok = h2({ code: "0", name: "OK" });
    assert.deepEqual(grpcStatus(ok), { code: "0", name: "OK" });
    assert.equal(exchangeStatusText(ok), "200 OK");
    assert.equal(exchangeStatusText(h2({ code: "5", name: "NOT_FOUND" })), "200 NOT_FOUND");
    assert.deepEqual(grpcStatus(h2({ code: "42", name: null })), { code: "42", name: "?" });
    assert.equal(grpcStatus(h2(null)), null);
    assert.equal(exchangeStatusText(exchange({ status: 404 })), "404");
  });

  test("an exchange's state follows its request and response, and its connection's end", () => {
    const live = record(1, { state: { kind: "active" }, closed_at: null });
    const done = record(1, { state: { kind: "done" }, closed_at: 1 });
    const failed = record(1, { state: { kind: "failed", reason: "reset by peer" }, closed_at: 1 });
    const partial = span({ complete: false });
    assert.equal(exchangeLook(live, exchange()).label, "Done");
    assert.equal(exchangeLook(live, exchange({ response: null, request: partial })).label, "Req");
    assert.equal(exchangeLook(live, exchange({ response: null })).label, "Waiting");
    assert.equal(exchangeLook(live, exchange({ response: partial })).label, "Resp");
    assert.equal(exchangeLook(done, exchange({ response: null })).label, "No resp");
    assert.equal(exchangeLook(done, exchange({ response: partial })).label, "Cut");
    assert.deepEqual(exchangeLook(failed, exchange({ response: partial })), {
      label: "Error",
      tone: "failed",
      title: "reset by peer",
    });
    assert.equal(exchangeLook(live, exchange({ tunnel: true, method: "CONNECT" })).label, "Tunnel");
    assert.equal(exchangeLook(done, exchange({ tunnel: true, method: "CONNECT" })).label, "Done");
  });

  test("duration runs from the request's first byte to the response's last, or to now while live", () => {
    const live = record(1, { state: { kind: "active" }, closed_at: null });
    const ex = exchange();
    assert.equal(exchangeDurationMs(live, ex, 0), 5);
    const waiting = exchange({ response: null });
    assert.equal(exchangeDurationMs(live, waiting, waiting.request.first_at + 42_000), 42);
    const done = record(1, { state: { kind: "done" }, closed_at: 1 });
    assert.equal(exchangeDurationMs(done, waiting, Infinity), 0);
  });

  test("size tooltips give body, head and wire bytes", () => {
    assert.equal(
      spanTip("Response", span({ start: 0, head_len: 60, end: 1072, body_len: 1012 })),
      "Response: 1,012 B body, 60 B head, 1,072 B on the wire",
    );
    assert.match(spanTip("Request", span({ complete: false })), /\(so far\)$/);
    assert.equal(spanTip("Response", null), "Response: none yet");
  });

  test("the clock shows milliseconds", () => {
    const local = new Date(2026, 0, 5, 9, 7, 3, 45);
    assert.equal(formatClock(local.getTime() * 1000 + 999), "09:07:03.045");
    assert.equal(formatInstant(local.getTime() * 1000), "2026-01-05 09:07:03.045");
  });
});

/** The facts the TLS section shows (a record carries more, such as when the handshake ended). */
const facts = (overrides: Partial<TlsFacts> = {}) =>
  ({
    version: "1.3",
    cipher: "TLS13_AES_256_GCM_SHA384",
    alpn: null,
    server_name: "localhost",
    verified: true,
    trust: null,
    chain: [],
    ...overrides,
  }) as TlsFacts;

describe("TLS", () => {
  test("rows of a connection with TLS on either side carry a lock", () => {
    assert.equal(tlsMark(record(1)), "");
    assert.equal(tlsMark(record(1, { client_tls: facts() })), "🔒 ");
    assert.equal(tlsMark(record(1, { target_tls: facts() })), "🔒 ");
    assert.equal(tlsMark(record(1, { target_tls: null, client_tls: null })), "");
  });

  test("the TLS section has a part per side, saying how the certificate was taken", () => {
    assert.deepEqual(tlsSides(record(1)), []);
    const both = tlsSides(
      record(1, {
        client_tls: facts({ alpn: "http/1.1", trust: "local_ca" }),
        target_tls: facts({
          version: "1.2",
          cipher: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          server_name: null,
          verified: false,
          trust: "insecure",
        }),
      }),
    );
    assert.deepEqual(both, [
      {
        side: "client",
        title: "Client → TCPMon",
        text: "TLS 1.3 · TLS13_AES_256_GCM_SHA384 · ALPN http/1.1 · SNI localhost",
        trust: "client trusts TCPMon's CA",
        warn: false,
        chain: [],
      },
      {
        side: "target",
        title: "TCPMon → target",
        text: "TLS 1.2 · TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 · ALPN none · SNI none",
        trust: "NOT verified (Accept any certificate)",
        warn: true,
        chain: [],
      },
    ]);
    const target = (trust: TlsFacts["trust"]) => tlsSides(record(1, { target_tls: facts({ trust }) }))[0]!.trust;
    assert.equal(target("system_store"), "trusted (system store)");
    assert.equal(target("target_ca"), "trusted (Target CA)");
  });

  test("files from before the check was recorded fall back on verified", () => {
    const side = (tls: Partial<TlsFacts>, on: "client_tls" | "target_tls" = "target_tls") =>
      tlsSides(record(1, { [on]: facts({ trust: null, ...tls }) }))[0]!;
    assert.deepEqual([side({ verified: true }).trust, side({ verified: true }).warn], ["verified", false]);
    assert.deepEqual(
      [side({ verified: false }).trust, side({ verified: false }).warn],
      ["NOT verified (Accept any certificate)", true],
    );
    assert.equal(side({}, "client_tls").trust, "client trusts TCPMon's CA");
    const old = facts();
    delete (old as { chain?: unknown }).chain;
    delete (old as { trust?: unknown }).trust;
    assert.deepEqual(tlsSides(record(1, { target_tls: old }))[0]!.chain, [], "no chain in an old file");
  });

  test("each certificate of the chain, leaf first: subject, issuer, names, validity, fingerprint", () => {
    const leaf = cert({
      subject: "CN=localhost",
      issuer: "CN=TCPMon CA, O=TCPMon",
      names: ["localhost", "127.0.0.1"],
      not_before: "2026-05-01T10:00:00Z",
      not_after: "2027-05-01T10:00:00.5Z",
    });
    const ca = cert({ subject: "CN=TCPMon CA, O=TCPMon", issuer: "CN=TCPMon CA, O=TCPMon", names: [] });
    const middle = cert({ subject: "CN=Intermediate", issuer: "CN=Root" });
    const [side] = tlsSides(record(1, { client_tls: facts({ chain: [leaf, middle, ca] }) }));
    assert.deepEqual(side!.chain[0], {
      role: "leaf",
      subject: "CN=localhost",
      issuer: "CN=TCPMon CA, O=TCPMon",
      names: "localhost, 127.0.0.1",
      allNames: "localhost, 127.0.0.1",
      validity: "from 2026-05-01 10:00:00 UTC until 2027-05-01 10:00:00 UTC",
      sha256: leaf.sha256,
    });
    assert.deepEqual(
      side!.chain.map((c) => [c.role, c.names]),
      [
        ["leaf", "localhost, 127.0.0.1"],
        ["intermediate", "example.org"],
        ["root", "none"],
      ],
    );
    const many = Array.from({ length: 30 }, (_, i) => `host${i}.example`);
    const cdn = certLines(cert({ names: many, not_before: "not a time" }), 0);
    assert.equal(cdn.names, `${many.slice(0, 8).join(", ")} and 22 more`);
    assert.equal(cdn.allNames, many.join(", "));
    assert.match(cdn.validity, /^from not a time until /, "a time it cannot read, as it is");
    const unread = { subject: "(not a certificate TCPMon can read)", issuer: "", names: [], not_before: "", not_after: "" };
    assert.equal(certLines(cert(unread), 0).validity, "unknown");
  });
});

/** A certificate as the engine records it. */
const cert = (overrides: Partial<CertificateFacts> = {}): CertificateFacts => ({
  subject: "CN=example.org",
  issuer: "CN=Example CA",
  names: ["example.org"],
  not_before: "2026-01-01T00:00:00Z",
  not_after: "2027-01-01T00:00:00Z",
  sha256: Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, "0").toUpperCase()).join(":"),
  ...overrides,
});

test("a save's count names what it counts: connections, requests, or rows of text", () => {
  assert.equal(savedUnit("session", null), "connection");
  assert.equal(savedUnit("session", [[1, 0]]), "connection");
  assert.equal(savedUnit("text", null), "connection");
  // Text of picked rows: one entry per exchange, not per connection.
  assert.equal(savedUnit("text", [[1, 0], [1, 1]]), "request");
  assert.equal(savedUnit("text", [[1, 0], [2, null]]), "row");
  assert.equal(savedUnit("har", null), "request");
  assert.equal(savedUnit("har", [[1, 1]]), "request");
  assert.equal(savedUnit("curl", [[3, 0]]), "request");
});

describe("capture", () => {
  test("the status line's capture figure names the limit when there is one", () => {
    assert.equal(captureText(null, null), "capture …");
    assert.equal(captureText(1536, null), "capture 1.5 KiB");
    assert.equal(captureText(48_213_504, 500 * 1024 * 1024), "capture 46.0 MiB of 500 MiB");
  });

  test("recording stopped is said with its reason, and that relaying goes on", () => {
    assert.equal(recordingText("the disk is full"), "Recording stopped: the disk is full (relaying goes on)");
    assert.equal(
      truncationText("the capture limit of 1 MiB was reached"),
      "Recording stopped: the capture limit of 1 MiB was reached. Relaying went on; later bytes were not recorded.",
    );
    assert.match(truncationText(undefined), /^Recording stopped: the capture cap was reached\./);
  });

  test("a row warns with its exchange's note, and the last row of a truncated connection with why", () => {
    const reason = "the capture limit of 1 MiB was reached";
    const plain = record(1);
    assert.equal(rowWarning(plain, exchange(), true), null);
    assert.equal(rowWarning(plain, exchange({ note: "body cut short" }), true), "body cut short");
    const cut = record(2, { truncated: [false, true], truncation: reason });
    assert.equal(rowWarning(cut, null, true), `recording stopped: ${reason}`, "a raw row");
    assert.equal(rowWarning(cut, exchange(), false), null, "not on earlier rows");
    assert.equal(rowWarning(cut, exchange(), true), `recording stopped: ${reason}`);
    const noted = exchange({ note: `response side: recording stopped: ${reason}` });
    assert.equal(rowWarning(cut, noted, true), noted.note, "said once");
  });

  test("captures a crash left read as a count, a time and a size", () => {
    assert.equal(leftCapturesTitle(1), "TCPMon found 1 capture left by a crash");
    assert.equal(leftCapturesTitle(3), "TCPMon found 3 captures left by a crash");
    const local = new Date(2026, 11, 6, 0, 25, 31);
    assert.equal(
      leftCaptureText({ size: 1_258_291, modified_ms: local.getTime() }),
      "2026-12-06 00:25:31 · 1.2 MiB",
    );
  });
});

describe("WebSocket", () => {
  const count = (messages: number) => ({ messages, bytes: messages * 10 });
  const ws = { to_server: count(6), to_client: count(1234), start: [80, 120] as [number, number], deflate: null };

  test("a WebSocket's row counts each way's messages and the close", () => {
    assert.equal(websocketText({ ...ws, close: null }), "WebSocket 6↑ 1,234↓");
    assert.equal(
      websocketText({ ...ws, close: ["client_to_server", { code: 1000, reason: "done" }] }),
      "WebSocket 6↑ 1,234↓, closed 1000",
    );
    assert.equal(
      websocketText({ ...ws, close: ["server_to_client", { code: null, reason: "" }] }),
      "WebSocket 6↑ 1,234↓, closed",
    );
  });

  test("a message's arrow points where it went", () => {
    assert.equal(messageArrow("client_to_server"), "→");
    assert.equal(messageArrow("server_to_client"), "←");
  });
});
