// The HAR files TCPMon writes (the golden files of crates/inspect/tests/har.rs) against the
// npm package har-validator (the HAR 1.2 JSON schema), and against the rules of the HAR spec
// that the schema does not check. The browser-style fixtures that the import tests read are
// checked against the schema too, so they stay realistic.
//
// Run: node --test tests/har/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import validator from "har-validator";
import { checkRules, validate } from "./rules.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../crates/inspect/tests");
const harFiles = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".har"))
    .sort()
    .map((f) => [`${dir}/${f}`, JSON.parse(readFileSync(join(root, dir, f), "utf8"))]);
const golden = harFiles("golden");
const fixtures = harFiles("fixtures");

test("there are golden files for every case", () => {
  const names = golden.map(([name]) => name);
  for (const name of ["get_gzip_chunked", "post_binary", "continue_100", "keep_alive", "no_response"]) {
    assert.ok(names.includes(`golden/${name}.har`), `${name}.har in ${names}`);
  }
});

test("har-validator rejects what is not HAR (so passing means something)", async () => {
  const [, har] = golden[0];
  const broken = structuredClone(har);
  delete broken.log.entries[0].response;
  await assert.rejects(validator.har(broken));
  const badIp = structuredClone(har);
  badIp.log.entries[0].serverIPAddress = "127.0.0.1:8080";
  await assert.rejects(validator.har(badIp));
});

for (const [name, har] of golden) {
  test(`${name} passes har-validator`, () => validate(har));
}

// Chrome writes IPv6 server addresses in brackets, which the schema rejects (and read_har
// accepts); apart from that the fixtures are valid HAR.
for (const [name, har] of fixtures) {
  test(`${name} passes har-validator but for bracketed IPv6`, () => {
    const copy = structuredClone(har);
    for (const entry of copy.log.entries) {
      if (entry.serverIPAddress) entry.serverIPAddress = entry.serverIPAddress.replace(/^\[(.*)\]$/, "$1");
    }
    return validate(copy);
  });
}

for (const [name, har] of golden) {
  test(`${name} keeps the rules the schema does not check`, () => checkRules(name, har));
}
