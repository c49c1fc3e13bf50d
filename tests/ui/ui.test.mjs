// The window against the fake backend in headless Chromium: what a user does, and what reaches
// the shell through IPC. Run with `npm run test:ui:browser` (it builds what it needs first).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, listenerInfo, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

const openRows = (page, n, overrides = {}, texts = {}) =>
  page.evaluate(
    ([n, o, t]) => Array.from({ length: n }, () => window.fake.open(1, o, t)),
    [n, overrides, texts],
  );
const row = (page, id) => activePanel(page).locator(`[data-testid=connection-row][data-id="${id}"]`);

describe("Admin tab", () => {
  test("adding a listener creates and selects a tab named after the real port", async () => {
    await withApp({}, async (page) => {
      await page.getByTestId("listen-port").fill("0");
      await page.getByTestId("target-host").fill("2001:db8::7");
      await page.getByTestId("target-port").fill("8443");
      await page.getByTestId("add-listener").click();
      const tab = page.getByTestId("listener-tab");
      await tab.waitFor();
      assert.equal(await tab.textContent(), "Port 41000");
      assert.equal(await tab.getAttribute("aria-selected"), "true");
      const [{ form }] = await calls(page, "add_listener");
      assert.equal(form.port, "0");
      assert.equal(form.target_host, "2001:db8::7");
      assert.equal(form.bind, "127.0.0.1");
      assert.equal(await activePanel(page).getByTestId("start-stop").textContent(), "Stop");
    });
  });

  test("a port in use is explained next to the listen port field", async () => {
    await withApp({ portsInUse: [8080] }, async (page) => {
      await page.getByTestId("listen-port").fill("8080");
      await page.getByTestId("add-listener").click();
      const error = page.getByTestId("error-listen_port");
      await error.waitFor();
      assert.match(await error.textContent(), /8080 is already in use/);
      const sameRow = page.locator(".form-row", { has: page.getByTestId("listen-port") });
      assert.equal(await sameRow.getByTestId("error-listen_port").isVisible(), true);
      assert.equal(await page.getByTestId("listener-tab").count(), 0);
    });
  });

  test("a bind address other than loopback shows a warning, as Rust's check_bind says", async () => {
    await withApp({}, async (page) => {
      const warning = page.getByTestId("bind-warning");
      assert.equal(await warning.isVisible(), false);
      for (const [addr, shown] of [
        ["0.0.0.0", true],
        ["::1", false],
        ["::", true],
        ["localhost", false],
        ["[::]", true],
        ["::ffff:127.0.0.1", false],
        ["2001:db8::7", true],
        ["garbage", false], // not an address: the error comes with Add
      ]) {
        await page.getByTestId("bind-address").fill(addr);
        await warning.waitFor({ state: shown ? "visible" : "hidden" });
        // The answer is the one for this text (asked once typing paused), not an earlier one.
        await page.waitForFunction((a) => window.fake.callsTo("check_bind").some((c) => c.addr === a), addr);
        assert.equal(await warning.isVisible(), shown, addr);
      }
    });
  });

  test("a listener tab says it is open beyond loopback as Rust's check_bind says", async () => {
    const bound = (id, port, bind) => {
      const info = listenerInfo(id, port);
      return { ...info, config: { ...info.config, bind }, local_addr: `${bind}:${port}` };
    };
    const listeners = [bound(1, 8081, "0.0.0.0"), bound(2, 8082, "::ffff:127.0.0.1")];
    await withApp({ listeners, selected_listener: 1 }, async (page) => {
      await activePanel(page).getByTestId("open-badge").waitFor();
      assert.equal(await activePanel(page).getByTestId("open-badge").textContent(), "open on 0.0.0.0");
      await page.getByTestId("listener-tab").nth(1).click();
      await page.waitForFunction(() =>
        window.fake.callsTo("check_bind").some((c) => c.addr === "::ffff:127.0.0.1"),
      );
      await activePanel(page).locator(".badge", { hasText: "Listener" }).waitFor();
      await page.waitForTimeout(200); // the answer has been applied
      assert.equal(await activePanel(page).getByTestId("open-badge").count(), 0, "IPv4-mapped loopback");
    });
  });

  test("the listeners open last time are offered again", async () => {
    const form = {
      port: "9001",
      bind: "127.0.0.1",
      proxy: false,
      target_host: "example.org",
      target_port: "80",
      upstream_proxy: "",
      slow_bytes: "",
      slow_delay_ms: "",
    };
    await withApp({ settings: { open_listeners: [form] } }, async (page) => {
      const offer = page.getByTestId("reopen");
      assert.match(await offer.textContent(), /Port 9001 → example.org:80/);
      await page.getByTestId("reopen-listener").click();
      await page.getByTestId("listener-tab").filter({ hasText: "Port 9001" }).waitFor();
      // Saved by a build without the Host rewrite, TLS, decryption, faults and rules: they come back off.
      assert.deepEqual((await calls(page, "add_listener"))[0].form, {
        ...form,
        rewrite_host: false,
        target_tls: false,
        target_ca: [],
        insecure: false,
        listen_tls: false,
        decrypt_tls: false,
        no_decrypt: "",
        faults: "",
        rules: null,
      });
      await offer.waitFor({ state: "hidden" });
    });
  });
});

