import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compareOptions, compareTargets, exchangeName, headerNames } from "../src/compare";

describe("compare", () => {
  test("compares exactly two exchange rows, in table order", () => {
    assert.deepEqual(
      compareTargets([
        [3, 1],
        [7, 0],
      ]),
      [
        [3, 1],
        [7, 0],
      ],
    );
    assert.equal(compareTargets([[3, 1]]), null);
    assert.equal(
      compareTargets([
        [3, 1],
        [4, 0],
        [5, 0],
      ]),
      null,
    );
    assert.equal(
      compareTargets([
        [3, 0],
        [4, null],
      ]),
      null,
      "a raw connection has no exchange to compare",
    );
  });

  test("header names are parted by commas, spaces and lines", () => {
    assert.deepEqual(headerNames("Date, Set-Cookie"), ["Date", "Set-Cookie"]);
    assert.deepEqual(headerNames(" date\nx-request-id,,etag "), ["date", "x-request-id", "etag"]);
    assert.deepEqual(headerNames("  "), []);
  });

  test("the form's options as the shell takes them", () => {
    assert.deepEqual(compareOptions("Date", true, false), {
      ignore_headers: ["Date"],
      ignore_key_order: true,
      raw: false,
    });
  });

  test("an exchange is named from 1, as the table counts", () => {
    assert.equal(exchangeName([12, 0]), "#12 exchange 1");
  });
});
