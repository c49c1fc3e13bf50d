// Real TLS clients through tcpmon-cli to a real HTTPS origin (Python's ssl module with a
// certificate `openssl req` made), as a user runs them: Python requests and Java's HttpClient
// trusting TCPMon's CA, through the decrypting proxy and to a TLS listener; openssl s_client
// reading the certificates TCPMon shows; tshark decrypting a capture of both legs with the
// --keylog file. Each test has its own config folder, so its own CA.
//
// Needs $TCPMON_VENV (scripts/test.sh makes it), Java 17, openssl and tshark (the tshark test
// runs as root, which capturing needs). Run: node --test tests/clients/
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { freePort, monitor, start } from "../lib/monitor.mjs";
import { caPath, httpsOrigin, ownConfig } from "../lib/tls.mjs";
import { checkRules, validate } from "../har/rules.mjs";

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const venv = process.env.TCPMON_VENV ?? path.join(os.homedir(), ".cache/tcpmon-venv");
const python = path.join(venv, "bin/python");
const PAGE = "hello over TLS\n";

const PROXY = ["0", "--decrypt-tls", "--target-ca", "CERT"];
const LISTENER = ["0", "localhost", "ORIGIN", "--listen-tls", "--target-tls", "--target-ca", "CERT"];

/** tcpmon-cli with `args` (ORIGIN and CERT in them: `origin`'s port and certificate) and the
 * config folder of `env`. */
const tcpmonFor = (origin, env, args) =>
  monitor(args.map((a) => a.replace("ORIGIN", origin.port).replace("CERT", origin.cert)), { env });

/** An origin serving /hello.txt (its certificate naming `names`), and tcpmon-cli with `args`
 * and a CA of its own; the CA's path, the origin, the monitor and the env that has the CA. */
async function setUp(args, names) {
  const origin = await httpsOrigin({ "hello.txt": PAGE }, names);
  const { env } = ownConfig();
  const ca = await caPath(env);
  return { ca, origin, tcpmon: await tcpmonFor(origin, env, args), env };
}

const decryptingProxy = (names) => setUp(PROXY, names);
const tlsListener = (names) => setUp(LISTENER, names);

/** Python requests, one GET of `url` trusting `ca` ("default": its own roots), through
 * `proxy` when given: { status, body } or { error, message }. */
async function requestsGet(url, ca, proxy) {
  const args = [path.join(here, "clients.py"), "https", url, ca, ...(proxy ? [proxy] : [])];
  const { stdout } = await run(python, args, { timeout: 30_000 });
  return JSON.parse(stdout);
}

/** The CLI's lines for connections (#N), not exchanges (#N.M). */
const connectionLines = (lines) => lines.filter((l) => /^#\d+ /.test(l));

test("Python requests through the decrypting proxy: the page, and an https:// exchange in the HAR", async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-tls-har-")), "run.har");
  const { ca, origin, tcpmon } = await setUp([...PROXY, "--save", file]);
  const url = `https://localhost:${origin.port}/hello.txt`;
  const answer = await requestsGet(url, ca, `http://127.0.0.1:${tcpmon.port}`);
  await tcpmon.stop();
  assert.deepEqual(answer, { status: 200, body: PAGE });
  assert.ok(tcpmon.lines.some((l) => l.includes(`tls=1.3 GET ${url} "200 OK"`)), tcpmon.lines.join("\n"));
  const har = JSON.parse(fs.readFileSync(file, "utf8"));
  await validate(har);
  checkRules(file, har);
  const entry = har.log.entries.find((e) => e.request.url === url);
  assert.ok(entry, har.log.entries.map((e) => `${e.request.method} ${e.request.url}`).join("\n"));
  assert.equal(entry.request.method, "GET");
  assert.equal(entry.response.status, 200);
  assert.equal(entry.response.content.text, PAGE, "the response in clear");
});

test("Python requests to a TLS listener relaying to an HTTPS target", async () => {
  const { ca, origin, tcpmon } = await tlsListener();
  const answer = await requestsGet(`https://localhost:${tcpmon.port}/hello.txt`, ca);
  await tcpmon.stop();
  assert.deepEqual(answer, { status: 200, body: PAGE });
  const line = tcpmon.lines.find((l) => / GET https:\/\/localhost:\d+\/hello\.txt "200 OK"/.test(l));
  assert.match(line ?? tcpmon.lines.join("\n"), new RegExp(` tls=1\\.3 -> localhost:${origin.port} tls=1\\.3 GET`));
});