describe("listener tab", () => {
  test("rows appear from engine events with their columns", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 3);
      await row(page, 3).waitFor();
      assert.equal(await activePanel(page).getByTestId("connection-row").count(), 3);
      const cells = await row(page, 2).locator(".cell").allTextContents();
      assert.deepEqual(cells.slice(0, 2), ["2", "Done"]);
      assert.match(cells[2], /^\d\d:\d\d:\d\d\.\d{3}$/);
      assert.deepEqual(cells.slice(3, 10), [
        "127.0.0.1:50002",
        "example.org",
        "GET",
        "http://example.org/api/items/2",
        "200",
        "0 B",
        "61 B",
      ]);
      assert.match(cells[10], /^\d+ ms$/);
      assert.equal(await row(page, 2).getAttribute("data-conn"), "2");
      assert.equal(await row(page, 2).getAttribute("data-exchange"), "0");
      assert.match(await row(page, 2).locator(".c-resp-size").getAttribute("title"), /61 B body, \d+ B head/);
      await page.getByTestId("status").filter({ hasText: "3 connections" }).waitFor();
    });
  });

  test("selecting a row shows its request and response as text", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 3);
      await row(page, 2).click();
      const panel = activePanel(page);
      await panel.getByTestId("request-pane").filter({ hasText: "GET /api/items/2 HTTP/1.1" }).waitFor();
      await panel.getByTestId("response-pane").filter({ hasText: "HTTP/1.1 200 OK" }).waitFor();
      assert.equal(await row(page, 2).getAttribute("aria-selected"), "true");
    });
  });

  test("Most Recent follows the newest connection and shows it once", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 2);
      const request = activePanel(page).getByTestId("request-pane");
      await request.filter({ hasText: "/api/items/2 " }).waitFor();
      await openRows(page, 1);
      await request.filter({ hasText: "/api/items/3 " }).waitFor();
      await page.waitForTimeout(600); // past the live-refresh throttle
      const text = await request.locator("pre").textContent();
      assert.equal(text.split("GET /api/items/3 ").length - 1, 1, "the request shows once");
    });
  });

  test("switching the response view to hex reads the hex view", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 1);
      await row(page, 1).click();
      await activePanel(page).getByTestId("response-view").selectOption("hex");
      await activePanel(page)
        .getByTestId("response-pane")
        .filter({ hasText: "00000000  48 54 54 50" })
        .waitFor();
      const last = (await calls(page, "read_view")).at(-1);
      assert.deepEqual(last, {
        session: null,
        id: 1,
        direction: "server_to_client",
        view: "hex",
        offset: 0,
        exchange: 0,
      });
    });
  });

  test("100,000 rows keep only a window in the DOM and scroll to the last one", async () => {
    await withApp(oneListener, async (page) => {
      await page.evaluate(() => window.fake.flood(1, 100_000));
      await page.getByTestId("status").filter({ hasText: "100,000 connections" }).waitFor();
      const scroller = activePanel(page).getByTestId("connection-table");
      await scroller.evaluate((s) => (s.scrollTop = 0));
      await row(page, 1).waitFor();
      const inDom = await activePanel(page).getByTestId("connection-row").count();
      assert.ok(inDom > 5 && inDom < 80, `${inDom} rows in the DOM`);
      await scroller.evaluate((s) => (s.scrollTop = s.scrollHeight));
      await row(page, 100_000).waitFor();
      const [rowBox, tableBox] = [await row(page, 100_000).boundingBox(), await scroller.boundingBox()];
      assert.ok(rowBox.y + rowBox.height <= tableBox.y + tableBox.height + 1, "last row fully in view");
      assert.ok((await activePanel(page).getByTestId("connection-row").count()) < 80);
    });
  });

  test("Remove Selected removes exactly the rows picked with Ctrl-click", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 6);
      await row(page, 2).click();
      await row(page, 4).click({ modifiers: ["Control"] });
      await row(page, 6).click({ modifiers: ["Control"] });
      await activePanel(page).getByTestId("remove-selected").click();
      await row(page, 4).waitFor({ state: "detached" });
      assert.deepEqual(await calls(page, "remove_connections"), [{ ids: [2, 4, 6] }]);
      const left = await activePanel(page)
        .getByTestId("connection-row")
        .evaluateAll((rows) => rows.map((r) => r.dataset.id));
      assert.deepEqual(left, ["1", "3", "5"]);
    });
  });

  test("Shift-click selects a range; arrows move and Delete removes", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 5);
      await row(page, 2).click();
      await row(page, 4).click({ modifiers: ["Shift"] });
      const selected = () =>
        activePanel(page)
          .locator("[data-testid=connection-row][aria-selected=true]")
          .evaluateAll((r) => r.map((x) => x.dataset.id));
      assert.deepEqual(await selected(), ["2", "3", "4"]);
      await page.keyboard.press("ArrowDown");
      assert.deepEqual(await selected(), ["5"]);
      await page.keyboard.press("ArrowUp");
      await page.keyboard.press("Delete");
      await row(page, 4).waitFor({ state: "detached" });
      assert.deepEqual(await calls(page, "remove_connections"), [{ ids: [4] }]);
    });
  });

  test("a hostile response stays inert text", async () => {
    const payload = `HTTP/1.1 200 OK\r\n\r\n<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">`;
    await withApp(oneListener, async (page) => {
      await openRows(
        page,
        1,
        { request_line: `GET /<img src=x onerror="window.pwned=3"> HTTP/1.1` },
        { server_to_client: payload },
      );
      await row(page, 1).click();
      const pane = activePanel(page).getByTestId("response-pane");
      await pane.filter({ hasText: "<script>window.pwned = 1</script>" }).waitFor();
      assert.match(await pane.locator("pre").textContent(), /<img src=x onerror="window.pwned = 2">/);
      assert.equal(await page.locator(".tab-panel img, .tab-panel script").count(), 0);
      assert.match(await row(page, 1).textContent(), /<img src=x onerror/);
      await page.waitForTimeout(100);
      assert.equal(await page.evaluate(() => window.pwned), undefined);
    });
  });

  test("long responses come in pages with load more, and truncation is marked", async () => {
    const long = `HTTP/1.1 200 OK\r\n\r\n${"0123456789abcdef\n".repeat(20)}`;
    await withApp({ ...oneListener, pageSize: 128 }, async (page) => {
      await openRows(page, 1, { truncated: [false, true] }, { server_to_client: long });
      await row(page, 1).click();
      const panel = activePanel(page);
      await panel.getByTestId("response-view").selectOption("raw");
      const more = panel.getByTestId("response-load-more");
      await more.waitFor();
      assert.equal(await panel.getByTestId("response-truncated").isVisible(), true);
      const text = () => panel.getByTestId("response-pane").locator("pre").textContent();
      assert.equal((await text()).length, 128);
      await more.click();
      await more.click();
      await more.waitFor({ state: "hidden" });
      assert.equal(await text(), long);
      assert.deepEqual(
        (await calls(page, "read_view"))
          .filter((c) => c.direction === "server_to_client" && c.view === "raw")
          .map((c) => c.offset),
        [0, 128, 256],
      );
    });
  });

  test("the panes of a live connection follow it as it grows", async () => {
    await withApp(oneListener, async (page) => {
      const body = "first chunk\nlate chunk";
      const [id] = await openRows(
        page,
        1,
        { state: { kind: "active" }, closed_at: null },
        { server_to_client: `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\nfirst chunk` },
      );
      await row(page, id).click();
      const response = activePanel(page).getByTestId("response-pane");
      await response.filter({ hasText: "first chunk" }).waitFor();
      assert.equal(await row(page, id).locator(".c-state").textContent(), "Resp");
      await page.evaluate((id) => window.fake.grow(id, "server_to_client", "\nlate chunk"), id);
      await response.filter({ hasText: "late chunk" }).waitFor();
      await row(page, id).locator(".c-state").filter({ hasText: "Done" }).waitFor();
    });
  });

  test("Resend sends the edited request and selects the new row", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 2);
      await row(page, 1).click();
      const panel = activePanel(page);
      await panel.getByTestId("edit-request").click();
      const editor = panel.getByTestId("request-editor");
      await editor.waitFor();
      await editor.fill("POST /changed HTTP/1.1\r\nHost: example.org\r\n\r\n");
      await page.keyboard.press("Control+r");
      await row(page, 3).waitFor();
      assert.deepEqual(await calls(page, "resend"), [
        // As typed (a textarea has LF line ends); Rust gives back the capture's CRLF.
        { id: 1, edited: "POST /changed HTTP/1.1\nHost: example.org\n\n", exchange: 0 },
      ]);
      assert.equal(await row(page, 3).getAttribute("aria-selected"), "true");
      assert.match(await row(page, 3).textContent(), /↻ resend of #1/);
      await panel.getByTestId("request-pane").filter({ hasText: "POST /changed" }).waitFor();
    });
  });

  test("editing while following Most Recent keeps the edit when new connections arrive", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 1);
      const panel = activePanel(page);
      await panel.getByTestId("request-pane").filter({ hasText: "GET /api/items/1 " }).waitFor();
      await panel.getByTestId("edit-request").click();
      const editor = panel.getByTestId("request-editor");
      await editor.fill("GET /edited HTTP/1.1\n\n");
      await openRows(page, 2);
      await row(page, 3).waitFor();
      await page.waitForTimeout(600);
      assert.equal(await editor.inputValue(), "GET /edited HTTP/1.1\n\n");
      assert.equal(await row(page, 1).getAttribute("aria-selected"), "true");
    });
  });

  test("Stop makes the fields editable and Start with a new port updates the listener", async () => {
    await withApp(oneListener, async (page) => {
      const panel = activePanel(page);
      await panel.getByTestId("start-stop").click();
      await panel.getByTestId("start-stop").filter({ hasText: "Start" }).waitFor();
      await panel.getByTestId("tab-listen-port").fill("9090");
      await panel.getByTestId("start-stop").click();
      await page.getByTestId("listener-tab").filter({ hasText: "Port 9090" }).waitFor();
      const [{ id, form }] = await calls(page, "update_listener");
      assert.equal(id, 1);
      assert.equal(form.port, "9090");
      assert.equal(form.target_host, "example.org");
      assert.equal(await panel.getByTestId("tab-listen-port").evaluate((i) => i.readOnly), true);
    });
  });

  test("Switch Layout stacks the panes and the choice is saved", async () => {
    await withApp(oneListener, async (page) => {
      const panes = activePanel(page).locator(".panes");
      assert.match(await panes.getAttribute("class"), /\bside\b/);
      await activePanel(page).getByTestId("switch-layout").click();
      assert.match(await panes.getAttribute("class"), /\bstacked\b/);
      await page.waitForFunction(() => window.fake.settings()?.layout === "stacked");
    });
  });
});

