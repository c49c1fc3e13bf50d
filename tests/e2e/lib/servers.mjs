// The real servers and clients the tests talk through TCPMon: Python's http.server, nginx, a
// small SOAP server, and curl. Every child process is recorded in $E2E_TMP/pids so run.sh can
// end it by PID even when a test process dies, and is ended by the test's own cleanup first.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill();
});

function track(child) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  // "PID program": run.sh checks the program against the PID's command line before ending it.
  if (process.env.E2E_TMP) {
    fs.appendFileSync(path.join(process.env.E2E_TMP, "pids"), `${child.pid} ${child.spawnargs.at(-1)}\n`);
  }
  return child;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill();
  await exited;
}

/** A temp dir for one test file's fixtures. */
export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(process.env.E2E_TMP ?? os.tmpdir(), `${prefix}-`));
}

/** Calls `then` with the request's whole body, as UTF-8 text, once it has arrived. */
function bodyOf(req, then) {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => then(Buffer.concat(chunks).toString("utf8")));
}

/**
 * Starts `server` on a free port of 127.0.0.1; resolves to its port, a `stop` that closes it
 * (and its open keep-alive connections), and `extra`'s fields.
 */
async function listenLocal(server, extra = {}) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    ...extra,
    stop: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections?.();
      }),
  };
}

/** A port nobody listens on right now (for the app's command line and nginx). */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Holds a port open, so whoever tries it finds it in use. */
export async function occupyPort() {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** `python3 -m http.server` on a free port, serving `dir`. Resolves once it listens. */
export async function startPythonServer(dir) {
  const child = track(
    spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], {
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let output = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`http.server did not start: ${output}`)), 10000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/port (\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr.on("data", (chunk) => (output += chunk)); // the access log
    child.on("exit", (code) => reject(new Error(`http.server exited (${code}): ${output}`)));
  });
  return { port, stop: () => stopChild(child) };
}

/** nginx serving `dir` on a free port, with every file it writes in a temp dir. */
export async function startNginx(dir) {
  const prefix = tempDir("nginx");
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const conf = path.join(prefix, "nginx.conf");
    fs.writeFileSync(
      conf,
      `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 64; }
http {
  default_type text/plain;
  types { text/html html; }
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${dir};
  }
}
`,
    );
    const child = track(spawn("nginx", ["-p", prefix, "-c", conf], { stdio: ["ignore", "ignore", "pipe"] }));
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const up = await waitFor(async () => child.exitCode === null && (await canConnect(port)), 5000);
    if (up) return { port, stop: () => stopChild(child) };
    await stopChild(child);
    if (attempt === 2) throw new Error(`nginx did not start: ${stderr}`);
  }
}

/**
 * A SOAP-like service: POST /soap with `<m:name>X</m:name>` in the body answers a SOAP envelope
 * greeting X. Remembers every request it got (head and exact body) for the tests to check.
 * It closes each connection after its answer, unless `keepAlive`.
 */
export async function startSoapServer({ keepAlive = false } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    bodyOf(req, (body) => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      const name = body.match(/<m:name>([^<]*)<\/m:name>/)?.[1];
      const url = new URL(req.url, "http://soap");
      if (req.method !== "POST" || url.pathname !== "/soap" || name === undefined) {
        res.writeHead(400, { "content-type": "text/plain" }).end("expected a SOAP POST to /soap\n");
        return;
      }
      const reply =
        '<?xml version="1.0" encoding="UTF-8"?>' +
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
        '<soap:Body><m:helloResponse xmlns:m="urn:tcpmon-e2e">' +
        `<m:greeting>Hello, ${name}</m:greeting><m:count>${received.length}</m:count>` +
        "</m:helloResponse></soap:Body></soap:Envelope>";
      // Content-Length, or with ?chunked the chunked transfer coding (as many servers send).
      const chunked = url.searchParams.has("chunked");
      res.writeHead(200, {
        "content-type": "text/xml; charset=utf-8",
        ...(keepAlive ? {} : { connection: "close" }),
        ...(chunked ? {} : { "content-length": Buffer.byteLength(reply) }),
      });
      if (chunked) res.write(reply.slice(0, 100));
      res.end(chunked ? reply.slice(100) : reply);
    });
  });
  return listenLocal(server, { received });
}

/**
 * A server that answers every request with the Host header it got, as `text/plain` (on
 * keep-alive connections too), for the Host rewrite. Remembers each request's method, URL and
 * Host.
 */
export async function startHostEcho() {
  const received = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, host: req.headers.host });
      const body = `${req.headers.host ?? "(no Host header)"}\n`;
      res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) }).end(body);
    });
  });
  return listenLocal(server, { received });
}

/**
 * A server that answers every request with what it got, as `text/plain`: "METHOD URL: BODY".
 * Remembers each request's method, URL and body, for tests that check what reached the server.
 */
