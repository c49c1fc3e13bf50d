// HTTP exchanges as rows: curl sends three requests on one keep-alive connection through a
// listener in front of nginx, and the table shows one row per exchange; selecting one shows
// only its request and response. Then the search box filters those rows with the backend's
// query language, live as more traffic arrives, and says why a query is refused.
// The tests run in order on one app start; each says what it expects to find.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Key } from "webdriverio";
import { launchApp, PANEL } from "./lib/app.mjs";
import { curl, curlOk, startCutServer, startNginx, tempDir } from "./lib/servers.mjs";

const ONE = "first file\n";
const TWO = '{"animal": "unicorn", "legs": 4}\n';

let app;
let nginx;
let cut; // answers less than its Content-Length promises
let port;
const url = (name) => `http://127.0.0.1:${port}/${name}`;

before(async () => {
  const dir = tempDir("exchanges");
  fs.writeFileSync(path.join(dir, "one.txt"), ONE);
  fs.writeFileSync(path.join(dir, "two.json"), TWO);
  [nginx, cut] = await Promise.all([startNginx(dir), startCutServer({ body: "cut short", promised: 100 })]);
  app = await launchApp();
});

after(async () => {
  await app?.close();
  await Promise.all([nginx?.stop(), cut?.stop()]);
});

/** Every line of a pane that starts a message: request lines, or status lines. */
const starts = (text, pattern) => text.split("\n").filter((line) => pattern.test(line));

test("curl keep-alive with three URLs shows three exchange rows of one connection", async () => {
  port = await app.addListener({ targetPort: nginx.port });
  // One curl with three URLs reuses its connection (nginx keeps it alive).
  const result = await curl(["-v", url("one.txt"), url("two.json"), url("missing")]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.startsWith(ONE + TWO), result.stdout);
  assert.match(result.stderr, /Re-using existing connection/i, "curl kept the connection");

  const rows = await app.waitForRows(
    (rows) => rows.length === 3 && rows.every((r) => r.state === "Done" && r.status !== ""),
    "three finished exchanges",
  );
  const [first] = rows;
  assert.ok(
    rows.every((r) => r.conn === first.conn && r.id === first.conn),
    "one connection, named on each row",
  );
  assert.deepEqual(
    rows.map((r) => [r.place, r.exchange, r.cont, r.raw, r.method, r.url, r.status, r.statusClass]),
    [
      [0, 0, false, false, "GET", url("one.txt"), "200", "st-2xx"],
      [1, 1, true, false, "GET", url("two.json"), "200", "st-2xx"],
      [2, 2, true, false, "GET", url("missing"), "404", "st-4xx"],
    ],
  );
  assert.deepEqual(
    rows.map((r) => [r.reqSize, r.host, r.target]),
    Array(3).fill(["0 B", `127.0.0.1:${port}`, `127.0.0.1:${nginx.port}`]),
  );
  assert.deepEqual(
    rows.slice(0, 2).map((r) => r.respSize),
    [`${Buffer.byteLength(ONE)} B`, `${Buffer.byteLength(TWO)} B`],
  );
  // The Most Recent row is followed: the panes show the last exchange.
  assert.ok(rows[2].shown && !rows[0].shown && !rows[1].shown);
});

