// Hostile bodies through a real listener into the real window, which follows "Most Recent":
// a 100,000-level nested XML body, then a 4 KB gzip body that expands to ~4 MiB of nesting,
// then a small JSON answer. The panes show the bytes with a note saying why they are not
// indented, the rendered text stays bounded, and the next exchange still renders as JSON.
// Prints the RSS of the app and of WebKit's page process (figures, loosely bounded).
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { after, before, test } from "node:test";
import { launchApp, PANEL } from "./lib/app.mjs";
import { memory, mib, sampleMemory } from "./lib/memory.mjs";
import { curlOk, startFixedServer } from "./lib/servers.mjs";

const DEPTH = 100_000;
const DEEP = `${"<a>".repeat(DEPTH)}${"</a>".repeat(DEPTH)}`;
// ~4 MiB of closed nesting (7 bytes a level), gzipped to a few KB.
const GZIP_LEVELS = Math.floor((4 << 20) / 7);
const BOMB = zlib.gzipSync(`${"<a>".repeat(GZIP_LEVELS)}${"</a>".repeat(GZIP_LEVELS)}`, { level: 9 });
const JSON_BODY = '{"next":"exchange","ok":true}';
/** Rendered text a pane may hold: a few pages, never the gigabytes indentation would make. */
const BOUND = 4 << 20;
/** Loose sanity bound on either process's memory. */
const MEMORY_BOUND = 1.5 * 1024 ** 3;

let app;
let server;
let port;
let sampler;
const figures = {};

before(async () => {
  server = await startFixedServer({
    "/deep": { body: DEEP, headers: { "content-type": "application/xml" } },
    "/bomb": { body: BOMB, headers: { "content-type": "application/xml", "content-encoding": "gzip" } },
    "/json": { body: JSON_BODY, headers: { "content-type": "application/json" } },
  });
  app = await launchApp();
});
after(async () => {
  sampler?.stop();
  await app?.close();
  await server?.stop();
});

/** What the response pane shows, measured in the page (the text itself may be large). */
const responsePane = () =>
  app.browser.execute((panel) => {
    const pane = document.querySelector(`${panel} [data-testid="response-pane"]`);
    const text = pane?.querySelector("pre.pane-text")?.textContent ?? "";
    const note = pane?.querySelector('[data-testid="response-note"]');
    return {
      length: text.length,
      start: text.slice(0, 120),
      deepRaw: text.includes("<a><a><a><a><a><a><a><a>"),
      json: text.includes('"next": "exchange"'),
      note: note && !note.hidden ? note.textContent : null,
      resolved: pane?.querySelector(".resolved-view")?.textContent ?? "",
    };
  }, PANEL);

async function waitForResponse(check, what) {
  let pane = null;
  await app.waitFor(
    async () => check((pane = await responsePane())),
    () => `response pane: ${what}; it shows ${JSON.stringify(pane)}`,
    30000,
  );
  return pane;
}

const print = (label, m) => console.log(`memory ${label}: tcpmon ${mib(m.app)}, WebKitWebProcess ${mib(m.web)}`);

test("a 100,000-level nested XML body shows raw with the reason, bounded", async () => {
  port = await app.addListener({ targetPort: server.port });
  figures.idle = memory(app.pid);
  print("idle (listener added)", figures.idle);
  sampler = sampleMemory(app.pid);
  const body = await curlOk([`http://127.0.0.1:${port}/deep`]);
  assert.equal(body.length, DEEP.length, "relayed in full");
  await app.waitForRows((rows) => rows.length === 1 && rows[0].state === "Done", "the deep exchange");
  const pane = await waitForResponse((p) => p.deepRaw && p.note !== null, "the raw bytes and a note");
  console.log(`deep XML (${DEEP.length} B): pane ${pane.length} chars, ${pane.resolved}, note: ${pane.note}`);
  assert.ok(pane.start.startsWith("HTTP/1.1 200 OK"), pane.start);
  assert.match(pane.note, /indent|nest/i);
  assert.ok(pane.length < BOUND, `rendered ${pane.length} chars`);
});

test("a 4 KB gzip body of ~4 MiB nesting shows bounded, with a note", async () => {
  console.log(`gzip body: ${BOMB.length} B on the wire, ${GZIP_LEVELS * 7} B decoded`);
  await curlOk([`http://127.0.0.1:${port}/bomb`, "-o", "/dev/null"]);
  await app.waitForRows((rows) => rows.length === 2 && rows[1].state === "Done", "the gzip exchange");
  const pane = await waitForResponse(
    (p) => p.start.startsWith("HTTP/1.1 200 OK") && !p.deepRaw && p.note !== null,
    "the newest exchange, with a note",
  );
  console.log(`gzip bomb: pane ${pane.length} chars, ${pane.resolved}, note: ${pane.note}`);
  assert.ok(pane.length < BOUND, `rendered ${pane.length} chars`);
  figures.hostile = sampler.stop();
  sampler = null;
  print("peak during the hostile bodies", figures.hostile);
});

test("the next exchange still selects and renders as JSON: the window stays usable", async () => {
  sampler = sampleMemory(app.pid);
  await curlOk([`http://127.0.0.1:${port}/json`]);
  await app.waitForRows((rows) => rows.length === 3 && rows[2].state === "Done", "the JSON exchange");
  const pane = await waitForResponse((p) => p.json, "the JSON answer, indented");
  assert.equal(pane.resolved, "shown as JSON");
  assert.equal(pane.note, null);
  // Back to the deep one and forth again, by clicking: still answers.
  const rows = await app.rows();
  await app.clickRow(rows[0]);
  await waitForResponse((p) => p.deepRaw, "the deep body again");
  await app.clickRow(rows[2]);
  await waitForResponse((p) => p.json, "the JSON answer again");
  const peak = sampler.stop();
  sampler = null;
  figures.after = memory(app.pid);
  print("peak while clicking back and forth", peak);
  print("after", figures.after);
  for (const [label, m] of Object.entries({ ...figures, clicking: peak })) {
    assert.ok(m.app < MEMORY_BOUND && m.web < MEMORY_BOUND, `${label}: ${JSON.stringify(m)}`);
  }
  assert.ok(figures.idle.app > 0 && figures.idle.web > 0, "both processes measured");
  assert.deepEqual(await app.problems(), []);
});