export async function startRequestEcho() {
  const received = [];
  const server = http.createServer((req, res) => {
    bodyOf(req, (body) => {
      received.push({ method: req.method, url: req.url, body });
      const answer = `${req.method} ${req.url}: ${body}`;
      res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(answer) }).end(answer);
    });
  });
  return listenLocal(server, { received });
}

/**
 * A server that breaks its promise: to each request head it answers a 200 whose Content-Length
 * says `promised` bytes, sends `body` (fewer), and closes the connection.
 */
export async function startCutServer({ body = "only part", promised = 100 } = {}) {
  const server = net.createServer((socket) => {
    let head = "";
    socket.on("data", (chunk) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${promised}\r\n\r\n${body}`);
    });
    socket.on("error", () => {});
  });
  return listenLocal(server);
}

/** A SOAP request body asking to greet `name`. */
export function soapRequest(name) {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soap:Body><m:hello xmlns:m="urn:tcpmon-e2e"><m:name>${name}</m:name></m:hello></soap:Body>` +
    "</soap:Envelope>"
  );
}

/**
 * The start of the SOAP server's answer greeting `name`, as the XML view indents it (two spaces a
 * level), down to the greeting.
 */
export function prettySoapGreeting(name) {
  return (
    '\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\n  <soap:Body>\n' +
    '    <m:helloResponse xmlns:m="urn:tcpmon-e2e">\n' +
    `      <m:greeting>Hello, ${name}</m:greeting>\n`
  );
}

/** The environment without proxy settings: curl goes where each test says, through -x or not. */
const CLIENT_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)),
);

/** Runs curl; resolves with its exit code and output, whatever the code. */
export function curl(args) {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["--silent", "--show-error", "--max-time", "10", ...args],
      { encoding: "utf8", env: CLIENT_ENV },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** curl that must succeed: resolves with the body. */
export async function curlOk(args) {
  const result = await curl(args);
  if (result.code !== 0) throw new Error(`curl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** The tests' Python, with tests/clients/requirements.txt (websockets) in $TCPMON_VENV. */
const VENV_PYTHON = path.join(process.env.TCPMON_VENV ?? path.join(os.homedir(), ".cache/tcpmon-venv"), "bin/python");
const WS_PEERS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../clients/ws_peers.py");

/**
 * A Python `websockets` peer: `args` after the venv's python. Resolves with its exit code and
 * output once it ends (after 20 s at most).
 */
function runVenvPython(args) {
  return new Promise((resolve) => {
    const child = track(
      execFile(VENV_PYTHON, args, { encoding: "utf8", env: CLIENT_ENV, timeout: 20_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    child.stdin?.end();
  });
}

/** A server that prints its port first: `program` run with `args`; resolves once it has. */
async function startPrintingPort(program, args) {
  const child = track(spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] }));
  const name = path.basename(args.find((a) => a.endsWith(".py")) ?? program);
  let output = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 10000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/^(\d+)\n/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => reject(new Error(`${name} exited (${code}): ${output}`)));
  });
  return { port, stop: () => stopChild(child) };
}

/**
 * tcpmon-cli run with `args` ($TCPMON_CLI, or the build beside the app's:
 * $CARGO_TARGET_DIR/debug/tcpmon-cli); resolves once it listens, with its port and `stop`,
 * which ends it (SIGTERM: it prints its totals first) and resolves to what it wrote on stderr.
 */
export async function startCli(args) {
  const target = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache/tcpmon-target");
  const cli = process.env.TCPMON_CLI ?? path.join(target, "debug/tcpmon-cli");
  if (!fs.existsSync(cli)) throw new Error(`no tcpmon-cli at ${cli} (cargo build -p tcpmon-cli)`);
  const child = track(spawn(cli, args, { stdio: ["ignore", "pipe", "pipe"] }));
  let output = "";
  let errors = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpmon-cli did not start: ${output}${errors}`)), 10000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/^listening on \S*:(\d+) ->/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr.on("data", (chunk) => (errors += chunk));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpmon-cli ${args.join(" ")} exited (${code}): ${errors}`));
    });
  });
  return {
    port,
    stop: async () => {
      await stopChild(child);
      return errors;
    },
  };
}

/** tests/clients/ws_peers.py's echo server (permessage-deflate offered) on a free port. */
export function startWsEcho() {
  return startPrintingPort(VENV_PYTHON, ["-u", WS_PEERS, "server"]);
}

/** tests/clients/sse_server.py on a free port: GET /events streams three events, chunked. */
export function startSseServer() {
  const server = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../clients/sse_server.py");
  return startPrintingPort("python3", ["-u", server]);
}

/**
 * tests/clients/ws_peers.py's client against `url`: five messages and their echoes, then a
 * close (1000 "done"). Resolves with what it printed; rejects when it failed.
 */
export async function runWsClient(url) {
  const result = await runVenvPython([WS_PEERS, "client", url]);
  if (result.code !== 0) throw new Error(`ws_peers.py client ${url} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/**
 * tests/clients/ws_peers.py's waiting client: connects to `url`, sends nothing, prints the first
 * `count` messages it receives, then closes. Resolves once it is connected, with `done`, which
 * resolves to what it printed when it has ended (rejects when it failed).
 */
export async function startWsWaiter(url, count) {
  const child = track(
    spawn(VENV_PYTHON, ["-u", WS_PEERS, "wait", url, String(count)], { stdio: ["ignore", "pipe", "pipe"], env: CLIENT_ENV }),
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const done = new Promise((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`ws_peers.py wait exited (${code}): ${output}`)),
    ),
  );
  done.catch(() => {}); // awaited by the test; an early failure also ends waitFor below
  await waitFor(() => output.includes("connected\n") || child.exitCode !== null, 10000);
  if (!output.includes("connected\n")) throw new Error(`ws_peers.py wait did not connect: ${output}`);
  return { done, stop: () => stopChild(child) };
}