test("selecting the second exchange shows only its request and its response", async () => {
  const rows = await app.rows();
  await app.clickRow(rows[1]);
  await app.chooseView("request", "raw");
  await app.chooseView("response", "raw");
  const request = await app.waitForPane(
    "request",
    (p) => p.text.startsWith("GET /two.json HTTP/1.1\n"),
    "the second request",
  );
  assert.deepEqual(starts(request.text, /^[A-Z]+ \/\S* HTTP\/1\.1$/), ["GET /two.json HTTP/1.1"], request.text);
  assert.match(request.text, new RegExp(`\nHost: 127\\.0\\.0\\.1:${port}\n`));
  assert.ok(request.text.endsWith("\n\n"), `the request ends with its head: ${JSON.stringify(request.text)}`);
  const response = await app.waitForPane(
    "response",
    (p) => p.text.startsWith("HTTP/1.1 200 OK\n") && p.text.endsWith(`\n\n${TWO}`),
    "the second response, and its body",
  );
  assert.deepEqual(starts(response.text, /^HTTP\/1\.1 \d{3}/), ["HTTP/1.1 200 OK"], response.text);
  assert.ok(!response.text.includes(ONE), "nothing of the first response");
  assert.ok(!response.text.includes("404"), "nothing of the third response");

  const after = await app.rows();
  assert.deepEqual(
    after.map((r) => [r.selected, r.shown]),
    [
      [false, false],
      [true, true],
      [false, false],
    ],
  );

  // Down moves to the third exchange, which shows nginx's 404 and only that.
  await app.browser.keys([Key.ArrowDown]);
  await app.waitForPane("request", (p) => p.text.startsWith("GET /missing HTTP/1.1\n"), "the third request");
  const notFound = await app.waitForPane(
    "response",
    (p) => p.text.startsWith("HTTP/1.1 404 Not Found\n"),
    "the third response",
  );
  assert.deepEqual(starts(notFound.text, /^HTTP\/1\.1 \d{3}/), ["HTTP/1.1 404 Not Found"]);
  assert.ok(!notFound.text.includes(TWO));
  const moved = await app.rows();
  assert.deepEqual(
    moved.map((r) => r.selected),
    [false, false, true],
  );
});

test("the search box filters rows by status, method, body and regex, and counts them", async () => {
  // A POST nginx refuses (405) on a connection of its own, and one more GET.
  await curl(["-o", "/dev/null", "--data-binary", "name=value", url("one.txt")]);
  await curlOk(["-o", "/dev/null", url("two.json")]);
  await app.waitForRows(
    (rows) => rows.length === 5 && rows.every((r) => r.state === "Done" && r.status !== ""),
    "five finished exchanges",
  );
  const shown = async () => (await app.rows()).map((r) => [r.method, r.url, r.status]);

  let box = await app.search("status:404");
  assert.equal(box.count, "1 of 5 rows");
  assert.deepEqual(await shown(), [["GET", url("missing"), "404"]]);

  box = await app.search("method:POST");
  assert.equal(box.count, "1 of 5 rows");
  assert.deepEqual(await shown(), [["POST", url("one.txt"), "405"]]);

  box = await app.search("status:2xx");
  assert.equal(box.count, "3 of 5 rows");
  assert.deepEqual(await shown(), [
    ["GET", url("one.txt"), "200"],
    ["GET", url("two.json"), "200"],
    ["GET", url("two.json"), "200"],
  ]);

  // A word in a response body; and a negated term.
  box = await app.search("body:unicorn");
  assert.equal(box.count, "2 of 5 rows");
  assert.deepEqual((await app.rows()).map((r) => r.url), [url("two.json"), url("two.json")]);
  box = await app.search("-status:2xx");
  assert.equal(box.count, "2 of 5 rows");
  assert.deepEqual((await shown()).map((r) => r[2]), ["404", "405"]);
});

test("a bad regex is refused next to the box, and the rows stay as they were", async () => {
  const before = await app.rows();
  const box = await app.search("/(/", { refused: true });
  assert.match(box.problem, /invalid regular expression/i);
  assert.match(box.problem, /unclosed group/i);
  assert.equal(box.invalid, true, "the input is marked invalid");
  assert.equal(box.query, "-status:2xx", "the rows still reflect the last good query");
  assert.equal(box.count, "2 of 5 rows");
  assert.deepEqual(await app.rows(), before);

  // Next to the box: on its line, just after it.
  const where = await app.browser.execute((panel) => {
    const rect = (testid) => document.querySelector(`${panel} [data-testid="${testid}"]`).getBoundingClientRect();
    const [input, error] = [rect("search"), rect("search-error")];
    return {
      sameLine: error.top < input.bottom && error.bottom > input.top,
      gap: error.left - input.right,
      visible: error.width > 0 && error.height > 0 && error.right <= innerWidth,
    };
  }, PANEL);
  assert.ok(where.sameLine && where.visible && where.gap >= 0 && where.gap < 200, JSON.stringify(where));

  // Mending the query clears the error.
  const mended = await app.search("/(mis|one)/");
  assert.equal(mended.problem, null);
  assert.equal(mended.invalid, false);
  assert.deepEqual((await app.rows()).map((r) => r.url), [url("one.txt"), url("missing"), url("one.txt")]);
});

