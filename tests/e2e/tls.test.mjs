// HTTPS in the window: "Export CA certificate..." writes TCPMon's local CA, and a listener with
// "TLS listener" and "TLS to target" (trusting the target through "Target CA...") puts TCPMon
// between curl and `openssl s_server`, both legs verified; "Accept any certificate" takes an
// untrusted target and says so; a decrypting proxy (Decrypt HTTPS) shows curl's HTTPS requests
// in clear and passes a host of its "Hosts not to decrypt" through untouched. Three app starts
// share one config folder (so one CA), each with its dialogs answered by another file: the
// export's, then the target's certificate, then the origin's.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import { curl, curlOk, startTlsServer, tempDir } from "./lib/servers.mjs";

let app;
let server;
/** An origin whose certificate names localhost and 127.0.0.1, for the decrypting proxy. */
let origin;
let dir;
let config;

before(async () => {
  dir = tempDir("tls");
  server = await startTlsServer(dir);
  origin = await startTlsServer(tempDir("tls-origin"), { san: "DNS:localhost,IP:127.0.0.1" });
  config = tempDir("tls-config");
});
after(async () => {
  await app?.close();
  await server?.stop();
  await origin?.stop();
});

/** The SHA-256 fingerprint of a PEM certificate, as openssl prints it. */
const fingerprint = (file) =>
  new Promise((resolve, reject) =>
    execFile("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", file], (error, stdout, stderr) =>
      error ? reject(new Error(`openssl x509: ${stderr}`)) : resolve(stdout.trim().replace(/^sha256 Fingerprint=/i, "")),
    ),
  );

/**
 * The certificates of a side's chain in the visible tab's TLS section, each as its facts by term
 * (`leaf`/`intermediate`/`root` holds the subject) and whether it is `shown`; null without one.
 */
