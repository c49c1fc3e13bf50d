// The Sender tab: compose a request (here with the SOAP helper) and send it to the SOAP server;
// Rust sends it and captures it under listener 0, so it shows in the Sender tab's own table
// and panes. What cannot be sent is said next to the field at fault, whether the window or
// Rust found it.
// The tests run in order on one app start; each says what it expects to find.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import { freePort, prettySoapGreeting, startSoapServer } from "./lib/servers.mjs";

const OPERATION = '<m:hello xmlns:m="urn:tcpmon-e2e"><m:name>Sender</m:name></m:hello>';

let app;
let soap;
let soapUrl;
let failedRow; // the Sender's row of a request to a closed port

before(async () => {
  soap = await startSoapServer();
  soapUrl = `http://127.0.0.1:${soap.port}/soap`;
  app = await launchApp();
});

after(async () => {
  await app?.close();
  await soap?.stop();
});

const value = async (testid) => (await app.inPanel(testid)).getValue();

/** The Sender's field errors that show, by field. */
const shownErrors = () =>
  app.browser.execute(
    (panel) =>
      Object.fromEntries(
        ["error-method", "error-url", "error-headers", "error-body", "sender-error"]
          .map((testid) => [testid, document.querySelector(`${panel} [data-testid="${testid}"]`)])
          .filter(([, node]) => node && !node.hidden)
          .map(([testid, node]) => [testid, node.textContent]),
      ),
    PANEL,
  );

/** Waits until an error shows next to a field (`testid`, its error's); returns all that show. */
const waitForError = (testid, what) =>
  app.waitFor(async () => {
    const shown = await shownErrors();
    return shown[testid] && shown;
  }, what);

async function send() {
  await app.clickInPanel("sender-send");
}

test("the SOAP helper composes a SOAP POST, and Send shows the exchange in the Sender tab", async () => {
  assert.deepEqual(
    (await app.tabs()).map((t) => t.testid),
    ["admin-tab", "sender-tab"],
  );
  await app.selectTab("Sender");
  await app.type(`${PANEL} ${tid("sender-url")}`, soapUrl);
  await app.clickInPanel("sender-soap");
  await app.waitFor(async () => (await value("sender-method")) === "POST", "the method to be POST");
  assert.equal(await value("sender-headers"), 'Content-Type: text/xml; charset=utf-8\nSOAPAction: ""');
  const envelope = await value("sender-body");
  assert.match(envelope, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<soapenv:Envelope /);
  assert.match(envelope, /<soapenv:Body>\n {4}\n {2}<\/soapenv:Body>/, "an empty Body to fill in");

  // Type the operation into the envelope's empty Body, where the caret would be put.
  await app.typeIntoSoapBody(OPERATION);
  const composed = await value("sender-body");
  assert.equal(composed, envelope.replace("\n  </soapenv:Body>", `${OPERATION}\n  </soapenv:Body>`));

  await send();
  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].state === "Done" && rows[0].status !== "",
    "the sent request's row, answered",
  );
  assert.deepEqual(
    [row.method, row.url, row.status, row.statusClass, row.host, row.target],
    ["POST", soapUrl, "200", "st-2xx", `127.0.0.1:${soap.port}`, `127.0.0.1:${soap.port}`],
  );
  assert.equal(row.reqSize, `${Buffer.byteLength(composed)} B`);
  assert.ok(row.selected && row.shown, "the new request is selected and shown");
  assert.match(await app.statusMessage(), new RegExp(`^Sending POST ${soapUrl} \\(#${row.conn}\\)`));

  // What the SOAP server got: the body as typed, the helper's headers, a Host and a
  // Content-Length added by the Sender.
  const got = soap.received.at(-1);
  assert.equal(soap.received.length, 1);
  assert.equal(got.body, composed);
  assert.equal(got.headers.soapaction, '""');
  assert.equal(got.headers["content-type"], "text/xml; charset=utf-8");
  assert.equal(got.headers["content-length"], String(Buffer.byteLength(composed)));
  assert.equal(got.headers.host, `127.0.0.1:${soap.port}`);

  // The XML view shows the answer's envelope indented, two spaces a level.
  await app.chooseView("response", "xml");
  const response = await app.waitForPane(
    "response",
    (p) =>
      p.text.includes(
        prettySoapGreeting("Sender") +
          "      <m:count>1</m:count>\n    </m:helloResponse>\n  </soap:Body>\n</soap:Envelope>",
      ),
    "the SOAP answer, pretty",
  );
  assert.ok(response.text.startsWith("HTTP/1.1 200 OK\n"), response.text);
  assert.equal(response.note, null, "no fallback note");
  assert.equal(response.resolved, "", "the XML view was used");
  await app.chooseView("request", "xml");
  const request = await app.waitForPane(
    "request",
    (p) =>
      p.text.includes('\n  <soapenv:Body>\n    <m:hello xmlns:m="urn:tcpmon-e2e">\n      <m:name>Sender</m:name>\n'),
    "the request's envelope, pretty",
  );
  assert.ok(request.text.startsWith("POST /soap HTTP/1.1\n"), request.text);
  assert.match(request.text, /\nSOAPAction: ""\n/);

  // Listener 0 gets no tab of its own.
  assert.deepEqual(
    (await app.tabs()).map((t) => t.testid),
    ["admin-tab", "sender-tab"],
  );
});

