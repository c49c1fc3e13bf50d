import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { newestPaused, pausedCount, pausedTitle, RESPOND_TEMPLATE } from "../src/paused";
import { pausedMessage } from "./fixtures";

describe("paused messages in words", () => {
  test("a title names the phase, the rule and the first line", () => {
    assert.equal(pausedTitle(pausedMessage(1, 1, { rule: 2 })), "Request paused at rule 2: POST /orders HTTP/1.1");
    const response = pausedMessage(1, 1, { phase: "response", summary: "HTTP/1.1 200 OK" });
    assert.equal(pausedTitle(response), "Response paused at rule 1: HTTP/1.1 200 OK");
  });

  test("a tab's count is empty for none", () => {
    assert.equal(pausedCount(0), "");
    assert.equal(pausedCount(1), "1 paused");
    assert.equal(pausedCount(1234), "1,234 paused");
  });

  test("the notice names the newest waiting message", () => {
    assert.equal(newestPaused(new Map()), null);
    const waiting = new Map([3, 1, 2].map((id) => [id, pausedMessage(id, id)]));
    assert.equal(newestPaused(waiting)?.id, 2, "the last paused, not the highest id");
  });

  test("Respond starts from a head with its blank line", () => {
    assert.match(RESPOND_TEMPLATE, /^HTTP\/1\.1 200 OK\n.*\n\n$/s);
  });
});
