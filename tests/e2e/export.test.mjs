// Export and reopen: rows picked in a listener tab (curl through nginx: a keep-alive connection
// of three GETs and a POST) saved as HAR, checked with har-validator, and opened again
// read-only in a tab of its own; picked rows saved as curl commands that send the requests
// again when run, and as TCPMon text, one entry per exchange. This app start's dialogs answer
// with one .har file in the run's temp dir (each save overwrites it).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import validator from "har-validator";
import { launchApp, tid } from "./lib/app.mjs";
import { curl, startNginx, tempDir } from "./lib/servers.mjs";

const ONE = "first file\n";
const TWO = '{"animal": "unicorn", "legs": 4}\n';
const FORM = "name=value&x=1";
/** The commands go straight to nginx, whatever proxy the machine names. */
const NO_PROXY_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)));

let app;
let nginx;
let port;
let file;
let picked; // the rows saved, as the listener tab showed them
const url = (name) => `http://127.0.0.1:${port}/${name}`;

before(async () => {
  const dir = tempDir("har");
  fs.writeFileSync(path.join(dir, "one.txt"), ONE);
  fs.writeFileSync(path.join(dir, "two.json"), TWO);
  nginx = await startNginx(dir);
  file = path.join(tempDir("har-out"), "capture.har");
  app = await launchApp({ dialogPath: file });
});

after(async () => {
  await app?.close();
  await nginx?.stop();
});

const cells = (r) => [r.method, r.url, r.status, r.reqSize, r.respSize, r.host];

test("Save as HAR of selected rows writes only those exchanges, and har-validator accepts it", async () => {
  port = await app.addListener({ targetPort: nginx.port });
  const keepAlive = await curl(["one.txt", "two.json", "missing"].flatMap((name) => ["-o", "/dev/null", url(name)]));
  assert.equal(keepAlive.code, 0, keepAlive.stderr);
  await curl(["-o", "/dev/null", "--data-binary", FORM, url("one.txt")]); // nginx: 405
  const rows = await app.waitForRows(
    (rows) => rows.length === 4 && rows.every((r) => r.state === "Done" && r.status !== ""),
    "four finished exchanges",
  );
  assert.deepEqual(
    rows.map((r) => r.status),
    ["200", "200", "404", "405"],
  );

  // The first and third exchange of the keep-alive connection, and the POST.
  picked = [rows[0], rows[2], rows[3]];
  await app.clickRow(picked[0]);
  await app.clickRow(picked[1], { ctrl: true });
  await app.clickRow(picked[2], { ctrl: true });
  await app.waitForRows(
    (rows) => rows.map((r) => r.selected).join() === "true,false,true,true",
    "three rows selected",
  );

  const message = await app.saveAs("har", file);
  assert.equal(message, `Saved 3 requests to ${file}`);
  const har = JSON.parse(fs.readFileSync(file, "utf8"));
  try {
    await validator.har(har);
  } catch (e) {
    assert.fail(`har-validator: ${e.message}: ${JSON.stringify(e.errors, null, 1)}`);
  }
  const { entries } = har.log;
  assert.deepEqual(
    entries.map((e) => [e.request.method, e.request.url, e.response.status]),
    [
      ["GET", url("one.txt"), 200],
      ["GET", url("missing"), 404],
      ["POST", url("one.txt"), 405],
    ],
  );
  assert.equal(entries[0].response.content.text, ONE);
  assert.equal(entries[0].response.content.size, Buffer.byteLength(ONE));
  assert.equal(entries[2].request.postData.text, FORM);
  assert.equal(entries[2].request.bodySize, FORM.length);
  assert.match(entries[0].request.headers.find((h) => h.name === "User-Agent").value, /^curl\//);
  // The two keep-alive exchanges name one connection; the POST another.
  assert.equal(entries[0].connection, entries[1].connection);
  assert.notEqual(entries[0].connection, entries[2].connection);
  for (const entry of entries) {
    assert.ok(entry.timings.send >= 0 && entry.timings.wait >= 0 && entry.timings.receive >= 0);
  }
});

test("Open of the HAR file shows the same exchanges read-only in a new tab", async () => {
  const tab = await app.openSession();
  assert.equal(tab.title, "capture.har");
  const opened = await app.waitForRows((rows) => rows.length === 3, "the saved exchanges");
  assert.deepEqual(opened.map(cells), picked.map(cells));
  assert.ok(opened.every((r) => r.state === "Done"), JSON.stringify(opened));
  // Keep-alive exchanges stay together in one connection.
  assert.equal(opened[0].conn, opened[1].conn);
  assert.deepEqual(
    opened.map((r) => r.place),
    [0, 1, 0],
  );
  assert.notEqual(opened[2].conn, opened[0].conn);
  assert.match(await (await app.inPanel("session-note")).getText(), /HAR/);

  await app.clickRow(opened[1]);
  await app.chooseView("request", "raw");
  await app.chooseView("response", "raw");
  await app.waitForPane("request", (p) => p.text.startsWith("GET /missing HTTP/1.1\n"), "the 404's request");
  await app.waitForPane("response", (p) => p.text.startsWith("HTTP/1.1 404 Not Found\n"), "the 404");
  await app.clickRow(opened[2]);
  const post = await app.waitForPane(
    "request",
    (p) => p.text.startsWith("POST /one.txt HTTP/1.1\n"),
    "the POST",
  );
  assert.ok(post.text.endsWith(`\n\n${FORM}`), post.text);
  assert.ok(!post.text.includes("GET "), "only that exchange's request");

  // The search box searches the opened file's rows.
  let box = await app.search("method:POST");
  assert.equal(box.count, "1 of 3 rows");
  assert.deepEqual((await app.rows()).map(cells), [picked[2]].map(cells));
  box = await app.search("body:unicorn");
  assert.equal(box.count, "0 of 3 rows", "two.json was not among the rows saved");
  await app.search("");

  // Read-only: no Remove, Resend or Edit.
  assert.deepEqual(await app.controls(), ["save", "close-tab"]);
  await app.clickInPanel("close-tab");
  await app.waitFor(async () => !(await app.tabs()).some((t) => t.testid === "session-tab"), "the tab to go");
});

test("Save as curl writes commands that send the picked requests again", async () => {
  await app.selectTab(`Port ${port}`);
  const rows = await app.rows();
  await app.clickRow(rows[1]);
  await app.clickRow(rows[3], { ctrl: true });
  await app.waitForRows((rows) => rows.map((r) => r.selected).join() === "false,true,false,true", "two rows");
  const message = await app.saveAs("curl", file);
  assert.equal(message, `Saved 2 requests to ${file}`);
  const script = fs.readFileSync(file, "utf8");
  const commands = script.split("\n").filter((line) => line.startsWith("curl ") || line.includes("| curl "));
  assert.equal(commands.length, 2, script);

  // Run them: they go to nginx (the server the relay used) and get what the originals got.
  const out = await new Promise((resolve, reject) =>
    execFile("sh", [file], { encoding: "utf8", timeout: 10000, env: NO_PROXY_ENV }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout),
    ),
  );
  assert.ok(out.startsWith(TWO), out);
  assert.match(out, /405 Not Allowed/);
});