const chain = (side) =>
  app.browser.execute(
    (panel, side) => {
      const details = document.querySelector(`${panel} [data-testid="tls-${side}-chain"]`);
      if (!details) return null;
      return [...details.querySelectorAll("dl")].map((dl) => ({
        shown: details.open && dl.getClientRects().length > 0,
        ...Object.fromEntries([...dl.querySelectorAll("dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
      }));
    },
    PANEL,
    side,
  );

/** The local CA's certificate, where the app keeps it (in its config folder). */
const caCert = () => path.join(config, "org.tcpmon.desktop", "ca", "ca.pem");

/** The TLS section of the visible tab: its lines by side, null when hidden. */
const tlsDetails = () =>
  app.browser.execute((panel) => {
    const section = document.querySelector(`${panel} [data-testid="tls-details"]`);
    if (!section || section.hidden) return null;
    const side = (name) => section.querySelector(`[data-testid="tls-${name}"]`)?.textContent ?? null;
    return { client: side("client"), target: side("target") };
  }, PANEL);

const setChecked = async (testid, on) => {
  const box = await app.$(tid(testid));
  if ((await box.isSelected()) !== on) await app.click(tid(testid));
  assert.equal(await box.isSelected(), on, testid);
};

test("Export CA certificate... writes the local CA where the dialog says", async () => {
  const exported = path.join(dir, "tcpmon-ca.pem");
  app = await launchApp({ dialogPath: exported, env: { XDG_CONFIG_HOME: config } });
  await app.selectTab("Admin");
  await app.click(tid("export-ca"));
  await app.waitFor(
    async () => (await app.$(tid("export-ca-result")).getText()) === `Wrote ${exported}`,
    "the export's outcome next to the button",
  );
  const pem = fs.readFileSync(exported, "utf8");
  assert.match(pem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  assert.equal(pem, fs.readFileSync(caCert(), "utf8"), "the CA the app made in its config folder");
  assert.deepEqual(await app.problems(), []);
  await app.close();
  app = null;
});

test("HTTPS in front of HTTPS: curl trusts the exported CA, TCPMon the target's certificate", async () => {
  app = await launchApp({ dialogPath: server.cert, env: { XDG_CONFIG_HOME: config } });
  await app.selectTab("Admin");
  await app.click(tid("mode-listener"));
  assert.equal(await (await app.$(tid("target-ca"))).isEnabled(), false, "Target CA... waits for TLS to target");
  await setChecked("target-tls", true);
  await app.click(tid("target-ca"));
  await app.waitFor(
    async () => (await app.$(tid("target-ca-files")).getText()) === "cert.pem",
    "the picked file's name",
  );
  await setChecked("insecure", false);
  await setChecked("listen-tls", true);
  const port = await app.addListener({ host: "localhost", targetPort: server.port });

  const page = await curlOk(["--cacert", path.join(dir, "tcpmon-ca.pem"), `https://localhost:${port}/`]);
  assert.match(page, /s_server/, "the target's page, through both TLS legs");

  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].status === "200",
    "the exchange, answered",
  );
  assert.equal(row.host, `🔒 localhost:${port}`, "the lock, before the Host the client sent");
  assert.equal(row.url, `https://localhost:${port}/`);
  await app.clickRow(row);
  const details = await app.waitFor(tlsDetails, "the TLS section of the selected connection");
  assert.match(details.client, /^🔒 Client → TCPMon: TLS 1\.[23] · \S+ · ALPN \S+ · SNI localhost · /);
  assert.match(details.target, /^🔒 TCPMon → target: TLS 1\.[23] · \S+ · ALPN none · SNI localhost · trusted \(Target CA\)$/);
  assert.deepEqual(await app.problems(), []);
});

test("Accept any certificate relays to a target nothing vouches for, and the row says so", async () => {
  await app.selectTab("Admin");
  await app.click(tid("target-ca-clear"));
  await app.waitFor(async () => (await app.$(tid("target-ca-files")).getText()) === "", "no CA file");
  await setChecked("insecure", true);
  await setChecked("listen-tls", false);
  const port = await app.addListener({ host: "localhost", targetPort: server.port });
  assert.match(await curlOk([`http://127.0.0.1:${port}/`]), /s_server/);
  const [row] = await app.waitForRows((rows) => rows.length === 1 && rows[0].status === "200", "the exchange");
  assert.equal(row.host, `🔒 127.0.0.1:${port}`);
  assert.equal(row.url, `http://127.0.0.1:${port}/`, "the client spoke plain HTTP");
  await app.clickRow(row);
  const details = await app.waitFor(tlsDetails, "the TLS section");
  assert.equal(details.client, null, "no TLS on the client's side");
  assert.match(details.target, /· NOT verified \(Accept any certificate\)$/);

  // Without it, the same target is refused: its certificate is nobody's.
  await app.selectTab("Admin");
  await setChecked("insecure", false);
  const strict = await app.addListener({ host: "localhost", targetPort: server.port });
  const refused = await curl([`http://127.0.0.1:${strict}/`]);
  assert.notEqual(refused.code, 0, "curl gets no page");
  const [failed] = await app.waitForRows((rows) => rows.length === 1, "the refused connection's row");
  await app.clickRow(failed);
  const pane = await app.waitForPane("response", (p) => p.failure !== null, "why the connection failed");
  assert.match(pane.failure, /certificate/i);
  const [shown] = await app.rows();
  assert.ok(!shown.host.includes("🔒"), `no lock without a TLS session: ${shown.host}`);
  assert.equal(await tlsDetails(), null, "and no TLS section");
  assert.deepEqual(await app.problems(), []);
});

test("Decrypt HTTPS: curl's requests through the proxy show in clear; a host not to decrypt stays a tunnel", async () => {
  await app.close();
  app = await launchApp({ dialogPath: origin.cert, env: { XDG_CONFIG_HOME: config } });
  await app.selectTab("Admin");
  await app.click(tid("mode-proxy"));
  assert.equal(await (await app.$(tid("no-decrypt"))).isEnabled(), false, "the list waits for Decrypt HTTPS");
  await setChecked("decrypt-tls", true);
  await app.type(tid("no-decrypt"), "*.bank.example, 127.0.0.*");
  await app.click(tid("target-ca"));
  await app.waitFor(async () => (await app.$(tid("target-ca-files")).getText()) === "cert.pem", "the origin's certificate");
  await setChecked("insecure", false);
  await setChecked("listen-tls", false);
  const port = await app.addListener({ proxy: true });
  const proxy = ["-x", `http://127.0.0.1:${port}`];

  // curl trusts only TCPMon's CA: the certificate it got was TCPMon's, for the name it asked.
  const page = await curlOk([...proxy, "--cacert", caCert(), `https://localhost:${origin.port}/decrypted`]);
  assert.match(page, /s_server/, "the origin's page, through both TLS legs");
  const https = `https://localhost:${origin.port}/decrypted`;
  const rows = await app.waitForRows(
    (rows) => rows.some((r) => r.url === https && r.status === "200"),
    "the request inside the tunnel, in clear",
  );
  const row = rows.find((r) => r.url === https);
  assert.equal(row.method, "GET");
  assert.match(row.host, /^🔒 /, "a lock on the decrypted exchange");
  await app.clickRow(row);
  const details = await app.waitFor(tlsDetails, "the TLS section of the decrypted connection");
  assert.match(details.client, /^🔒 Client → TCPMon: TLS 1\.[23] · \S+ · ALPN \S+ · SNI localhost · client trusts TCPMon's CA$/);
  assert.match(details.target, /^🔒 TCPMon → target: TLS 1\.[23] · \S+ · ALPN \S+ · SNI localhost · trusted \(Target CA\)$/);
  // The origin's certificate, opened from its summary line: the one openssl made, by its fingerprint.
  await app.click(`${PANEL} [data-testid="tls-target-chain"] summary`);
  const [leaf] = await app.waitFor(async () => {
    const certs = await chain("target");
    return certs?.[0]?.shown && certs;
  }, "the origin's certificate, shown");
  assert.deepEqual(
    [leaf.leaf, leaf.issuer, leaf.names, leaf["SHA-256"]],
    ["CN=localhost", "CN=localhost", "localhost, 127.0.0.1", await fingerprint(origin.cert)],
  );
  assert.match(leaf.valid, /^from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC until \d{4}-/);
  // Towards curl: TCPMon's leaf for the name asked, issued by its CA (the one curl was given).
  const [ourLeaf, ca] = await chain("client");
  assert.equal(ourLeaf.leaf, "CN=localhost");
  assert.match(ourLeaf.names, /\blocalhost\b/);
  assert.deepEqual([ourLeaf.issuer, ca.issuer], [ca.root, ca.root], "the CA signed the leaf and itself");
  assert.equal(ca["SHA-256"], await fingerprint(caCert()));

  // 127.0.0.1 matches a pattern: curl reaches the origin's own certificate, which it trusts.
  const passed = await curlOk([...proxy, "--cacert", origin.cert, `https://127.0.0.1:${origin.port}/passed`]);
  assert.match(passed, /s_server/);
  const authority = `127.0.0.1:${origin.port}`;
  const now = await app.waitForRows(
    (rows) => rows.some((r) => r.method === "CONNECT" && r.url === authority && r.state === "Done"),
    "the passed-through tunnel's row, closed",
  );
  const tunnel = now.find((r) => r.url === authority);
  assert.equal(
    now.filter((r) => r.conn === tunnel.conn).length,
    1,
    "one CONNECT row: nothing inside the tunnel was read as HTTP",
  );
  assert.ok(!now.some((r) => r.url.includes("/passed")), "the request inside stayed encrypted");
  await app.clickRow(tunnel);
  assert.equal(await tlsDetails(), null, "TCPMon spoke no TLS on a raw tunnel");
  assert.deepEqual(await app.problems(), []);
});