test("a URL that is not http:// is refused next to the URL field, and nothing is sent", async () => {
  const rowsBefore = (await app.rows()).length;
  await app.type(`${PANEL} ${tid("sender-url")}`, "ftp://127.0.0.1/file.txt");
  await send();
  const errors = await waitForError("error-url", "an error next to the URL");
  assert.deepEqual(Object.keys(errors), ["error-url"]);
  assert.match(errors["error-url"], /http:\/\//);

  // Next to the URL field: right under it, not somewhere else in the window.
  const where = await app.browser.execute((panel) => {
    const rect = (testid) => document.querySelector(`${panel} [data-testid="${testid}"]`).getBoundingClientRect();
    const [url, error] = [rect("sender-url"), rect("error-url")];
    return {
      below: Math.round(error.top - url.bottom),
      overlapsColumn: error.left < url.right && error.right > url.left,
      visible: error.width > 0 && error.height > 0,
    };
  }, PANEL);
  assert.ok(where.visible && where.overlapsColumn && where.below >= 0 && where.below < 30, JSON.stringify(where));
  await app.browser.pause(300);
  assert.equal((await app.rows()).length, rowsBefore, "no request went out");
  assert.equal(soap.received.length, 1);
});

test("Rust's refusals land next to their field too (a URL with a space, a bad method)", async () => {
  // The window's URL parser accepts a space in the path; Rust does not send one.
  await app.type(`${PANEL} ${tid("sender-url")}`, `http://127.0.0.1:${soap.port}/so ap`);
  await send();
  let errors = await waitForError("error-url", "Rust's error next to the URL");
  assert.deepEqual(Object.keys(errors), ["error-url"]);
  assert.match(errors["error-url"], /space/);

  await app.type(`${PANEL} ${tid("sender-url")}`, soapUrl);
  await (await app.inPanel("sender-method")).selectByAttribute("value", "other");
  const other = await app.inPanel("sender-method-other");
  await other.waitForDisplayed({ timeout: 10000 });
  await app.type(`${PANEL} ${tid("sender-method-other")}`, "M SEARCH");
  await send();
  errors = await waitForError("error-method", "an error next to the method");
  assert.deepEqual(Object.keys(errors), ["error-method"]);
  assert.equal(soap.received.length, 1, "nothing reached the server");
});

test("a request whose server refuses the connection shows as a failed row with the reason", async () => {
  const closed = await freePort();
  await app.type(`${PANEL} ${tid("sender-method-other")}`, "PROPFIND");
  await app.type(`${PANEL} ${tid("sender-url")}`, `http://127.0.0.1:${closed}/nothing-here`);
  await send();
  await app.waitFor(async () => Object.keys(await shownErrors()).length === 0, "the errors cleared");
  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows[1].state === "Error",
    "a second row, failed",
  );
  assert.deepEqual([rows[1].client, rows[1].host], ["sender", `127.0.0.1:${closed}`]);
  assert.ok(rows[1].selected && rows[1].shown, "the new request is selected");
  const response = await app.waitForPane("response", (p) => p.failure !== null, "the failure reason");
  assert.match(response.failure, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${closed}: Connection refused`));
  failedRow = rows[1];
  assert.deepEqual(await app.problems(), []);
});

test("a failed send's row still names the request that was not sent", () => {
  assert.ok(failedRow, "the previous test found the failed row");
  // No exchange was captured (nothing reached a server); the row shows the request line.
  assert.equal(failedRow.url, "PROPFIND /nothing-here HTTP/1.1");
});
