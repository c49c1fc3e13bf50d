// Real HTTP/2 clients and servers through tcpmon-cli, as a user runs them: nghttpd (Debian's
// nghttp2-server) as the origin, curl --http2-prior-knowledge and nghttp (nghttp2-client) as
// clients, over plain h2c, through a TLS listener that agrees to h2 (--listen-alpn), and through
// the decrypting proxy to an HTTPS origin. Every stream must be an exchange that reads back
// byte for byte (`show`, HAR).
//
// Needs nghttp2-client, nghttp2-server, curl and openssl. Run: node --test tests/clients/
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli, freePort, monitor, start, waitForPort } from "../lib/monitor.mjs";
import { caPath, ownConfig } from "../lib/tls.mjs";
import { checkRules, validate } from "../har/rules.mjs";

const run = promisify(execFile);

/** A folder of files for nghttpd: a small JSON document and a 3 MB text file (past the
 * 64 KiB initial window, so flow control has to work through the relay). */
function site() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-h2-"));
  const www = path.join(dir, "www");
  fs.mkdirSync(www);
  const lines = Array.from({ length: 60_000 }, (_, i) => `line ${i} ${"x".repeat(40)}\n`);
  const big = lines.join("");
  fs.writeFileSync(path.join(www, "doc.json"), '{"protocol":"h2","streams":[1,3,5]}');
  fs.writeFileSync(path.join(www, "big.txt"), big);
  return { dir, www, big };
}

/** nghttpd serving `www`: plain h2c, or TLS with a self-signed certificate for localhost. */
async function nghttpd(www, tls = false) {
  const port = await freePort();
  const args = ["-d", www, "-a", "127.0.0.1"];
  let cert;
  if (tls) {
    const dir = path.dirname(www);
    cert = path.join(dir, "origin.pem");
    const key = path.join(dir, "origin-key.pem");
    await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-days", "2", "-keyout", key, "-out", cert], { timeout: 20_000 });
    args.push(String(port), key, cert);
  } else {
    args.push("--no-tls", String(port));
  }
  start("nghttpd", args);
  await waitForPort(port);
  return { port, cert };
}

