import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  buildRows,
  matchesFrom,
  parseRowKey,
  rowCount,
  rowExchange,
  rowKey,
  rowRef,
  TabRows,
  type RowList,
} from "../src/rows";
import type { ConnectionRecord } from "../src/types";
import { exchange, record } from "./fixtures";

const keysOf = (list: RowList) => Array.from({ length: list.length }, (_, i) => list.at(i));

/** A tab's connections as the store keeps them: ids in arrival order, records by id. */
function tab(records: ConnectionRecord[]) {
  const ids = records.map((r) => r.id);
  const byId = new Map(records.map((r) => [r.id, r]));
  return { ids, byId, rows: new TabRows(() => ids, (id) => byId.get(id)) };
}

describe("rows of connections", () => {
  test("one row per exchange, one for a connection without any, a connection's rows adjacent", () => {
    const records = [
      record(1, { exchanges: [exchange(), exchange({ target: "/b" }), exchange({ target: "/c" })] }),
      record(2),
      record(3, { exchanges: [exchange()] }),
    ];
    const byId = new Map(records.map((r) => [r.id, r]));
    const list = buildRows([1, 2, 3], (id) => byId.get(id));
    assert.deepEqual(keysOf(list), ["1:0", "1:1", "1:2", "2:0", "3:0"]);
    assert.equal(list.conn(2), 1);
    assert.equal(list.place(2), 2);
    assert.equal(list.at(5), undefined);
    assert.equal(list.at(-1), undefined);
  });

  test("what a row is for the shell: [id, exchange] or [id, null]", () => {
    const withTwo = record(4, { exchanges: [exchange(), exchange({ method: "POST" })] });
    assert.deepEqual(rowRef(withTwo, 1), [4, 1]);
    assert.equal(rowExchange(withTwo, 1)?.method, "POST");
    assert.deepEqual(rowRef(record(5), 0), [5, null]);
    assert.equal(rowExchange(record(5), 0), null);
    assert.equal(rowCount(record(5)), 1);
    assert.equal(rowCount(withTwo), 2);
  });

  test("a record without an exchanges field (an older session) is one raw row", () => {
    const old = record(6);
    delete (old as Partial<ConnectionRecord>).exchanges;
    assert.equal(rowCount(old), 1);
    assert.deepEqual(rowRef(old, 0), [6, null]);
  });

  test("keys name a row and come back apart", () => {
    assert.equal(rowKey(12, 3), "12:3");
    assert.deepEqual(parseRowKey("12:3"), { id: 12, k: 3 });
  });

  test("indexOf finds a row by key, also in a list that lacks some of its connection's rows", () => {
    const { rows } = tab([record(1, { exchanges: [exchange(), exchange(), exchange()] }), record(2)]);
    rows.sync(true);
    assert.equal(rows.all.indexOf("1:2"), 2);
    assert.equal(rows.all.indexOf("2:0"), 3);
    assert.equal(rows.all.indexOf("2:1"), -1);
    assert.equal(rows.all.indexOf("9:0"), -1);
    rows.setMatches(matchesFrom([[1, 2], [2, null]]));
    assert.deepEqual(keysOf(rows.shown), ["1:2", "2:0"]);
    assert.equal(rows.shown.indexOf("1:2"), 0);
    assert.equal(rows.shown.indexOf("1:0"), -1);
  });
});

