import assert from "node:assert/strict";
import { test } from "node:test";
import { cachedChecker, exposed, watchTyping } from "../src/bindCheck";
import type { BindCheck } from "../src/types";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stand-in for check_bind that records what it was asked. */
function fakeRust(answers: Record<string, BindCheck>) {
  const asked: string[] = [];
  const ask = async (addr: string): Promise<BindCheck> => {
    asked.push(addr);
    return answers[addr] ?? { loopback: false, error: `invalid address "${addr}"` };
  };
  return { asked, ask };
}

test("each address is asked of Rust once; its answer is then at hand", async () => {
  const rust = fakeRust({ localhost: { loopback: true }, "0.0.0.0": { loopback: false } });
  const checker = cachedChecker(rust.ask);
  assert.equal(checker.known("localhost"), undefined);
  assert.deepEqual(await checker.check("localhost"), { loopback: true });
  assert.deepEqual(await checker.check("localhost"), { loopback: true });
  assert.deepEqual(checker.known("localhost"), { loopback: true });
  assert.deepEqual(await checker.check("0.0.0.0"), { loopback: false });
  assert.deepEqual(rust.asked, ["localhost", "0.0.0.0"]);
});

test("a failed call is an error answer and is asked again later", async () => {
  let calls = 0;
  const checker = cachedChecker(async () => {
    calls += 1;
    throw { kind: "unknown", message: "command check_bind not allowed" };
  });
  assert.deepEqual(await checker.check("::1"), { loopback: false, error: "command check_bind not allowed" });
  await checker.check("::1");
  assert.equal(calls, 2);
  assert.equal(checker.known("::1"), undefined);
});

test("typing is checked once it pauses, and only the latest text's answer applies", async () => {
  const rust = fakeRust({ "0.0.0.0": { loopback: false }, "::1": { loopback: true } });
  const applied: BindCheck[] = [];
  const typed = watchTyping(rust.ask, (r) => applied.push(r), 20);
  for (const text of ["0", "0.", "0.0.0.0"]) typed(text);
  await sleep(60);
  assert.deepEqual(rust.asked, ["0.0.0.0"]);
  assert.deepEqual(applied, [{ loopback: false }]);

  // A slow answer for text typed over since is dropped.
  let release!: () => void;
  const slow = watchTyping(
    async (addr) => {
      if (addr === "0.0.0.0") await new Promise<void>((resolve) => (release = resolve));
      return rust.ask(addr);
    },
    (r) => applied.push(r),
    5,
  );
  slow("0.0.0.0");
  await sleep(20);
  slow("::1");
  await sleep(20);
  release();
  await sleep(20);
  assert.deepEqual(applied.slice(1), [{ loopback: true }]);
});

test("only an address that is not loopback earns the warning", () => {
  assert.equal(exposed({ loopback: false }), true);
  assert.equal(exposed({ loopback: true }), false);
  assert.equal(exposed({ loopback: false, error: "not an address" }), false);
});
