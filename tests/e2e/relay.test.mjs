// A forward listener, driven as a user would: add it, send real traffic through it with curl
// (a GET to Python's http.server, SOAP POSTs to a small SOAP server), read the rows and panes,
// switch views, edit and resend, remove rows, stop and start, and hit a port in use.
// The tests run in order on one app start; each says what it expects to find.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import {
  canConnect,
  curl,
  curlOk,
  occupyPort,
  prettySoapGreeting,
  soapPost,
  soapRequest,
  startPythonServer,
  startSoapServer,
  tempDir,
} from "./lib/servers.mjs";

let app;
let web; // Python's http.server
let soap;
let webPort; // the listener in front of http.server
let soapPort; // the listener in front of the SOAP server
const HELLO = "Hello from http.server through TCPMon\n";

before(async () => {
  const dir = tempDir("www");
  fs.writeFileSync(path.join(dir, "hello.txt"), HELLO);
  [web, soap] = await Promise.all([startPythonServer(dir), startSoapServer()]);
  app = await launchApp();
});

after(async () => {
  await app?.close();
  await Promise.all([web?.stop(), soap?.stop()]);
});

test("Add starts a listener on the form's target and opens its tab, running", async () => {
  webPort = await app.addListener({ targetPort: web.port });
  const tab = await app.selectedTab();
  assert.equal(tab.title, `Port ${webPort}`);
  assert.equal(tab.tone, "running");
  assert.equal(await (await app.inPanel("start-stop")).getText(), "Stop");
  assert.equal(await (await app.inPanel("tab-target-port")).getValue(), String(web.port));
});

test("a curl GET through the listener shows a row and both sides in the panes", async () => {
  const body = await curlOk([`http://127.0.0.1:${webPort}/hello.txt`]);
  assert.equal(body, HELLO, "curl got the file through the relay");

  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].state === "Done" && rows[0].status !== "",
    "one finished exchange",
  );
  assert.equal(row.method, "GET");
  assert.equal(row.url, `http://127.0.0.1:${webPort}/hello.txt`);
  assert.equal(row.status, "200");
  assert.equal(row.statusClass, "st-2xx");
  assert.equal(row.exchange, 0);
  assert.equal(row.raw, false);
  assert.match(row.client, /^127\.0\.0\.1:\d+$/);
  assert.equal(row.host, `127.0.0.1:${webPort}`, "the Host curl sent");
  assert.equal(row.target, `127.0.0.1:${web.port}`, "where the connection went");
  // Body sizes: a GET has none; the response's is the file.
  assert.equal(row.reqSize, "0 B");
  assert.equal(row.respSize, `${Buffer.byteLength(HELLO)} B`);
  assert.match(row.duration, /^[\d,]+ ms$/);

  // Most Recent is followed by default: the panes show the new connection.
  const request = await app.waitForPane(
    "request",
    (p) => p.text.startsWith("GET /hello.txt HTTP/1.1\n"),
    "the GET request",
  );
  assert.match(request.text, new RegExp(`\nHost: 127\\.0\\.0\\.1:${webPort}\n`));
  assert.match(request.text, /\nUser-Agent: curl\//);
  const response = await app.waitForPane(
    "response",
    (p) => p.text.startsWith("HTTP/1.0 200 OK\n") && p.text.endsWith(HELLO),
    "http.server's answer",
  );
  assert.match(response.text, /\nServer: SimpleHTTP\/[\d.]+ Python\//);
});

test("a SOAP POST shows pretty-printed in the XML view and as bytes in the Hex view", async () => {
  soapPort = await app.addListener({ targetPort: soap.port });
  const reply = await soapPost(soapPort, "World");
  assert.match(reply, /<m:greeting>Hello, World<\/m:greeting>/);

  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].state === "Done" && rows[0].status !== "",
    "the SOAP exchange, finished",
  );
  assert.deepEqual(
    [row.method, row.url, row.status, row.reqSize],
    ["POST", `http://127.0.0.1:${soapPort}/soap`, "200", `${Buffer.byteLength(soapRequest("World"))} B`],
  );
  await app.clickRow(row);

  await app.chooseView("request", "xml");
  const request = await app.waitForPane(
    "request",
    (p) => p.text.includes("\n    <m:hello xmlns:m=\"urn:tcpmon-e2e\">\n"),
    "the request body indented",
  );
  assert.ok(request.text.startsWith("POST /soap HTTP/1.1\n"), "the HTTP head stays above the XML");
  assert.match(request.text, /\nContent-Type: text\/xml; charset=utf-8\n/);
  assert.equal(request.resolved, "", "the XML view was used, not a fallback");

  await app.chooseView("response", "xml");
  const response = await app.waitForPane(
    "response",
    (p) => p.text.includes(prettySoapGreeting("World")),
    "the SOAP response indented two spaces a level",
  );
  assert.ok(response.text.startsWith("HTTP/1.1 200 OK\n"));
  assert.equal(response.note, null, "no fallback note");

  // The raw view shows the body as it came: on one line.
  await app.chooseView("response", "raw");
  await app.waitForPane(
    "response",
    (p) => p.text.includes("<soap:Envelope") && p.text.includes("><soap:Body><m:helloResponse"),
    "the body on one line again",
  );

  await app.chooseView("response", "hex");
  const hex = await app.waitForPane(
    "response",
    (p) => p.text.startsWith("00000000  "),
    "a hex dump",
  );
  const lines = hex.text.split("\n");
  assert.equal(lines[0], "00000000  48 54 54 50 2f 31 2e 31  20 32 30 30 20 4f 4b 0d  HTTP/1.1 200 OK.");
  assert.match(lines[1], /^00000010  0a /, "CR LF split across lines 1 and 2");
});