describe("a tab's rows kept in step", () => {
  test("connections arriving at the end are appended to the same list", () => {
    const { ids, byId, rows } = tab([record(1)]);
    assert.equal(rows.sync(false), true);
    const first = rows.all;
    byId.set(2, record(2, { exchanges: [exchange(), exchange()] }));
    ids.push(2);
    assert.equal(rows.sync(false), true);
    assert.equal(rows.all, first, "appended in place");
    assert.deepEqual(keysOf(rows.all), ["1:0", "2:0", "2:1"]);
    assert.equal(rows.sync(false), false, "nothing new");
  });

  test("a connection that gains exchanges in the middle is rebuilt in place, in order", () => {
    const { byId, rows } = tab([record(1, { exchanges: [exchange()] }), record(2)]);
    rows.sync(false);
    byId.set(1, record(1, { exchanges: [exchange(), exchange()] }));
    rows.sync(true);
    assert.deepEqual(keysOf(rows.all), ["1:0", "1:1", "2:0"]);
  });

  test("a resized connection's rows are spliced in place, newer connections appended after", () => {
    const { ids, byId, rows } = tab([record(1), record(2, { exchanges: [exchange()] }), record(3)]);
    rows.sync(false);
    const list = rows.all;
    byId.set(2, record(2, { exchanges: [exchange(), exchange(), exchange()] }));
    byId.set(4, record(4, { exchanges: [exchange(), exchange()] }));
    ids.push(4);
    // 4 is new and also grew in the same frame: it is appended once, with its rows.
    rows.sync(true, new Set([2, 4]));
    assert.equal(rows.all, list, "spliced, not rebuilt");
    assert.deepEqual(keysOf(rows.all), ["1:0", "2:0", "2:1", "2:2", "3:0", "4:0", "4:1"]);
    byId.set(2, record(2));
    rows.sync(true, new Set([2]));
    assert.deepEqual(keysOf(rows.all), ["1:0", "2:0", "3:0", "4:0", "4:1"], "and shrunk back");
  });

  // Found behind a flaky WebDriver test (three keep-alive connections, one stuck at its first
  // row): the batcher merges a connection's events into its first and sends them at the last's
  // number, so connection 2 can arrive before connection 1. Ids are in arrival order, not in
  // id order.
  test("a connection that arrived before an older id is spliced too", () => {
    const { ids, byId, rows } = tab([record(2, { exchanges: [exchange()] }), record(1, { exchanges: [exchange()] })]);
    rows.sync(false);
    byId.set(2, record(2, { exchanges: [exchange(), exchange(), exchange()] }));
    byId.set(3, record(3, { exchanges: [exchange(), exchange()] }));
    ids.push(3);
    rows.sync(true, new Set([2, 3]));
    assert.deepEqual(keysOf(rows.all), ["2:0", "2:1", "2:2", "1:0", "3:0", "3:1"]);
  });

  test("under a filter, a resized connection's matching rows appear in their place", () => {
    const { byId, rows } = tab([record(1, { exchanges: [exchange()] }), record(2, { exchanges: [exchange()] }), record(3)]);
    rows.sync(false);
    rows.setMatches(matchesFrom([[1, 0], [1, 1], [2, 1], [3, null]]));
    assert.deepEqual(keysOf(rows.shown), ["1:0", "3:0"]);
    byId.set(1, record(1, { exchanges: [exchange(), exchange()] }));
    byId.set(2, record(2, { exchanges: [exchange(), exchange()] }));
    rows.sync(true, new Set([1, 2]));
    assert.deepEqual(keysOf(rows.shown), ["1:0", "1:1", "2:1", "3:0"]);
    assert.deepEqual(keysOf(rows.all), ["1:0", "1:1", "2:0", "2:1", "3:0"]);
  });

  test("a connection with very many exchanges is rebuilt rather than spliced", () => {
    const { byId, rows } = tab([record(1), record(2)]);
    rows.sync(false);
    const list = rows.all;
    const many = Array.from({ length: 5000 }, () => exchange());
    byId.set(1, record(1, { exchanges: many }));
    rows.sync(true, new Set([1]));
    assert.notEqual(rows.all, list);
    assert.equal(rows.all.length, 5001);
    assert.equal(rows.all.at(5000), "2:0");
  });

  test("removed connections (a new id array) rebuild even when not marked reshaped", () => {
    const t = tab([record(1), record(2), record(3)]);
    t.rows.sync(false);
    const kept = [1, 3];
    const rows = new TabRows(() => kept, (id) => t.byId.get(id));
    rows.sync(false);
    assert.deepEqual(keysOf(rows.all), ["1:0", "3:0"]);
  });

  test("with a filter, only matching rows show, and arrivals are filtered as they come", () => {
    const { ids, byId, rows } = tab([record(1, { exchanges: [exchange(), exchange()] }), record(2)]);
    rows.sync(false);
    rows.setMatches(matchesFrom([[1, 1], [3, 0]]));
    assert.equal(rows.filtered, true);
    assert.deepEqual(keysOf(rows.shown), ["1:1"]);
    assert.equal(rows.passes(1, 1), true);
    assert.equal(rows.passes(1, 0), false);
    byId.set(3, record(3, { exchanges: [exchange()] }));
    byId.set(4, record(4));
    ids.push(3, 4);
    rows.sync(false);
    assert.deepEqual(keysOf(rows.shown), ["1:1", "3:0"]);
    assert.equal(rows.all.length, 5);
    rows.setMatches(null);
    assert.equal(rows.shown, rows.all);
  });

  test("100,000 connections build in well under a frame's budget per sync", () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => i + 1);
    const one = record(0, { exchanges: [exchange()] });
    const rows = new TabRows(() => ids, () => one);
    const started = performance.now();
    rows.sync(true);
    const ms = performance.now() - started;
    assert.equal(rows.all.length, 100_000);
    assert.ok(ms < 200, `rebuilt in ${ms.toFixed(1)} ms`);
  });
});