const session = (dir) => path.join(dir, "run.tcpmon");
const show = async (file, ...args) => (await run(cli, ["show", file, ...args], { maxBuffer: 64 << 20 })).stdout;
const exchangeLines = (lines) => lines.filter((l) => /^#\d+\.\d+ /.test(l));

test("curl with prior knowledge: an HTTP/2 exchange, read back whole by show and HAR", async () => {
  const { dir, www, big } = site();
  const origin = await nghttpd(www);
  const tcpmon = await monitor(["0", "127.0.0.1", String(origin.port), "--save", session(dir)]);
  const base = `http://127.0.0.1:${tcpmon.port}`;
  const { stdout: doc } = await run("curl", ["-s", "--http2-prior-knowledge", `${base}/doc.json`]);
  const { stdout: sum } = await run("sh", ["-c", `curl -s --http2-prior-knowledge ${base}/big.txt | sha256sum`]);
  await tcpmon.stop();
  assert.equal(doc, fs.readFileSync(path.join(www, "doc.json"), "utf8"));
  assert.equal(sum.split(" ")[0], crypto.createHash("sha256").update(big).digest("hex"), "relayed byte for byte");
  const lines = exchangeLines(tcpmon.lines);
  assert.equal(lines.length, 2, tcpmon.lines.join("\n"));
  assert.match(lines[0], new RegExp(`^#1\\.1 .* GET ${base}/doc\\.json HTTP/2 "200" req=0B resp=35B`));
  assert.match(lines[1], new RegExp(`GET ${base}/big\\.txt HTTP/2 "200" req=0B resp=${big.length}B`));

  const first = await show(session(dir), "#1.1");
  assert.match(first, new RegExp(`GET ${base}/doc\\.json HTTP/2\\.0\\r?\\n`));
  assert.match(first, /HTTP\/2\.0 200\r?\n/);
  assert.match(first, /"streams": \[\n\s+1,/, "the JSON body, indented");
  const raw = await show(session(dir), "#2.1", "--view", "raw");
  assert.ok(raw.includes(big), "the 3 MB body, whole, from its DATA frames");

  const har = path.join(dir, "run.har");
  await run(cli, ["export", session(dir), har]);
  const parsed = JSON.parse(fs.readFileSync(har, "utf8"));
  await validate(parsed);
  checkRules(har, parsed);
  const entries = parsed.log.entries;
  assert.deepEqual(entries.map((e) => [e.request.httpVersion, e.response.httpVersion]),
    [["HTTP/2.0", "HTTP/2.0"], ["HTTP/2.0", "HTTP/2.0"]]);
  assert.equal(entries[0].response.content.text, fs.readFileSync(path.join(www, "doc.json"), "utf8"));
  assert.equal(entries[1].response.content.size, big.length);
});

test("nghttp: concurrent streams on one connection, and an upload past the flow-control window", async () => {
  const { dir, www, big } = site();
  const origin = await nghttpd(www);
  const tcpmon = await monitor(["0", "127.0.0.1", String(origin.port), "--save", session(dir)]);
  const base = `http://127.0.0.1:${tcpmon.port}`;
  const urls = ["doc.json", "big.txt", "doc.json", "big.txt", "doc.json"].map((f, i) => `${base}/${f}?n=${i}`);
  await run("nghttp", ["-n", ...urls], { timeout: 30_000 });
  const upload = path.join(dir, "upload.txt");
  fs.writeFileSync(upload, big);
  await run("nghttp", ["-n", "-d", upload, `${base}/doc.json`], { timeout: 30_000 });
  await tcpmon.stop();
  const lines = exchangeLines(tcpmon.lines);
  // Streams end in any order, and each line goes out when its stream does.
  const number = (l) => Number(/^#1\.(\d+) /.exec(l)[1]);
  const first = lines.filter((l) => l.startsWith("#1.")).sort((a, b) => number(a) - number(b));
  assert.equal(first.length, 5, tcpmon.lines.join("\n"));
  first.forEach((l, i) => assert.ok(l.startsWith(`#1.${i + 1} `) && l.includes(`GET ${urls[i]} HTTP/2 "200"`), l));
  assert.ok(lines.every((l) => !l.includes("GOAWAY")), "a graceful close is no news");
  const post = lines.find((l) => l.startsWith("#2.1 "));
  assert.match(post, new RegExp(`POST ${base}/doc\\.json HTTP/2 "200" req=${big.length}B resp=35B`));
  const raw = await show(session(dir), "#2.1", "--view", "raw");
  assert.ok(raw.includes(big), "the uploaded body, whole");
});

test("curl --http2 to a TLS listener that agrees to h2 (--listen-alpn) in front of an h2c origin", async () => {
  const { www } = site();
  const origin = await nghttpd(www);
  const { env } = ownConfig();
  const ca = await caPath(env);
  const tcpmon = await monitor(["0", "127.0.0.1", String(origin.port), "--listen-tls", "--listen-alpn", "h2,http/1.1"], { env });
  const url = `https://localhost:${tcpmon.port}/doc.json`;
  const { stdout } = await run("curl", ["-s", "--http2", "--cacert", ca, "-w", "\n%{http_version}", url]);
  await tcpmon.stop();
  assert.equal(stdout.split("\n").pop(), "2", "curl spoke HTTP/2");
  const line = exchangeLines(tcpmon.lines)[0];
  assert.ok(line?.includes("tls=1.3") && line.includes(`GET ${url} HTTP/2 "200"`), tcpmon.lines.join("\n"));
});

test("curl --http2 through the decrypting proxy to an HTTPS HTTP/2 origin", async () => {
  const { www } = site();
  const origin = await nghttpd(www, true);
  const { env } = ownConfig();
  const ca = await caPath(env);
  const tcpmon = await monitor(["0", "--decrypt-tls", "--target-ca", origin.cert], { env });
  const url = `https://localhost:${origin.port}/doc.json`;
  const { stdout } = await run("curl", ["-s", "--http2", "--cacert", ca, "-x", `http://127.0.0.1:${tcpmon.port}`,
    "-w", "\n%{http_version}", url]);
  await tcpmon.stop();
  const [body, version] = stdout.split("\n");
  assert.equal(body, fs.readFileSync(path.join(www, "doc.json"), "utf8"));
  assert.equal(version, "2", "curl spoke HTTP/2 to TCPMon, which spoke it to the origin");
  assert.ok(exchangeLines(tcpmon.lines).some((l) => l.includes(`GET ${url} HTTP/2 "200"`)), tcpmon.lines.join("\n"));
});

test("h2c from the client to TLS with --target-alpn h2 toward the origin (gRPC servers need h2)", async () => {
  const { www } = site();
  const origin = await nghttpd(www, true);
  const tcpmon = await monitor(["0", "localhost", String(origin.port), "--target-tls", "--target-ca", origin.cert,
    "--target-alpn", "h2"]);
  const url = `http://127.0.0.1:${tcpmon.port}/doc.json`;
  const { stdout } = await run("curl", ["-s", "--http2-prior-knowledge", url]);
  await tcpmon.stop();
  assert.equal(stdout, fs.readFileSync(path.join(www, "doc.json"), "utf8"));
  const line = exchangeLines(tcpmon.lines)[0];
  assert.ok(line?.includes("tls=1.3") && line.includes(`GET ${url} HTTP/2 "200"`), tcpmon.lines.join("\n"));
});
