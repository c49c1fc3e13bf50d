import assert from "node:assert/strict";
import { test } from "node:test";
import { SharedParts } from "../src/compact";
import { exchange, record } from "./fixtures";

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

test("records keep their values; the parts they have alike are one shared, frozen object", () => {
  const parts = new SharedParts();
  const target = { host: "example.com", port: 443 };
  const a = record(1, { state: { kind: "done" }, target: { ...target }, exchanges: [] });
  const b = record(2, { state: { kind: "done" }, target: { ...target }, exchanges: [] });
  const before = [copy(a), copy(b)];
  const [sa, sb] = [parts.share(a), parts.share(b)];
  assert.deepEqual([copy(sa), copy(sb)], before);
  for (const key of ["state", "target", "truncated", "exchanges"] as const) {
    assert.equal(sa[key], sb[key], key);
    assert.ok(Object.isFrozen(sa[key]), key);
  }
});

test("what is particular to a record stays its own", () => {
  const parts = new SharedParts();
  const failed = record(1, { state: { kind: "failed", reason: "refused" }, truncated: [true, false] });
  const other = record(2, { state: { kind: "failed", reason: "reset" }, exchanges: [exchange()] });
  const [sf, so] = [parts.share(failed), parts.share(other)];
  assert.deepEqual(sf.state, { kind: "failed", reason: "refused" });
  assert.deepEqual(so.state, { kind: "failed", reason: "reset" });
  assert.deepEqual(sf.truncated, [true, false]);
  assert.equal(so.exchanges.length, 1);
  assert.ok(!Object.isFrozen(so.exchanges));
  const elsewhere = parts.share(record(3, { target: { host: "example.com", port: 80 } }));
  assert.deepEqual(elsewhere.target, { host: "example.com", port: 80 });
});

test("targets are remembered up to a bound, and shared again after it", () => {
  const parts = new SharedParts();
  for (let i = 0; i < 10_000; i++) parts.share(record(i, { target: { host: `h${i}.example`, port: 443 } }));
  const remembered = (parts as unknown as { targets: Map<string, unknown> }).targets.size;
  assert.ok(remembered <= 4096, `${remembered} targets remembered`);
  const [a, b] = [10_001, 10_002].map((id) => parts.share(record(id, { target: { host: "h1.example", port: 443 } })));
  assert.equal(a.target, b.target);
});
