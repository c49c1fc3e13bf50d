import assert from "node:assert/strict";
import { test } from "node:test";
import { emptyFields, newRule, ruleIndex, rowsFromText, textFromRows, type RuleRow } from "../src/rules";

const rows: RuleRow[] = [
  {
    when: "path:/mocked",
    on: "request",
    action: "mock",
    enabled: true,
    fields: { status: "418", headers: "Content-Type: text/plain", body: "teapot", bodyFile: "" },
  },
  { when: "host:api", on: "request", action: "map", enabled: false, fields: { to: "127.0.0.1:9000/v2" } },
  { when: "path:/api", on: "response", action: "setHeader", enabled: true, fields: { headers: "X-Debug: 1\nX-B: a:b" } },
  { when: "method:POST", on: "request", action: "removeHeader", enabled: true, fields: { names: "Cookie, X-Trace" } },
  { when: "status:500", on: "response", action: "replaceBody", enabled: true, fields: { find: "a(.)", with: "$1", regex: "true" } },
  { when: "path:/slow", on: "response", action: "break", enabled: true, fields: {} },
];

test("the panel's rows are written as the rules file tcpmon-cli --rules reads, and read back the same", () => {
  const text = textFromRows(rows);
  assert.deepEqual(JSON.parse(text), [
    { when: "path:/mocked", then: { mock: { status: 418, headers: { "Content-Type": "text/plain" }, body: "teapot" } } },
    { when: "host:api", then: { map: "127.0.0.1:9000/v2" }, enabled: false },
    { when: "path:/api", on: "response", then: { setHeader: { "X-Debug": "1", "X-B": "a:b" } } },
    { when: "method:POST", on: "request", then: { removeHeader: ["Cookie", "X-Trace"] } },
    { when: "status:500", on: "response", then: { replaceBody: { find: "a(.)", with: "$1", regex: true } } },
    { when: "path:/slow", then: { break: "response" } },
  ]);
  assert.deepEqual(rowsFromText(text), rows);
});

test("no rows are no rules; what the panel cannot read is refused", () => {
  assert.equal(textFromRows([]), "");
  assert.deepEqual(rowsFromText("  "), []);
  assert.throws(() => rowsFromText("{}"), /not a JSON array/);
  assert.throws(() => rowsFromText('[{"when": "a", "then": {"explode": 1}}]'), /rule 1/);
});

test("fields as typed go to Rust unjudged: a status that is no number stays text for its parser", () => {
  const rule = { ...newRule(), fields: { ...emptyFields("mock"), status: "abc", bodyFile: " body.json " } };
  assert.deepEqual(JSON.parse(textFromRows([rule]))[0].then, { mock: { status: "abc", bodyFile: "body.json" } });
  assert.deepEqual(JSON.parse(textFromRows([newRule()]))[0], { when: "path:/", then: { mock: { status: 200 } } });
});

test("an error of Rust's parser names its rule from 1", () => {
  assert.equal(ruleIndex("rule 3: when \"x\": bad"), 2);
  assert.equal(ruleIndex("not a JSON array of rules: EOF"), null);
});