test("in a narrow window a Hex dump line stays one line, and the pane scrolls sideways", async () => {
  assert.equal((await app.pane("response")).view, "hex");
  const layout = () =>
    app.browser.execute((panel) => {
      const pre = document.querySelector(`${panel} [data-testid="response-pane"] pre.pane-text`);
      const text = pre.firstChild;
      const range = document.createRange();
      range.setStart(text, 0);
      range.setEnd(text, text.data.indexOf("\n"));
      const body = pre.parentElement;
      return { firstLineBoxes: range.getClientRects().length, scrollsSideways: body.scrollWidth > body.clientWidth };
    }, PANEL);
  await app.browser.setWindowSize(800, 600);
  try {
    await app.waitFor(async () => (await app.browser.execute(() => innerWidth)) === 800, "the window at 800 px");
    assert.deepEqual(await layout(), { firstLineBoxes: 1, scrollsSideways: true });
  } finally {
    await app.browser.setWindowSize(1200, 800);
  }
});

test("an edited request is resent with the edit and a fixed Content-Length", async () => {
  const before = await app.rows();
  assert.equal(before.length, 1);
  const original = before[0];
  const receivedBefore = soap.received.length;

  await app.chooseView("response", "xml");
  await app.clickInPanel("edit-request");
  const editor = await app.inPanel("request-editor");
  await editor.waitForDisplayed({ timeout: 10000 });
  const captured = await editor.getValue();
  assert.ok(captured.startsWith("POST /soap HTTP/1.1\n"), `the editor holds the request: ${captured}`);
  assert.ok(captured.includes("<m:name>World</m:name>"));
  // Select "World" in the editor, as a double click would, and type over it.
  await app.browser.execute((panel) => {
    const editor = document.querySelector(`${panel} [data-testid="request-editor"]`);
    const at = editor.value.indexOf("<m:name>World<") + "<m:name>".length;
    editor.focus();
    editor.setSelectionRange(at, at + "World".length);
  }, PANEL);
  await app.browser.keys([..."Edited Ünïcode"]);
  await app.waitFor(
    async () => (await editor.getValue()) === captured.replace(">World<", ">Edited Ünïcode<"),
    async () => `the edit in the editor; it holds ${JSON.stringify(await editor.getValue())}`,
  );
  await app.clickInPanel("resend");

  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows[1].state === "Done" && rows[1].status !== "",
    "a second row for the resend, finished",
  );
  const resent = rows[1];
  assert.equal(resent.client, `↻ resend of #${original.id}`);
  assert.deepEqual([resent.method, resent.url, resent.status], ["POST", original.url, "200"]);
  assert.ok(resent.selected, "the resent connection is selected");
  // Same head with CRLF line ends, only the body (and the Content-Length value) grew.
  const grown = Buffer.byteLength(soapRequest("Edited Ünïcode")) - Buffer.byteLength(soapRequest("World"));
  assert.equal(resent.reqSize, `${parseInt(original.reqSize, 10) + grown} B`);

  // What the SOAP server really got: the edited body, exactly, and a Content-Length to match.
  assert.equal(soap.received.length, receivedBefore + 1);
  const got = soap.received.at(-1);
  assert.equal(got.body, soapRequest("Edited Ünïcode"));
  assert.equal(Number(got.headers["content-length"]), Buffer.byteLength(got.body));
  assert.notEqual(got.headers["content-length"], String(soapRequest("World").length));

  await app.waitForPane(
    "response",
    (p) => p.text.includes("\n      <m:greeting>Hello, Edited Ünïcode</m:greeting>\n"),
    "the server's answer to the edited request",
  );
  await app.waitForPane(
    "request",
    (p) => p.text.includes("<m:name>Edited Ünïcode</m:name>"),
    "the edited request, as sent",
  );

  // Compare of the request and its edited resend: the edited line, its changed words marked.
  await app.clickRow(rows[0], { ctrl: true });
  await app.clickInPanel("compare");
  const requests = await app.waitFor(async () => {
    const found = await app.diffRows("diff-requests");
    return found.length > 0 && found;
  }, "the request and its resend compared");
  const changed = requests.filter((r) => r.kind === "changed");
  const name = changed.find((r) => r.old.includes("<m:name>"));
  assert.ok(name, JSON.stringify(requests));
  assert.deepEqual(
    [name.old, name.new].map((line) => line.includes("Edited Ünïcode")).sort(),
    [false, true],
    JSON.stringify(name),
  );
  assert.ok([name.old, name.new].some((line) => line.includes("<m:name>World</m:name>")), JSON.stringify(name));
  assert.ok(name.marked.some((word) => word.includes("World")), JSON.stringify(name));
  assert.ok(
    changed.every((r) => r === name || /content-length/i.test(r.old)),
    `only the name and the length differ: ${JSON.stringify(changed)}`,
  );
  await app.click(tid("compare-close"));
  await app.waitFor(async () => !(await (await app.$(tid("diff-view"))).isExisting()), "the Compare view closed");
});

