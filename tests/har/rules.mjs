// HAR files against the npm package har-validator (the HAR 1.2 JSON schema) and against the
// rules of the HAR spec the schema does not check; shared by every test that reads a HAR
// TCPMon wrote.
import assert from "node:assert/strict";
import { isIP } from "node:net";
import validator from "har-validator";

/** Resolves when `har` is valid; otherwise fails with the schema's complaints. */
export async function validate(har) {
  try {
    await validator.har(har);
  } catch (e) {
    assert.fail(`${e.message}: ${JSON.stringify(e.errors, null, 1)}`);
  }
}

const PHASES = ["blocked", "dns", "connect", "ssl", "send", "wait", "receive"];

/** Asserts the rules the schema cannot check, for every entry of `har` (named `name`). */
export function checkRules(name, har) {
  assert.equal(har.log.version, "1.2");
  assert.ok(har.log.entries.length > 0);
  for (const [i, entry] of har.log.entries.entries()) {
    const at = `${name} entry ${i}`;
    // No negative timing but -1, and send/wait/receive are never -1.
    for (const phase of PHASES) {
      const t = entry.timings[phase];
      assert.equal(typeof t, "number", `${at}: ${phase}`);
      assert.ok(t === -1 || t >= 0, `${at}: ${phase} = ${t}`);
    }
    for (const phase of ["send", "wait", "receive"]) {
      assert.ok(entry.timings[phase] >= 0, `${at}: ${phase}`);
    }
    // time equals the sum of the timings that are not -1; ssl is inside connect (the spec:
    // "the time is also included in the connect field"), so it counts once.
    const sum = PHASES.filter((p) => p !== "ssl")
      .map((p) => entry.timings[p])
      .filter((t) => t !== -1)
      .reduce((a, b) => a + b, 0);
    if (entry.timings.ssl !== -1) {
      assert.ok(entry.timings.ssl <= entry.timings.connect, `${at}: ssl outside connect`);
    }
    assert.ok(Math.abs(entry.time - sum) < 1e-9, `${at}: time ${entry.time} vs sum ${sum}`);
    // content.size is the decoded size, bodySize the wire size, compression the difference.
    const { content, bodySize } = entry.response;
    if ("compression" in content) {
      assert.equal(content.compression, content.size - bodySize, `${at}: compression`);
      assert.notEqual(content.compression, 0, `${at}: compression 0 is left out`);
    } else if (bodySize !== -1) {
      assert.equal(content.size, bodySize, `${at}: no compression, so size is bodySize`);
    }
    if (content.text !== undefined) {
      const bytes = content.encoding === "base64"
        ? Buffer.from(content.text, "base64")
        : Buffer.from(content.text, "utf8");
      if (content.encoding === "base64") {
        assert.equal(bytes.toString("base64"), content.text, `${at}: canonical base64`);
      }
      assert.equal(bytes.length, content.size, `${at}: content.size is the decoded size`);
    } else {
      assert.equal(content.size, 0, `${at}: no text, no size`);
    }
    // serverIPAddress, when present, is a bare IP address.
    if ("serverIPAddress" in entry) {
      assert.notEqual(isIP(entry.serverIPAddress), 0, `${at}: ${entry.serverIPAddress}`);
    }
    // startedDateTime is ISO 8601 with milliseconds, in UTC.
    assert.match(entry.startedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(!Number.isNaN(Date.parse(entry.startedDateTime)));
    assert.ok(new URL(entry.request.url).protocol.startsWith("http"), `${at}: absolute URL`);
  }
}