test("Save as TCPMon text of two exchanges of one connection writes an entry for each", async () => {
  const rows = await app.rows();
  await app.clickRow(rows[0]);
  await app.clickRow(rows[1], { ctrl: true });
  await app.waitForRows((rows) => rows.map((r) => r.selected).join() === "true,true,false,false", "two rows");
  const message = await app.saveAs("text", file);
  assert.equal(message, `Saved 2 requests to ${file}`, "two entries of one connection: not 2 connections");
  const text = fs.readFileSync(file, "latin1");
  const entries = text.split("\n==============\n").filter((e) => e.trim() !== "");
  assert.equal(entries.length, 2, text);
  const requests = entries.map((entry) => entry.match(/^(GET|POST) \S+/gm));
  assert.deepEqual(requests, [["GET /one.txt"], ["GET /two.json"]], "each entry holds its own request only");
  assert.ok(entries[0].endsWith(ONE) && entries[1].endsWith(TWO), text);
  const head = `Listen Port: ${port}\nTarget Host: 127.0.0.1\nTarget Port: ${nginx.port}\n`;
  assert.ok(entries.every((e) => e.startsWith(head)), text);
});

test("Open of a file that is neither a session nor HAR says why on the status line, and opens no tab", async () => {
  fs.writeFileSync(file, '{"log": {"version": "1.2", "entries": "not a list"}}');
  const tabsBefore = await app.tabs();
  await app.click(tid("open-session"));
  const message = await app.waitFor(async () => {
    const text = await app.statusMessage();
    return text.startsWith("Could not open") && text;
  }, "the reason on the status line");
  assert.ok(message.includes(file), `the message names the file: ${message}`);
  assert.equal(await (await app.$(tid("status-message"))).getAttribute("class"), "status-message error");
  assert.deepEqual(await app.tabs(), tabsBefore);
  assert.deepEqual(await app.problems(), []);
});