test("an unedited resend sends the captured bytes again", async () => {
  const [original] = await app.rows();
  await app.clickRow(original);
  await app.waitForPane("request", (p) => p.text.includes("<m:name>World</m:name>"), "the first request");
  const receivedBefore = soap.received.length;
  await app.clickInPanel("resend");
  const rows = await app.waitForRows(
    (rows) => rows.length === 3 && rows[2].state === "Done" && rows[2].status !== "",
    "a third row, finished",
  );
  assert.equal(rows[2].client, `↻ resend of #${original.id}`);
  assert.deepEqual([rows[2].method, rows[2].status, rows[2].reqSize], ["POST", "200", original.reqSize]);
  assert.equal(soap.received.length, receivedBefore + 1);
  assert.equal(soap.received.at(-1).body, soapRequest("World"));
});

test("Switch Layout stacks the panes, and switches them back side by side", async () => {
  const geometry = () =>
    app.browser.execute((panel) => {
      const box = (name) =>
        document.querySelector(`${panel} [data-testid="${name}-pane"]`).getBoundingClientRect();
      const [req, res] = [box("request"), box("response")];
      return { sideBySide: req.right <= res.left + 1, stacked: req.bottom <= res.top + 1 };
    }, PANEL);
  const start = await geometry();
  assert.ok(start.sideBySide && !start.stacked, `side by side at first: ${JSON.stringify(start)}`);
  await app.clickInPanel("switch-layout");
  await app.waitFor(async () => (await geometry()).stacked, "request above response");
  await app.clickInPanel("switch-layout");
  await app.waitFor(async () => (await geometry()).sideBySide, "side by side again");
});

test("Remove Selected removes only the selected rows; Remove All empties the table", async () => {
  const before = await app.rows();
  assert.equal(before.length, 3);
  const removeSelected = await app.inPanel("remove-selected");
  await app.clickRow(before[0]);
  await app.clickRow(before[2], { ctrl: true });
  await app.waitForRows(
    (rows) => rows.filter((r) => r.selected).map((r) => r.id).join() === `${before[0].id},${before[2].id}`,
    "the first and third rows selected",
  );
  assert.equal(await removeSelected.isEnabled(), true);
  await app.clickInPanel("remove-selected");
  const left = await app.waitForRows((rows) => rows.length === 1, "one row left");
  assert.equal(left[0].id, before[1].id);

  await app.clickInPanel("remove-all");
  await app.waitForRows((rows) => rows.length === 0, "no rows");
  assert.equal(await (await app.inPanel("remove-all")).isEnabled(), false);
  await app.waitForPane("request", (p) => p.text === "Waiting for connection…", "the placeholder");

  // The other listener's rows are its own: untouched.
  await app.selectTab(`Port ${webPort}`);
  const other = await app.rows();
  assert.equal(other.length, 1);
  assert.deepEqual([other[0].method, other[0].url], ["GET", `http://127.0.0.1:${webPort}/hello.txt`]);
});

test("Stop refuses connections, and Start accepts them again on the same port", async () => {
  await app.selectTab(`Port ${webPort}`);
  await app.clickInPanel("start-stop");
  await app.waitFor(
    async () => (await (await app.inPanel("start-stop")).getText()) === "Start",
    "the button to read Start",
  );
  assert.equal((await app.selectedTab()).tone, "stopped");
  const refused = await curl([`http://127.0.0.1:${webPort}/hello.txt`]);
  assert.equal(refused.code, 7, `curl cannot connect while stopped: ${refused.stderr}`);

  await app.clickInPanel("start-stop");
  await app.waitFor(
    async () => (await (await app.inPanel("start-stop")).getText()) === "Stop",
    "the button to read Stop",
  );
  assert.equal((await app.selectedTab()).tone, "running");
  assert.equal(await curlOk([`http://127.0.0.1:${webPort}/hello.txt`]), HELLO);
  await app.waitForRows(
    (rows) =>
      rows.length === 2 && rows[1].url === `http://127.0.0.1:${webPort}/hello.txt` && rows[1].status === "200",
    "a new row after the restart",
  );
});

