import assert from "node:assert/strict";
import { test } from "node:test";
import { toCommandError } from "../src/ipc";

test("a CommandError from Rust passes through with its field", () => {
  assert.deepEqual(
    toCommandError({ kind: "port_in_use", message: "Port 80 is in use", field: "listen_port" }),
    {
      kind: "port_in_use",
      message: "Port 80 is in use",
      field: "listen_port",
    },
  );
});

test("a bare string or Error still becomes a CommandError with words", () => {
  assert.deepEqual(toCommandError("command add_listener not allowed"), {
    kind: "unknown",
    message: "command add_listener not allowed",
  });
  assert.deepEqual(toCommandError(new Error("boom")), { kind: "unknown", message: "boom" });
});
