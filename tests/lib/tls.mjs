// What the TLS tests of tests/ share: a config folder of their own (so TCPMon's CA is theirs),
// the CA's path as a user gets it, and an HTTPS origin with a certificate `openssl req` made.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli, serverOnPort } from "./monitor.mjs";

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);

/** A fresh XDG_CONFIG_HOME, so the CA TCPMon makes is this test's; its folder and the env. */
export function ownConfig() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-config-"));
  return { home, env: { ...process.env, XDG_CONFIG_HOME: home } };
}

/** `tcpmon-cli ca path`: the CA certificate clients must trust (made now if missing). */
export async function caPath(env) {
  const { stdout } = await run(cli, ["ca", "path"], { env, timeout: 20_000 });
  return stdout.trim();
}

/** An HTTPS origin on 127.0.0.1 serving `files` (name -> contents), with a self-signed
 * certificate for `names` (a subjectAltName value); its port, certificate file and folder. */
export async function httpsOrigin(files, names = "DNS:localhost,IP:127.0.0.1") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-origin-"));
  const site = path.join(dir, "site");
  fs.mkdirSync(site);
  for (const [name, contents] of Object.entries(files)) fs.writeFileSync(path.join(site, name), contents);
  const cert = path.join(dir, "origin.pem");
  const key = path.join(dir, "origin-key.pem");
  await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-subj", "/CN=localhost", "-addext", `subjectAltName=${names}`,
    "-days", "2", "-keyout", key, "-out", cert], { timeout: 20_000 });
  const port = await serverOnPort("python3", [path.join(here, "../clients/tls_server.py"), cert, key, site]);
  return { port, cert, dir };
}
