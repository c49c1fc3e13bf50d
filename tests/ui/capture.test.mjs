// The capture as the window shows it against the fake backend: captures a crash left, offered
// at start (open read-only, discard, later); the capture limit in the Admin tab; recording
// stopped on the status line, on the row and in the pane.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

const T = Date.UTC(2026, 11, 6, 0, 25, 31);
const LEFT = [
  { path: "/home/dev/.cache/tcpmon/captures/2026-12-06T00-25-31-4242.tcpmon", size: 1_258_291, modified_ms: T },
  { path: "/home/dev/.cache/tcpmon/captures/2026-12-06T01-02-03-4343.tcpmon", size: 2048, modified_ms: T + 60_000 },
];
const connections = [1, 2].map((id) => ({
  id,
  listener: 1,
  listen_port: 8081,
  client: "127.0.0.1:40000",
  target: { host: "127.0.0.1", port: 8080 },
  accepted_at: T * 1000,
  connected_at: null,
  closed_at: T * 1000 + 50_000,
  state: { kind: "done" },
  bytes: [80, 200],
  truncated: [false, false],
  resend_of: null,
  request_line: `GET /left/${id} HTTP/1.1`,
}));
const leftSession = { session: 5, name: "ignored", note: null, connections };

describe("captures left by a crash", () => {
  test("no notice when there are none", async () => {
    await withApp({}, async (page) => {
      await page.getByTestId("status").filter({ hasText: "capture" }).waitFor();
      assert.equal(await page.getByTestId("recover-notice").count(), 0);
    });
  });

  test("the notice lists them with time and size; Open shows one read-only in a tab", async () => {
    await withApp({ left_captures: LEFT, leftSession }, async (page) => {
      const notice = page.getByTestId("recover-notice");
      await notice.waitFor();
      assert.match(await notice.textContent(), /TCPMon found 2 captures left by a crash/);
      const items = notice.getByTestId("recover-item");
      assert.equal(await items.count(), 2);
      // Local time, as the table shows times; binary sizes.
      assert.match(await items.nth(0).textContent(), /^2026-12-0\d \d\d:\d\d:31 · 1\.2 MiB/);
      assert.match(await items.nth(1).textContent(), /· 2\.0 KiB/);

      await items.nth(0).getByTestId("recover-open").click();
      const tab = page.getByTestId("session-tab");
      await tab.waitFor();
      assert.equal(await tab.textContent(), "2026-12-06T00-25-31-4242.tcpmon");
      assert.equal(await tab.getAttribute("aria-selected"), "true");
      assert.deepEqual(await calls(page, "open_left_capture"), [{ path: LEFT[0].path }]);
      const panel = activePanel(page);
      assert.equal(await panel.getByTestId("connection-row").count(), 2);
      await panel.locator('[data-testid=connection-row][data-id="2"]').click();
      await panel.getByTestId("request-pane").filter({ hasText: "GET /left/2" }).waitFor();
      assert.equal((await calls(page, "read_view")).at(-1).session, 5);
      // Still offered (it is still a file in the cache), its Open done.
      assert.equal(await items.nth(0).getByTestId("recover-open").textContent(), "Opened");
      assert.equal(await items.nth(0).getByTestId("recover-open").isDisabled(), true);
    });
  });

  test("Discard asks first, removes the file, and the notice goes with the last one", async () => {
    await withApp({ left_captures: LEFT }, async (page) => {
      const notice = page.getByTestId("recover-notice");
      const first = notice.getByTestId("recover-item").first();
      await first.getByTestId("recover-discard").click();
      await page.getByTestId("dialog-cancel").click();
      assert.equal(await notice.getByTestId("recover-item").count(), 2, "cancelled: kept");
      assert.deepEqual(await calls(page, "discard_left_capture"), []);

      await first.getByTestId("recover-discard").click();
      assert.match(await page.getByTestId("confirm-dialog").textContent(), /removed for good/);
      await page.getByTestId("dialog-confirm").click();
      await notice.getByTestId("recover-item").nth(1).waitFor({ state: "detached" });
      assert.match(await notice.textContent(), /TCPMon found 1 capture left by a crash/);

      await notice.getByTestId("recover-discard").click();
      await page.getByTestId("dialog-confirm").click();
      await notice.waitFor({ state: "detached" });
      assert.deepEqual(await calls(page, "discard_left_capture"), [{ path: LEFT[0].path }, { path: LEFT[1].path }]);
      assert.deepEqual(await page.evaluate(() => window.fake.leftCaptures()), []);
    });
  });

  test("Later puts the notice away and leaves the captures alone; the window works meanwhile", async () => {
    await withApp({ ...oneListener, left_captures: LEFT }, async (page) => {
      const notice = page.getByTestId("recover-notice");
      await notice.waitFor();
      // Not modal: the tabs work with the notice up.
      await page.evaluate(() => window.fake.open(1));
      await activePanel(page).getByTestId("connection-row").first().click();
      await page.getByTestId("recover-later").click();
      await notice.waitFor({ state: "detached" });
      assert.deepEqual(await calls(page, "discard_left_capture"), []);
      assert.equal((await page.evaluate(() => window.fake.leftCaptures())).length, 2);
    });
  });
});

