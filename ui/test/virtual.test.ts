import assert from "node:assert/strict";
import { test } from "node:test";
import { revealScrollTop, visibleRange } from "../src/virtual";

test("the visible range covers the viewport plus overscan", () => {
  assert.deepEqual(visibleRange(0, 100, 20, 1000, 0), { first: 0, last: 4 });
  assert.deepEqual(visibleRange(210, 100, 20, 1000, 0), { first: 10, last: 15 });
  assert.deepEqual(visibleRange(210, 100, 20, 1000, 3), { first: 7, last: 18 });
});

test("the visible range is clamped to the rows there are", () => {
  assert.deepEqual(visibleRange(0, 100, 20, 3, 5), { first: 0, last: 2 });
  assert.deepEqual(visibleRange(0, 100, 20, 0, 5), { first: 0, last: -1 });
  assert.deepEqual(visibleRange(0, 0, 20, 10, 5), { first: 0, last: -1 });
});

test("100,000 rows scrolled to the end draw only a screenful", () => {
  const { first, last } = visibleRange(100_000 * 24 - 480, 480, 24, 100_000, 8);
  assert.equal(last, 99_999);
  assert.ok(last - first + 1 <= 20 + 8 + 1);
});

test("revealing a row above or below the viewport scrolls just enough", () => {
  assert.equal(revealScrollTop(2, 100, 100, 20), 40);
  assert.equal(revealScrollTop(10, 100, 100, 20), 120);
  assert.equal(revealScrollTop(6, 100, 100, 20), null);
});