test("a Listen Port in use is reported next to that field, and no listener is added", async () => {
  const busy = await occupyPort();
  try {
    const listenerTabs = async () =>
      (await app.tabs()).filter((t) => t.testid === "listener-tab").map((t) => t.title);
    const before = await listenerTabs();
    await app.submitListenerForm({ port: busy.port, targetPort: web.port });
    const error = await app.$(tid("error-listen_port"));
    await error.waitForDisplayed({ timeout: 10000 });
    const text = await error.getText();
    assert.match(text, new RegExp(`\\b${busy.port}\\b`), `the message names the port: ${text}`);
    assert.match(text, /in use/i);
    assert.deepEqual(await listenerTabs(), before, "no tab was added");
    assert.equal((await app.selectedTab()).title, "Admin", "the form stays in view");

    // A free port then clears the error.
    await app.type(tid("listen-port"), "0");
    await app.click(tid("add-listener"));
    await error.waitForDisplayed({ timeout: 10000, reverse: true });
    await app.waitFor(async () => (await app.selectedTab())?.testid === "listener-tab", "the new tab");
  } finally {
    await busy.close();
  }
});

test("closing a tab with unsaved rows asks first, then stops its listener", async () => {
  await app.selectTab(`Port ${webPort}`);
  await app.waitForRows((rows) => rows.length > 0, "the tab's rows, never saved");
  await app.clickInPanel("close-tab");
  const dialog = await app.$(tid("confirm-dialog"));
  await dialog.waitForDisplayed({ timeout: 10000 });
  assert.match(await dialog.getText(), /never saved/);

  await app.click(tid("dialog-cancel"));
  await dialog.waitForExist({ timeout: 10000, reverse: true });
  assert.equal((await app.selectedTab()).title, `Port ${webPort}`, "Cancel keeps the tab");
  assert.ok(await canConnect(webPort), "and the listener");

  await app.clickInPanel("close-tab");
  await app.click(tid("dialog-confirm"));
  await app.waitFor(
    async () => !(await app.tabs()).some((t) => t.title === `Port ${webPort}`),
    "the tab to go",
  );
  // The first listener tab's left neighbour takes its place.
  assert.equal((await app.selectedTab()).testid, "sender-tab");
  await app.waitFor(async () => !(await canConnect(webPort)), "the port to be closed");
});

test(
  "a chunked SOAP response shows in the XML view without its chunk sizes",
  async () => {
    const port = await app.addListener({ targetPort: soap.port });
    await soapPost(port, "Chunky", "/soap?chunked");
    const [row] = await app.waitForRows(
      (rows) => rows.length === 1 && rows[0].state === "Done" && rows[0].status === "200",
      "the row",
    );
    await app.clickRow(row);
    await app.chooseView("response", "xml");
    const pane = await app.waitForPane(
      "response",
      (p) => /\nTransfer-Encoding: chunked\n/i.test(p.text) && p.text.includes("</soap:Envelope>"),
      "the chunked response",
    );
    const body = pane.text.slice(pane.text.indexOf("\n\n") + 2);
    assert.ok(body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope'), body);
    assert.ok(body.endsWith("</soap:Envelope>"), body);
  },
);

test("a large POST that waits for 100 Continue shows both statuses on its row", async () => {
  const port = await app.addListener({ targetPort: soap.port });
  const body = soapRequest("x".repeat(2 * 1024 * 1024));
  const file = path.join(tempDir("continue"), "big.xml");
  fs.writeFileSync(file, body);
  const result = await curl([
    "-v",
    "-o",
    "/dev/null",
    "-H",
    "Content-Type: text/xml",
    "--data-binary",
    `@${file}`,
    `http://127.0.0.1:${port}/soap`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /\n> Expect: 100-continue\r?\n/, "curl asked for a 100 Continue");
  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].state === "Done" && rows[0].status !== "",
    "the POST, answered",
  );
  assert.deepEqual([row.method, row.status, row.statusClass, row.reqSize], ["POST", "100→200", "st-2xx", "2.0 MiB"]);
  await app.clickRow(row);
  await app.chooseView("response", "raw");
  await app.waitForPane(
    "response",
    (p) => p.text.startsWith("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\n"),
    "the interim answer before the final one",
  );
});

test("the window reported no script errors or CSP violations", async () => {
  assert.deepEqual(await app.problems(), []);
});