/** curl's arguments for one SOAP POST greeting `name`. */
function soapArgs(port, name, urlPath) {
  return [
    "-H",
    "Content-Type: text/xml; charset=utf-8",
    "-H",
    'SOAPAction: "urn:tcpmon-e2e#hello"',
    "--data-binary",
    soapRequest(name),
    `http://127.0.0.1:${port}${urlPath}`,
  ];
}

/** POSTs the SOAP request for `name` to `port` through curl. */
export function soapPost(port, name, urlPath = "/soap") {
  return curlOk(soapArgs(port, name, urlPath));
}

/** One curl POSTing the SOAP request for each of `names`: one connection if the server keeps it. */
export function soapPosts(port, names, urlPath = "/soap") {
  return curlOk(names.flatMap((name, i) => [...(i > 0 ? ["--next"] : []), ...soapArgs(port, name, urlPath)]));
}

/** Sends `text` as it is on a new connection to `port`; resolves with all that comes back. */
export function rawRequest(port, text) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    const chunks = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
    socket.setTimeout(10000, () => socket.destroy(new Error("no answer in 10 s")));
  });
}

export function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitFor(check, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * A server answering each path with a fixed response: `routes` maps a path to
 * `{ body: Buffer | string, headers }` (Content-Length added). Counts requests per path.
 */
export async function startFixedServer(routes) {
  const hits = new Map();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = new URL(req.url, "http://x").pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const route = routes[path];
      if (!route) return res.writeHead(404, { "content-type": "text/plain" }).end("no such path\n");
      const body = Buffer.from(route.body);
      res.writeHead(200, { ...route.headers, "content-length": body.length }).end(body);
    });
  });
  return listenLocal(server, { hits });
}

/**
 * A self-signed certificate for `localhost` (cert.pem, key.pem in `dir`; `san` lists its names)
 * and `openssl s_server -www` serving it on a free port of 127.0.0.1: an HTTPS server whose
 * certificate no system trusts, as a dev server's. Resolves once it listens.
 */
export async function startTlsServer(dir, { san = "DNS:localhost" } = {}) {
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  await new Promise((resolve, reject) =>
    execFile(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"]
        .concat(["-subj", "/CN=localhost", "-addext", `subjectAltName=${san}`])
        .concat(["-keyout", key, "-out", cert]),
      (error, _stdout, stderr) => (error ? reject(new Error(`openssl req: ${stderr}`)) : resolve()),
    ),
  );
  const child = track(
    spawn("openssl", ["s_server", "-accept", "127.0.0.1:0", "-www", "-cert", cert, "-key", key], {
      stdio: ["ignore", "pipe", "ignore"],
    }),
  );
  let output = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${output}`)), 10000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/ACCEPT .*:(\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`s_server exited (${code}): ${output}`)));
  });
  return { port, cert, stop: () => stopChild(child) };
}

const GRPC_PEERS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../clients/grpc_peers.py");

/** tests/clients/grpc_peers.py's demo.shop.Shop server (grpcio, h2c) on a free port. */
export function startGrpcServer(descriptorSet) {
  return startPrintingPort(VENV_PYTHON, ["-u", GRPC_PEERS, "server", descriptorSet]);
}

/**
 * tests/clients/grpc_peers.py's client against `target` (host:port): a unary call, a
 * server-streaming one and a unary one that fails NOT_FOUND. Resolves with what it printed.
 */
export async function runGrpcClient(descriptorSet, target) {
  const result = await runVenvPython([GRPC_PEERS, "client", descriptorSet, target]);
  if (result.code !== 0) throw new Error(`grpc_peers.py client ${target} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}
