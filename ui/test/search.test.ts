import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { LiveSearch, type SearchOutcome } from "../src/search";
import type { CommandError, RowRef } from "../src/types";

/** A LiveSearch over a fake shell whose answers the test releases one by one. */
function harness(t: TestContext) {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const runs: Array<{ query: string; answer: (rows: RowRef[]) => void; fail: (e: CommandError) => void }> = [];
  const outcomes: SearchOutcome[] = [];
  const search = new LiveSearch(
    (query) => new Promise((answer, fail) => runs.push({ query, answer, fail })),
    (outcome) => outcomes.push(outcome),
  );
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { search, runs, outcomes, tick: (ms: number) => t.mock.timers.tick(ms), settle };
}

test("typing searches once, 200 ms after the last key", async (t) => {
  const h = harness(t);
  h.search.type("m");
  h.tick(100);
  h.search.type("method:POST");
  h.tick(199);
  assert.equal(h.runs.length, 0);
  h.tick(1);
  assert.deepEqual(h.runs.map((r) => r.query), ["method:POST"]);
  h.runs[0]!.answer([[1, 0]]);
  await h.settle();
  assert.deepEqual(h.outcomes, [{ query: "method:POST", rows: [[1, 0]], error: null }]);
});

test("an empty box shows all rows at once, and drops an answer still on its way", async (t) => {
  const h = harness(t);
  h.search.type("404");
  h.tick(200);
  h.search.type("  ");
  assert.deepEqual(h.outcomes, [{ query: "", rows: null, error: null }]);
  h.runs[0]!.answer([[1, null]]);
  await h.settle();
  assert.equal(h.outcomes.length, 1, "the late answer is dropped");
});

test("a query typed while one runs waits for it, and only its answer counts", async (t) => {
  const h = harness(t);
  h.search.type("a");
  h.tick(200);
  h.search.type("ab");
  h.tick(200);
  assert.equal(h.runs.length, 1, "one search at a time");
  h.runs[0]!.answer([[1, 0]]);
  await h.settle();
  assert.deepEqual(h.runs.map((r) => r.query), ["a", "ab"]);
  h.runs[1]!.answer([[2, 0]]);
  await h.settle();
  assert.deepEqual(h.outcomes, [{ query: "ab", rows: [[2, 0]], error: null }]);
});

test("new rows search again at most once a second, and not without a filter", async (t) => {
  const h = harness(t);
  h.search.stale();
  h.tick(5000);
  assert.equal(h.runs.length, 0, "no filter, no search");
  h.search.type("host:api");
  h.tick(200);
  h.runs[0]!.answer([]);
  await h.settle();
  for (let i = 0; i < 10; i++) {
    h.search.stale();
    h.tick(50);
  }
  assert.equal(h.runs.length, 1, "within the second after the last search");
  h.tick(500);
  assert.equal(h.runs.length, 2);
  assert.equal(h.runs[1]!.query, "host:api");
  h.search.stale();
  h.runs[1]!.answer([[7, 0]]);
  await h.settle();
  assert.deepEqual(h.outcomes.at(-1), { query: "host:api", rows: [[7, 0]], error: null });
  h.tick(999);
  assert.equal(h.runs.length, 2);
  h.tick(1);
  assert.equal(h.runs.length, 3, "the rows that came during the search get their own");
});

test("a refused query is reported and not retried as rows arrive; Enter searches at once", async (t) => {
  const h = harness(t);
  h.search.type("/(/");
  h.search.flush();
  assert.equal(h.runs.length, 1);
  const error = { kind: "invalid_input" as const, message: "bad regex: unclosed group", field: "search" as const };
  h.runs[0]!.fail(error);
  await h.settle();
  assert.deepEqual(h.outcomes, [{ query: "/(/", rows: null, error }]);
  h.search.stale();
  h.tick(5000);
  assert.equal(h.runs.length, 1);
  h.search.dispose();
});