describe("capture limit and recording stopped", () => {
  test("the limit is applied live when typed, saved when valid, and a bad one is explained", async () => {
    await withApp({}, async (page) => {
      const input = page.getByTestId("capture-limit");
      await input.fill("plenty");
      await input.press("Enter");
      const error = page.getByTestId("error-capture_limit");
      await error.waitFor();
      assert.match(await error.textContent(), /"plenty" is not a size/);
      assert.equal(await input.getAttribute("aria-invalid"), "true");

      await input.fill("500MiB");
      await input.press("Tab"); // leaving the field applies it, as Enter does
      await page.getByTestId("capture-limit-state").filter({ hasText: "recording stops at 500 MiB" }).waitFor();
      assert.equal(await error.isVisible(), false);
      await page.getByTestId("status").filter({ hasText: "capture 46.0 MiB of 500 MiB" }).waitFor();
      await page.waitForFunction(() => window.fake.settings()?.capture_limit === "500MiB");
      assert.deepEqual(await calls(page, "set_capture_limit"), [{ limit: "plenty" }, { limit: "500MiB" }]);

      await input.fill("");
      await input.press("Enter");
      await page.getByTestId("capture-limit-state").filter({ hasText: "no limit" }).waitFor();
      await page.waitForFunction(() => window.fake.settings()?.capture_limit === "");
    });
  });

  test("a saved limit is shown and applied as the window starts", async () => {
    await withApp({ settings: { capture_limit: "2GB" } }, async (page) => {
      assert.equal(await page.getByTestId("capture-limit").inputValue(), "2GB");
      await page.getByTestId("capture-limit-state").filter({ hasText: "recording stops at 1.9 GiB" }).waitFor();
      assert.deepEqual(await calls(page, "set_capture_limit"), [{ limit: "2GB" }]);
    });
  });

  test("the protobuf schema is loaded when typed, a bad file is explained, and it is kept", async () => {
    await withApp({}, async (page) => {
      const input = page.getByTestId("proto-file");
      await input.fill("/home/dev/api/shop.txt");
      await input.press("Enter");
      const error = page.getByTestId("error-proto_file");
      await error.waitFor();
      assert.equal(await error.textContent(), "/home/dev/api/shop.txt: not a FileDescriptorSet");
      assert.equal(await input.getAttribute("aria-invalid"), "true");

      await input.fill("/home/dev/api/shop.proto");
      await input.press("Tab");
      await page.getByTestId("proto-file-state").filter({ hasText: "services: demo.shop.Shop" }).waitFor();
      assert.equal(await error.isVisible(), false);
      await page.waitForFunction(() => window.fake.settings()?.proto_file === "/home/dev/api/shop.proto");
    });
    await withApp({ settings: { proto_file: "/srv/shop.pb" } }, async (page) => {
      assert.equal(await page.getByTestId("proto-file").inputValue(), "/srv/shop.pb");
      await page.getByTestId("proto-file-state").filter({ hasText: "services: demo.shop.Shop" }).waitFor();
      assert.deepEqual(await calls(page, "set_proto_file"), [{ path: "/srv/shop.pb" }]);
    });
  });

  test("recording stopped shows on the status line until it resumes", async () => {
    await withApp(oneListener, async (page) => {
      const recording = page.getByTestId("status-recording");
      assert.equal(await recording.isVisible(), false);
      await page.evaluate(() => window.fake.recording("the capture limit of 1 MiB was reached"));
      await recording.waitFor();
      assert.equal(
        await recording.textContent(),
        "Recording stopped: the capture limit of 1 MiB was reached (relaying goes on)",
      );
      await page.evaluate(() => window.fake.recording(null));
      await recording.waitFor({ state: "hidden" });
    });
  });

  test("a truncated connection says why on its row and in its pane", async () => {
    const reason = "the capture limit of 1 MiB was reached";
    await withApp(oneListener, async (page) => {
      await page.evaluate(
        (reason) => window.fake.open(1, { truncated: [false, true], truncation: reason }),
        reason,
      );
      const row = activePanel(page).getByTestId("connection-row").first();
      await row.waitFor();
      const status = row.locator(".c-status");
      assert.equal(await status.textContent(), "200 ⚠");
      assert.equal(await status.getAttribute("title"), `OK — recording stopped: ${reason}`);
      await row.click();
      const note = activePanel(page).getByTestId("response-truncation");
      await note.waitFor();
      assert.equal(
        await note.textContent(),
        `Recording stopped: ${reason}. Relaying went on; later bytes were not recorded.`,
      );
      assert.equal(await activePanel(page).getByTestId("request-truncation").isVisible(), false);
    });
  });
});
