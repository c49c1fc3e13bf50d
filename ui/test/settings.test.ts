import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_SETTINGS, parseSettings, SettingsKeeper } from "../src/settings";

test("missing or foreign settings give the defaults", () => {
  assert.deepEqual(parseSettings(null), DEFAULT_SETTINGS);
  assert.deepEqual(parseSettings("nonsense"), DEFAULT_SETTINGS);
  assert.deepEqual(parseSettings([1, 2]), DEFAULT_SETTINGS);
});

test("valid fields are kept and wrong-typed ones fall back one by one", () => {
  const s = parseSettings({
    layout: "stacked",
    views: { request: "hex", response: "bogus" },
    save_format: "text",
    admin: { port: "8081", proxy: "yes", target_host: "::1" },
    open_listeners: [{ port: "8081", bind: "127.0.0.1", proxy: false }, { port: "" }, "junk"],
  });
  assert.equal(s.layout, "stacked");
  assert.deepEqual(s.views, { request: "hex", response: "auto" });
  assert.equal(s.save_format, "text");
  assert.equal(s.admin.port, "8081");
  assert.equal(s.admin.proxy, false);
  assert.equal(s.admin.target_host, "::1");
  assert.equal(s.admin.bind, "127.0.0.1");
  assert.equal(s.open_listeners.length, 1);
  assert.equal(s.open_listeners[0]!.target_host, "");
  assert.equal(s.open_listeners[0]!.rewrite_host, false);
});

test("TLS choices are kept; Target CA files only as a list of paths", () => {
  const s = parseSettings({
    admin: { target_tls: true, target_ca: ["/certs/a.pem", "/certs/b.pem"], insecure: true, listen_tls: true },
    open_listeners: [{ port: "8443", listen_tls: true, target_ca: ["/certs/a.pem", 7] }],
  });
  assert.deepEqual(
    [s.admin.target_tls, s.admin.target_ca, s.admin.insecure, s.admin.listen_tls],
    [true, ["/certs/a.pem", "/certs/b.pem"], true, true],
  );
  assert.equal(s.open_listeners[0]!.listen_tls, true);
  assert.deepEqual(s.open_listeners[0]!.target_ca, [], "a list with a non-path falls back whole");
  assert.deepEqual(parseSettings({ admin: { target_ca: "/certs/a.pem" } }).admin.target_ca, []);
});

test("rules are kept with the Admin tab and each open listener; anything else is none", () => {
  const text = '[{"when": "path:/a", "then": {"mock": {}}}]';
  const s = parseSettings({
    admin: { rules: text, rules_folder: "/home/dev" },
    open_listeners: [
      { port: "8081", rules: { text, folder: "/home/dev" } },
      { port: "8082", rules: { text: 7 } },
      { port: "8083" },
    ],
  });
  assert.deepEqual([s.admin.rules, s.admin.rules_folder], [text, "/home/dev"]);
  assert.deepEqual(
    s.open_listeners.map((f) => f.rules),
    [{ text, folder: "/home/dev" }, null, null],
  );
});

test("every save format is remembered, and the Sender's form field by field", () => {
  for (const format of ["session", "text", "har", "curl"] as const) {
    assert.equal(parseSettings({ save_format: format }).save_format, format);
  }
  assert.equal(parseSettings({ save_format: "pcap" }).save_format, "session");
  const s = parseSettings({ sender: { method: "POST", url: "http://a.test/", headers: 7 } });
  assert.deepEqual(s.sender, { method: "POST", url: "http://a.test/", headers: "", body: "" });
});

test("the capture limit is kept as typed, a wrong type falls back to none", () => {
  assert.equal(parseSettings({ capture_limit: "500MiB" }).capture_limit, "500MiB");
  assert.equal(parseSettings({ capture_limit: 500 }).capture_limit, "");
  assert.equal(DEFAULT_SETTINGS.capture_limit, "");
});

test("settings are saved once after a burst of changes, and not when nothing changed", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const saved: unknown[] = [];
  const keeper = new SettingsKeeper(
    DEFAULT_SETTINGS,
    async (s) => saved.push(s),
    () => {},
  );
  keeper.update({ layout: "stacked" });
  keeper.update({ save_format: "text" });
  t.mock.timers.tick(1000);
  assert.equal(saved.length, 1);
  assert.deepEqual(saved[0], { ...DEFAULT_SETTINGS, layout: "stacked", save_format: "text" });
  keeper.update({ layout: "stacked" });
  t.mock.timers.tick(1000);
  assert.equal(saved.length, 1);
});

test("views hear about every change at once", () => {
  const keeper = new SettingsKeeper(
    DEFAULT_SETTINGS,
    async () => {},
    () => {},
  );
  const layouts: string[] = [];
  keeper.onChange((s) => layouts.push(s.layout));
  keeper.update({ layout: "stacked" });
  assert.deepEqual(layouts, ["stacked"]);
});

test("a closed view stops hearing about changes", () => {
  const keeper = new SettingsKeeper(
    DEFAULT_SETTINGS,
    async () => {},
    () => {},
  );
  let heard = 0;
  const stop = keeper.onChange(() => (heard += 1));
  stop();
  keeper.update({ layout: "stacked" });
  assert.equal(heard, 0);
});