test("with a filter on, new matching traffic shows up; clearing the box shows every row", async () => {
  let box = await app.search("status:404");
  assert.equal(box.count, "1 of 5 rows");
  await curl(["-o", "/dev/null", url("missing-too")]);
  await curlOk(["-o", "/dev/null", url("one.txt")]);
  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows[1].url === url("missing-too"),
    "the new 404 among the filtered rows",
  );
  assert.deepEqual(rows.map((r) => r.status), ["404", "404"]);
  box = await app.waitFor(async () => {
    const b = await app.searchBox();
    return b.count === "2 of 7 rows" && b;
  }, "the count to include the new rows");

  box = await app.search("");
  assert.equal(box.count, null, "no count without a filter");
  const all = await app.rows();
  assert.equal(all.length, 7);
});

test("Ctrl+F goes to the search box from the rows, and Escape clears it", async () => {
  const rows = await app.rows();
  await app.clickRow(rows[0]);
  await app.browser.keys([Key.Ctrl, "f"]);
  await app.waitFor(
    () => app.browser.execute(() => document.activeElement?.getAttribute("data-testid") === "search"),
    "the search box focused",
  );
  await app.browser.keys([..."status:405"]);
  await app.waitFor(async () => (await app.searchBox()).count === "1 of 7 rows", "the POST alone");
  await app.browser.keys([Key.Escape]);
  const box = await app.waitFor(async () => {
    const b = await app.searchBox();
    return b.value === "" && b.query === "" && b;
  }, "the box cleared");
  assert.equal(box.count, null);
  assert.equal((await app.rows()).length, 7);
});

test("Resend of one exchange of a keep-alive connection sends only that request", async () => {
  const rows = await app.rows();
  const second = rows[1];
  assert.equal(second.url, url("two.json"));
  await app.clickRow(second);
  await app.waitForPane("request", (p) => p.text.startsWith("GET /two.json HTTP/1.1\n"), "the second request");
  await app.clickInPanel("resend");
  const after = await app.waitForRows(
    (rows) => rows.length === 8 && rows[7].state === "Done" && rows[7].status !== "",
    "one new row, finished",
  );
  const resent = after[7];
  assert.deepEqual(
    [resent.client, resent.method, resent.url, resent.status, resent.place, resent.respSize],
    [`↻ resend of #${second.conn}`, "GET", url("two.json"), "200", 0, `${Buffer.byteLength(TWO)} B`],
  );
  assert.ok(resent.selected, "the resent request is selected");
  assert.equal(after.filter((r) => r.conn === resent.conn).length, 1, "one exchange on the new connection");
  const request = await app.waitForPane(
    "request",
    (p) => p.text.startsWith("GET /two.json HTTP/1.1\n"),
    "the resent request",
  );
  assert.deepEqual(starts(request.text, /^[A-Z]+ \/\S* HTTP\/1\.1$/), ["GET /two.json HTTP/1.1"]);
  await app.waitForPane("response", (p) => p.text.endsWith(`\n\n${TWO}`), "nginx's answer");
});

test("a response cut short is marked on its row, and its note shows over the panes", async () => {
  const cutPort = await app.addListener({ targetPort: cut.port });
  const result = await curl([`http://127.0.0.1:${cutPort}/partial`]);
  assert.notEqual(result.code, 0, "curl saw the short body too");
  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].status.startsWith("200") && rows[0].state !== "Resp",
    "the cut exchange",
  );
  assert.equal(row.status, "200 ⚠");
  assert.equal(row.noted, true);
  assert.equal(row.state, "Cut");
  assert.equal(row.respSize, `${Buffer.byteLength("cut short")} B`);
  const note = await app.inPanel("exchange-note");
  await note.waitForDisplayed({ timeout: 10000 });
  assert.match(await note.getText(), /^⚠ Exchange 1: response side: the connection ended inside the body/);
  await app.waitForPane("response", (p) => p.text.endsWith("\n\ncut short"), "what came");
  assert.deepEqual(await app.problems(), []);
});
