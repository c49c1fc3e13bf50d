import assert from "node:assert/strict";
import { test } from "node:test";
import { keyAction, type KeyPress } from "../src/keyboard";

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

test("arrows move one row and Shift extends", () => {
  assert.deepEqual(keyAction(press("ArrowDown"), false), {
    kind: "move",
    step: "row",
    dir: 1,
    extend: false,
  });
  assert.deepEqual(keyAction(press("ArrowUp", { shiftKey: true }), false), {
    kind: "move",
    step: "row",
    dir: -1,
    extend: true,
  });
});

test("Ctrl or Cmd with R, S, L resend, save and switch layout", () => {
  assert.deepEqual(keyAction(press("r", { ctrlKey: true }), false), { kind: "resend" });
  assert.deepEqual(keyAction(press("S", { metaKey: true, shiftKey: true }), false), { kind: "save" });
  assert.deepEqual(keyAction(press("l", { ctrlKey: true }), true), { kind: "switch-layout" });
});

test("Delete removes the selected rows", () => {
  assert.deepEqual(keyAction(press("Delete"), false), { kind: "remove-selected" });
});

test("plain keys in a text field or the request editor stay there", () => {
  assert.equal(keyAction(press("Delete"), true), null);
  assert.equal(keyAction(press("ArrowDown"), true), null);
});

test("other keys and Alt combinations are not shortcuts", () => {
  assert.equal(keyAction(press("x"), false), null);
  assert.equal(keyAction(press("r", { ctrlKey: true, altKey: true }), false), null);
});

test("Enter opens the shown connection's response and Escape returns to the rows, even from the editor", () => {
  assert.deepEqual(keyAction(press("Enter"), false), { kind: "open" });
  assert.equal(keyAction(press("Enter"), true), null);
  assert.deepEqual(keyAction(press("Escape"), true), { kind: "back" });
});

test("Ctrl+F goes to the search box, from anywhere", () => {
  assert.deepEqual(keyAction(press("f", { ctrlKey: true }), true), { kind: "find" });
  assert.deepEqual(keyAction(press("F", { metaKey: true }), false), { kind: "find" });
  assert.equal(keyAction(press("f"), false), null);
});