test("Python requests with its own roots refuses TCPMon's certificate, and the CLI says why", async () => {
  const { origin, tcpmon } = await decryptingProxy();
  const answer = await requestsGet(`https://localhost:${origin.port}/hello.txt`, "default", `http://127.0.0.1:${tcpmon.port}`);
  await tcpmon.stop();
  assert.equal(answer.error, "SSLError", JSON.stringify(answer));
  assert.match(answer.message, /CERTIFICATE_VERIFY_FAILED/);
  const connection = connectionLines(tcpmon.lines).find((l) => l.includes(`CONNECT localhost:${origin.port}`));
  assert.match(connection ?? tcpmon.lines.join("\n"), /failed: the client does not trust TCPMon's CA/);
});

// Python's ssl (client and server here), Java and Chromium close without close_notify. Once
// every exchange is complete by HTTP/1.1's framing that loses nothing (rustls's manual says
// so), and clients take it for an ordinary close: so must TCPMon.
test("a TLS connection that ends without close_notify after complete exchanges is not marked failed", async () => {
  const { ca, tcpmon } = await tlsListener();
  const answer = await requestsGet(`https://localhost:${tcpmon.port}/hello.txt`, ca);
  await tcpmon.stop();
  assert.deepEqual(answer, { status: 200, body: PAGE });
  // A connection that ends well prints its exchange's line and no line of its own.
  const lines = tcpmon.lines.join("\n");
  assert.match(lines, /^#1\.1 .* GET https:\/\/localhost:\d+\/hello\.txt "200 OK"/m);
  assert.doesNotMatch(lines, /failed|close_notify/);
});

// One JVM for both scenarios (and one for keytool): each start costs seconds.
test("Java's HttpClient through the decrypting proxy and to a TLS listener, trusting TCPMon's CA from keytool", async () => {
  const { ca, origin, tcpmon: proxy, env } = await decryptingProxy();
  const listener = await tcpmonFor(origin, env, LISTENER);
  // A PKCS12 trust store holding only TCPMon's CA, made as docs/https.md says.
  const store = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-java-")), "tcpmon.p12");
  await run("keytool", ["-importcert", "-noprompt", "-storetype", "PKCS12", "-keystore", store,
    "-storepass", "changeit", "-alias", "tcpmon-ca", "-file", ca], { timeout: 30_000 });
  const proxied = `https://localhost:${origin.port}/hello.txt`;
  const relayed = `https://localhost:${listener.port}/hello.txt`;
  const { stdout } = await run("java", [`-Djavax.net.ssl.trustStore=${store}`, "-Djavax.net.ssl.trustStorePassword=changeit",
    path.join(here, "Client.java"), `127.0.0.1:${proxy.port}`, proxied, "-", relayed], { timeout: 60_000 });
  await proxy.stop();
  await listener.stop();
  assert.equal(stdout, `200 ${proxied}\n${PAGE}200 ${relayed}\n${PAGE}`);
  assert.ok(proxy.lines.some((l) => l.includes(`tls=1.3 GET ${proxied} "200 OK"`)), proxy.lines.join("\n"));
  assert.ok(listener.lines.some((l) => l.includes(`tls=1.3 GET ${relayed} "200 OK"`)), listener.lines.join("\n"));
});

/** `openssl s_client ARGS -CAfile CA -showcerts`, input closed at once: its output and the
 * chain it was shown, leaf first. */
async function sClient(ca, args) {
  const running = run("openssl", ["s_client", ...args, "-CAfile", ca, "-showcerts"], { timeout: 20_000 });
  running.child.stdin.end();
  const { stdout } = await running;
  const chain = stdout.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return { stdout, chain: chain.map((pem) => new X509Certificate(pem)) };
}

/** Asserts that `chain` is a leaf TCPMon's CA (the file `caFile`) signed, then that CA if
 * sent at all. */
function assertIssuedByTcpmon(chain, caFile) {
  const ca = new X509Certificate(fs.readFileSync(caFile));
  assert.ok(chain.length === 1 || chain.length === 2, `${chain.length} certificates`);
  assert.ok(chain[0].checkIssued(ca) && chain[0].verify(ca.publicKey), `${chain[0].issuer} is not ${ca.subject}`);
  if (chain[1]) assert.equal(chain[1].fingerprint256, ca.fingerprint256);
}

test("openssl s_client to a TLS listener: a leaf for the SNI name, else localhost and the bind address", async () => {
  const { ca, tcpmon } = await tlsListener();
  const named = await sClient(ca, ["-connect", `127.0.0.1:${tcpmon.port}`, "-servername", "some.name"]);
  const unnamed = await sClient(ca, ["-connect", `127.0.0.1:${tcpmon.port}`, "-noservername"]);
  await tcpmon.stop();
  for (const { stdout, chain } of [named, unnamed]) {
    assert.match(stdout, /Verify return code: 0 \(ok\)/);
    assertIssuedByTcpmon(chain, ca);
  }
  assertNames(named.chain[0], ["DNS:some.name"]);
  assertNames(unnamed.chain[0], ["DNS:localhost", "IP Address:127.0.0.1"]);
});

/** Asserts that `cert`'s subjectAltName has each of `names` (as Node writes them). */
function assertNames(cert, names) {
  const has = cert.subjectAltName.split(", ");
  for (const name of names) assert.ok(has.includes(name), `${name} in ${cert.subjectAltName}`);
}

/** openssl s_client through a decrypting proxy to an origin whose certificate names `names`:
 * what it got, and the CA's path. */
async function throughDecryptingProxy(names) {
  const { ca, origin, tcpmon } = await decryptingProxy(names);
  const shown = await sClient(ca, ["-connect", `localhost:${origin.port}`, "-proxy", `127.0.0.1:${tcpmon.port}`,
    "-servername", "localhost"]);
  await tcpmon.stop();
  return { ...shown, ca };
}

test("openssl s_client through the decrypting proxy: a leaf for the origin's name from TCPMon's CA", async () => {
  const { stdout, chain, ca } = await throughDecryptingProxy();
  assert.match(stdout, /Verify return code: 0 \(ok\)/);
  assertIssuedByTcpmon(chain, ca);
  assertNames(chain[0], ["DNS:localhost"]);
});

test("the decrypting proxy's leaf also carries the names of the origin's own certificate", async () => {
  const { chain } = await throughDecryptingProxy("DNS:localhost,DNS:alt.test,IP:127.0.0.1");
  assertNames(chain[0], ["DNS:localhost", "DNS:alt.test", "IP Address:127.0.0.1"]);
});

/** Starts tshark capturing `ports` on lo into `file`; resolves once it captures, with its
 * stop. tshark says "Capturing on" before it does, receives packets in blocks, late, and drops
 * the block in hand when told to stop; so start and stop each knock on a closed port it also
 * captures, and wait until the file holds that knock (and so everything before it). */
async function capture(ports, file) {
  const marker = await freePort();
  const filter = [...ports, marker].map((p) => `tcp port ${p}`).join(" or ");
  const tshark = start("tshark", ["-i", "lo", "-f", filter, "-w", file], { stdio: "ignore" });
  const exited = new Promise((r) => tshark.on("close", r));
  // A knock comes from a port of its own, to tell it from earlier ones.
  const knock = async () => {
    const from = await freePort();
    await new Promise((r) => net.connect({ port: marker, host: "127.0.0.1", localPort: from }).on("error", r));
    return from;
  };
  // Read while written, the file may end inside a packet: tshark then fails after printing the
  // packets before it.
  const heard = (from) => {
    const knocks = from.map((p) => `tcp.srcport == ${p}`).join(" || ");
    return run("tshark", ["-r", file, "-Y", `tcp.dstport == ${marker} && (${knocks})`], { timeout: 20_000 })
      .catch((error) => error).then(({ stdout }) => Boolean(stdout?.trim()));
  };
  const knockUntilHeard = async (again) => {
    const sent = [await knock()];
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (await heard(sent)) return;
      if (again) sent.push(await knock());
    }
    throw new Error(`tshark never captured the knocks on port ${marker}`);
  };
  await knockUntilHeard(true); // until tshark captures
  return async () => {
    await knockUntilHeard(false);
    tshark.kill("SIGINT");
    return exited;
  };
}

test("tshark decrypts both legs of a TLS relay with the --keylog file", { skip: process.getuid() !== 0 && "capturing on lo needs root" }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-keylog-"));
  const [keys, pcap] = [path.join(dir, "keys"), path.join(dir, "lo.pcapng")];
  const { ca, origin, tcpmon } = await setUp([...LISTENER, "--keylog", keys]);
  const ports = [tcpmon.port, origin.port];
  const stop = await capture(ports, pcap);
  const { stdout } = await run("curl", ["-sS", "--max-time", "20", "--cacert", ca, `https://localhost:${tcpmon.port}/hello.txt`]);
  await tcpmon.stop();
  await stop();
  assert.equal(stdout, PAGE);
  const requests = async (...options) => {
    const decode = ports.flatMap((p) => ["-d", `tcp.port==${p},tls`]);
    const { stdout } = await run("tshark", ["-r", pcap, ...decode, ...options, "-Y", "http.request", "-T", "fields",
      "-e", "tcp.stream", "-e", "http.request.uri"], { timeout: 30_000 });
    return stdout.split("\n").filter(Boolean);
  };
  assert.deepEqual(await requests(), [], "without the keys, no request is readable");
  const decrypted = await requests("-o", `tls.keylog_file:${keys}`);
  assert.equal(decrypted.length, 2, decrypted.join("\n"));
  assert.ok(decrypted.every((l) => l.endsWith("\t/hello.txt")), decrypted.join("\n"));
  assert.equal(new Set(decrypted.map((l) => l.split("\t")[0])).size, 2, "one request per leg (TCP stream)");
});
