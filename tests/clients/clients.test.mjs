// Real clients through tcpmon-cli to real servers, as a user would run them: curl (gzip,
// chunked upload, keep-alive, HEAD, 100-continue), Python's requests, and a SOAP call with
// zeep to a spyne service. Each run saves a HAR, which must validate and hold the exchanges
// with their bodies decoded; the CLI prints one line per exchange.
//
// Needs the Python packages of tests/clients/requirements.txt in $TCPMON_VENV (scripts/test.sh
// makes it). Run: node --test tests/clients/
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitor, serverOnPort } from "../lib/monitor.mjs";
import { checkRules, validate } from "../har/rules.mjs";

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const venv = process.env.TCPMON_VENV ?? path.join(os.homedir(), ".cache/tcpmon-venv");
const python = path.join(venv, "bin/python");

/** Runs `use(relayPort)` through a monitor relaying to `target`, then returns the saved HAR
 * (checked) and the CLI's lines. */
async function through(target, use) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-clients-")), "run.har");
  const tcpmon = await monitor(["0", "127.0.0.1", String(target), "--save", file]);
  await use(tcpmon.port);
  await tcpmon.stop();
  const har = JSON.parse(fs.readFileSync(file, "utf8"));
  await validate(har);
  checkRules(file, har);
  return { entries: har.log.entries, lines: tcpmon.lines };
}

const curl = (...args) => run("curl", ["-sS", "--max-time", "20", ...args], { encoding: "buffer" });
const body = (entry) => {
  const { text, encoding } = entry.response.content;
  return encoding === "base64" ? Buffer.from(text, "base64").toString() : text;
};

test("curl: gzip, chunked upload, keep-alive, HEAD and 100-continue", async () => {
  const server = await serverOnPort(python, [path.join(here, "http_server.py")]);
  const upload = Buffer.alloc(70_000, "x");
  const { entries, lines } = await through(server, async (port) => {
    const base = `http://127.0.0.1:${port}`;
    // One curl, three URLs: one kept-alive connection; --compressed asks for gzip.
    await curl("--compressed", `${base}/json.gz`, `${base}/hello.txt`, `${base}/chunked`);
    await curl("-I", `${base}/hello.txt`);
    const chunked = await run("sh", ["-c", `head -c 70000 /dev/zero | tr '\\0' x | curl -sS -H 'Transfer-Encoding: chunked' --data-binary @- ${base}/echo`]);
    assert.match(chunked.stdout, /"length": 70000/);
    const expect = await curl("-H", "Expect: 100-continue", "--expect100-timeout", "10", "--data-binary", `@${writeTemp(upload)}`, `${base}/echo`);
    assert.match(expect.stdout.toString(), /"length": 70000/);
  });
  const byUrl = (suffix, method = "GET") => entries.filter((e) => e.request.url.endsWith(suffix) && e.request.method === method);

  const [gz] = byUrl("/json.gz");
  assert.equal(gz.response.status, 200);
  assert.ok(gz.response.content.size > gz.response.bodySize, "gzip: decoded is larger than the wire");
  assert.equal(gz.response.content.compression, gz.response.content.size - gz.response.bodySize);
  assert.equal(JSON.parse(body(gz)).greeting, "héllo", "the body is decoded, charset included");
  const keepAlive = ["/json.gz", "/hello.txt", "/chunked"].map((u) => byUrl(u)[0].connection);
  assert.equal(new Set(keepAlive).size, 1, `one connection for the three: ${keepAlive}`);
  assert.equal(body(byUrl("/chunked")[0]), "first second third", "chunk framing removed");

  const [head] = byUrl("/hello.txt", "HEAD");
  assert.equal(head.response.status, 200);
  assert.equal(head.response.bodySize, 0, "HEAD has no body");

  const uploads = entries.filter((e) => e.request.url.endsWith("/echo") && e.response.status === 200);
  const sizes = uploads.map((e) => e.request.postData?.text?.length ?? 0);
  assert.ok(sizes.filter((n) => n === 70_000).length >= 2, `chunked and 100-continue uploads: ${sizes}`);
  const chunkedUpload = uploads.find((e) => e.request.headers.some((h) => /transfer-encoding/i.test(h.name)));
  assert.ok(chunkedUpload.request.bodySize > 70_000, "wire size counts the chunk framing");
  const continued = uploads.find((e) => e.request.headers.some((h) => /^expect$/i.test(h.name)));
  assert.ok(continued, "the 100-continue upload is one exchange");

  assert.ok(lines.some((l) => / HEAD http:\/\/127\.0\.0\.1:\d+\/hello\.txt "200 OK" req=0B resp=0B /.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => / POST http:\/\/127\.0\.0\.1:\d+\/echo "200 OK" req=70000B /.test(l)), lines.join("\n"));
});

function writeTemp(bytes) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-upload-")), "body");
  fs.writeFileSync(file, bytes);
  return file;
}

test("Python requests: a keep-alive session of GET gzip, POST JSON and GET text", async () => {
  const server = await serverOnPort(python, [path.join(here, "http_server.py")]);
  let answered;
  const { entries, lines } = await through(server, async (port) => {
    const { stdout } = await run(python, [path.join(here, "clients.py"), "requests", `http://127.0.0.1:${port}`]);
    answered = JSON.parse(stdout);
  });
  assert.equal(answered.greeting, "héllo");
  assert.equal(answered.text, "hello from python");
  assert.deepEqual(entries.map((e) => `${e.request.method} ${new URL(e.request.url).pathname} ${e.response.status}`),
    ["GET /json.gz 200", "POST /echo 200", "GET /hello.txt 200"]);
  assert.equal(new Set(entries.map((e) => e.connection)).size, 1, "requests kept the connection alive");
  const post = entries[1];
  assert.deepEqual(JSON.parse(post.request.postData.text), { from: "requests", n: 42 });
  assert.equal(JSON.parse(body(post)).length, post.request.bodySize);
  assert.equal(lines.length, 3, lines.join("\n"));
});

test("SOAP: zeep calls a spyne service through the monitor", async () => {
  const server = await serverOnPort(python, [path.join(here, "soap_server.py")]);
  let answered;
  const { entries } = await through(server, async (port) => {
    const { stdout } = await run(python, [path.join(here, "clients.py"), "soap", `http://127.0.0.1:${port}/?wsdl`]);
    answered = JSON.parse(stdout);
  });
  assert.deepEqual(answered.greetings, ["Hello, TCPMon (1)", "Hello, TCPMon (2)"]);
  const wsdl = entries.find((e) => e.request.method === "GET");
  assert.match(body(wsdl), /<wsdl:definitions/);
  const call = entries.find((e) => e.request.method === "POST");
  assert.ok(call, entries.map((e) => e.request.method).join(" "));
  const action = call.request.headers.find((h) => /^soapaction$/i.test(h.name));
  assert.match(action.value, /say_hello/);
  assert.match(call.request.postData.text, /<soap-env:Envelope|<soap:Envelope|Envelope/);
  assert.match(body(call), /Hello, TCPMon \(2\)/);
  assert.match(call.response.content.mimeType, /xml/);
});
