// Keep-alive connections side by side: three curls, each sending twenty requests on one
// connection, at the same time through one listener to nginx. Exchanges arrive interleaved, in
// event batches; the table must still keep each connection's rows together and in order, and
// the search box must count them all.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, PANEL } from "./lib/app.mjs";
import { curl, startNginx, tempDir } from "./lib/servers.mjs";

const CLIENTS = 3;
const REQUESTS = 20;

let app;
let nginx;
before(async () => {
  const dir = tempDir("concurrent");
  fs.writeFileSync(path.join(dir, "item.txt"), "an item\n");
  nginx = await startNginx(dir);
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await nginx?.stop();
});

test("interleaved keep-alive connections keep their rows together and in order", async () => {
  const port = await app.addListener({ targetPort: nginx.port });
  const urls = (client) =>
    Array.from({ length: REQUESTS }, (_, i) => `http://127.0.0.1:${port}/item.txt?client=${client}&n=${i}`);
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, client) => curl(urls(client).flatMap((u) => ["-o", "/dev/null", u]))),
  );
  for (const result of results) assert.equal(result.code, 0, result.stderr);

  let seen = null;
  await app.waitFor(
    async () => {
      const rows = await app.rows();
      const count = await app.browser.execute(
        (panel) =>
          Number(document.querySelector(`${panel} [data-testid="connection-table"]`).getAttribute("aria-rowcount")) -
          1,
        PANEL,
      );
      seen = { count, rows };
      return count === CLIENTS * REQUESTS && rows.every((r) => r.state === "Done" && r.status === "200");
    },
    () => `every exchange's row, finished; seen ${JSON.stringify(seen)}`,
    30000, // sixty exchanges in a debug build, on two busy cores
  );
  const rows = await app.allRows();
  assert.equal(rows.length, CLIENTS * REQUESTS);

  // Grouped: each connection's rows are adjacent, places 0..19, in request order.
  const conns = [...new Set(rows.map((r) => r.conn))];
  assert.equal(conns.length, CLIENTS, "one connection per curl");
  rows.forEach((row, i) => {
    const group = Math.floor(i / REQUESTS);
    assert.equal(row.conn, conns[group], `row ${i} belongs to the ${group + 1}th connection: ${JSON.stringify(row)}`);
    assert.equal(row.place, i % REQUESTS, `row ${i}'s place`);
    assert.equal(row.exchange, i % REQUESTS);
    assert.equal(row.cont, i % REQUESTS !== 0);
  });
  for (const conn of conns) {
    const mine = rows.filter((r) => r.conn === conn);
    const client = new URL(mine[0].url).searchParams.get("client");
    assert.deepEqual(
      mine.map((r) => r.url),
      urls(client),
      `connection ${conn}: client ${client}'s requests in order`,
    );
  }

  const box = await app.search(`/client=1&/`);
  assert.equal(box.count, `${REQUESTS} of ${CLIENTS * REQUESTS} rows`);
  const filtered = await app.allRows();
  assert.ok(filtered.every((r) => r.url.includes("client=1&")));
  assert.deepEqual(
    filtered.map((r) => r.place),
    Array.from({ length: REQUESTS }, (_, i) => i),
  );
  await app.search("");
  assert.deepEqual(await app.problems(), []);
});