describe("closing and saving", () => {
  test("closing a tab with unsaved rows asks first, in the page", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 2);
      await row(page, 2).waitFor();
      await activePanel(page).getByTestId("close-tab").click();
      const dialog = page.getByTestId("confirm-dialog");
      await dialog.waitFor();
      assert.match(await dialog.textContent(), /2 connections were never saved/);
      await page.getByTestId("dialog-cancel").click();
      await dialog.waitFor({ state: "detached" });
      assert.equal(await page.getByTestId("listener-tab").count(), 1);
      assert.deepEqual(await calls(page, "remove_listener"), []);

      await activePanel(page).getByTestId("close-tab").click();
      await page.getByTestId("dialog-confirm").click();
      await page.getByTestId("listener-tab").waitFor({ state: "detached" });
      assert.deepEqual(await calls(page, "remove_listener"), [{ id: 1 }]);
      assert.deepEqual(await calls(page, "remove_connections"), [{ ids: [1, 2] }]);
      // The left neighbour: Admin, Sender, then the listeners, as in Apache TCPMon.
      assert.equal(await page.getByTestId("sender-tab").getAttribute("aria-selected"), "true");
    });
  });

  test("after Save the tab closes without asking", async () => {
    await withApp(oneListener, async (page) => {
      await openRows(page, 2);
      await activePanel(page).getByTestId("save-format").selectOption("text");
      await activePanel(page).getByTestId("save").click();
      await page
        .getByTestId("status-message")
        .filter({ hasText: "Saved 2 connections to /home/dev/captures/checkout.txt" })
        .waitFor();
      assert.deepEqual(await calls(page, "save_connections"), [
        { session: null, ids: [1, 2], format: "text", exchanges: null },
      ]);
      await activePanel(page).getByTestId("close-tab").click();
      await page.getByTestId("listener-tab").waitFor({ state: "detached" });
      assert.equal(await page.getByTestId("confirm-dialog").count(), 0);
    });
  });

  test("an opened session shows read-only in its own tab", async () => {
    const connections = [9001, 9002].map((id) => ({
      id,
      listener: 7,
      listen_port: 8081,
      client: "10.0.0.5:40000",
      target: { host: "api.internal", port: 8080 },
      accepted_at: 1_764_000_000_000_000,
      connected_at: null,
      closed_at: 1_764_000_000_050_000,
      state: { kind: "done" },
      bytes: [80, 200],
      truncated: [false, false],
      resend_of: null,
      request_line: `GET /s/${id} HTTP/1.1`,
    }));
    const session = {
      session: 3,
      name: "checkout.tcpmon",
      note: "saved by a newer TCPMon: 1 record skipped",
      connections,
    };
    await withApp({ session }, async (page) => {
      await page.getByTestId("open-session").click();
      const tab = page.getByTestId("session-tab");
      await tab.waitFor();
      assert.equal(await tab.textContent(), "checkout.tcpmon");
      const panel = activePanel(page);
      assert.match(await panel.getByTestId("session-note").textContent(), /1 record skipped/);
      for (const control of ["start-stop", "resend", "remove-selected", "edit-request"]) {
        assert.equal(await panel.getByTestId(control).count(), 0, control);
      }
      await row(page, 9002).click();
      await panel.getByTestId("request-pane").filter({ hasText: "GET /s/9002" }).waitFor();
      assert.equal((await calls(page, "read_view")).at(-1).session, 3);
      await panel.getByTestId("close-tab").click();
      await tab.waitFor({ state: "detached" });
      assert.deepEqual(await calls(page, "close_session"), [{ session: 3 }]);
    });
  });
});
