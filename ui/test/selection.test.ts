import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  click,
  FOLLOW,
  MOST_RECENT,
  move,
  prune,
  selectedIds,
  selectedIndexes,
  selectOnly,
  shownId,
  type KeyList,
} from "../src/selection";

/** An array as the KeyList the selection reads (ES2021 arrays have no `at` in the typings). */
const keys = (a: number[]): KeyList<number> => ({
  length: a.length,
  at: (i) => a[i],
  indexOf: (k) => a.indexOf(k),
});
const list = [10, 11, 12, 13, 14];
const rows = keys(list);
const plain = { toggle: false, extend: false };
const ctrl = { toggle: true, extend: false };
const shift = { toggle: false, extend: true };
const ids = (s: { ids: ReadonlySet<number> }) => [...s.ids].sort((a, b) => a - b);

describe("clicking rows", () => {
  test("a plain click selects only that row", () => {
    const s = click(selectOnly(10), rows, 2, plain);
    assert.deepEqual(ids(s), [12]);
    assert.equal(s.lead, 12);
    assert.equal(s.follow, false);
  });

  test("Ctrl-click adds a row, and a second Ctrl-click takes it away", () => {
    const added = click(selectOnly(10), rows, 3, ctrl);
    assert.deepEqual(ids(added), [10, 13]);
    assert.deepEqual(ids(click(added, rows, 3, ctrl)), [10]);
  });

  test("Shift-click selects the range from the anchor, in either direction", () => {
    assert.deepEqual(ids(click(selectOnly(11), rows, 3, shift)), [11, 12, 13]);
    assert.deepEqual(ids(click(selectOnly(13), rows, 0, shift)), [10, 11, 12, 13]);
  });

  test("Ctrl+Shift-click adds the range to what was selected", () => {
    const s = click(click(selectOnly(10), rows, 3, ctrl), rows, 4, { toggle: true, extend: true });
    assert.deepEqual(ids(s), [10, 13, 14]);
  });

  test("Shift-click without an anchor selects just the row", () => {
    assert.deepEqual(ids(click(FOLLOW, rows, 2, shift)), [12]);
  });

  test("clicking Most Recent follows the newest connection", () => {
    const s = click(selectOnly(12), rows, MOST_RECENT, plain);
    assert.equal(s.follow, true);
    assert.equal(shownId(s, rows), 14);
    assert.equal(shownId(s, keys([...list, 15])), 15);
  });
});

describe("moving with the keyboard", () => {
  test("Down from Most Recent selects the first row, Up from it returns to Most Recent", () => {
    const down = move(FOLLOW, rows, 1, false);
    assert.deepEqual(ids(down.selection), [10]);
    assert.equal(down.index, 0);
    const up = move(down.selection, rows, -1, false);
    assert.equal(up.selection.follow, true);
    assert.equal(up.index, MOST_RECENT);
  });

  test("moves stop at the last row", () => {
    const s = move(selectOnly(13), rows, Infinity, false);
    assert.deepEqual(ids(s.selection), [14]);
    assert.equal(s.index, 4);
  });

  test("Shift+Down extends from the anchor and Shift+Up shrinks back", () => {
    const one = move(selectOnly(11), rows, 1, true).selection;
    const two = move(one, rows, 1, true).selection;
    assert.deepEqual(ids(two), [11, 12, 13]);
    assert.deepEqual(ids(move(two, rows, -1, true).selection), [11, 12]);
  });

  test("Shift+Up never selects the Most Recent pseudo-row", () => {
    const s = move(selectOnly(10), rows, -1, true);
    assert.deepEqual(ids(s.selection), [10]);
    assert.equal(s.index, 0);
  });

  test("moving in an empty table stays on Most Recent", () => {
    assert.equal(move(FOLLOW, keys([]), 1, false).selection.follow, true);
  });
});

describe("what the selection means", () => {
  test("the panes show the lead row, or nothing when it was deselected", () => {
    assert.equal(shownId(selectOnly(12), rows), 12);
    assert.equal(shownId(click(selectOnly(12), rows, 2, ctrl), rows), null);
    assert.equal(shownId(FOLLOW, keys([])), null);
  });

  test("pruning drops removed rows and clears a removed lead", () => {
    const s = click(selectOnly(10), rows, 2, shift);
    const pruned = prune(s, (id) => id !== 12);
    assert.deepEqual(ids(pruned), [10, 11]);
    assert.equal(pruned.lead, null);
    assert.equal(pruned.anchor, 10);
  });

  test("pruning keeps the same selection object when nothing was removed", () => {
    const s = selectOnly(10);
    assert.equal(
      prune(s, () => true),
      s,
    );
  });

  test("selected ids come in table order whatever the click order", () => {
    const s = click(click(selectOnly(14), rows, 0, ctrl), rows, 2, ctrl);
    assert.deepEqual(selectedIds(s), [10, 12, 14]);
  });

  test("selected indexes come in table order, whether few or many rows are selected", () => {
    const s = click(click(selectOnly(14), rows, 0, ctrl), rows, 2, ctrl);
    assert.deepEqual(selectedIndexes(s, rows), [0, 2, 4]);
    const many = Array.from({ length: 200 }, (_, i) => i * 3);
    const all = click(selectOnly(many[199]!), keys(many), 0, shift);
    assert.equal(all.ids.size, 200);
    const indexes = selectedIndexes(all, keys([-1, ...many]));
    assert.deepEqual(indexes, Array.from({ length: 200 }, (_, i) => i + 1));
  });

  test("a selected row missing from the list has no index", () => {
    assert.deepEqual(selectedIndexes(selectOnly(99), rows), []);
  });
});
