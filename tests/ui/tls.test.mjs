// TLS in the window against the fake backend: the Admin tab's TLS options and the CA export,
// the lock on TLS rows and the TLS section of the shown connection.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

/** What a TLS 1.3 handshake settled on, as the engine records it. */
const tls13 = { version: "1.3", cipher: "TLS13_AES_256_GCM_SHA384", server_name: "localhost" };

describe("Admin tab: TLS", () => {
  test("TLS to target with a picked CA file and TLS listener reach add_listener", async () => {
    await withApp({}, async (page) => {
      const ca = page.getByTestId("target-ca");
      const insecure = page.getByTestId("insecure");
      assert.equal(await ca.isDisabled(), true, "Target CA... waits for TLS to target");
      assert.equal(await insecure.isDisabled(), true);
      await page.getByTestId("target-tls").check();
      await ca.click();
      await page.getByTestId("target-ca-files").filter({ hasText: "dev-server.pem" }).waitFor();
      await insecure.check();
      await page.getByTestId("listen-tls").check();
      await page.getByTestId("listen-port").fill("0");
      await page.getByTestId("add-listener").click();
      await page.getByTestId("listener-tab").waitFor();
      const [{ form }] = await calls(page, "add_listener");
      assert.deepEqual(
        [form.target_tls, form.target_ca, form.insecure, form.listen_tls],
        [true, ["/home/dev/certs/dev-server.pem"], true, true],
      );
      const badges = await activePanel(page).locator(".badge").allTextContents();
      assert.ok(badges.includes("TLS listener"), badges.join());
      assert.ok(badges.includes("TLS to target (any certificate)"), badges.join());
    });
  });

  test("proxy mode greys out TLS to target and does not send it; a cancelled dialog keeps the pick", async () => {
    const settings = { admin: { target_tls: true, target_ca: ["/certs/a.pem"], insecure: false } };
    await withApp({ settings, pickedCa: null }, async (page) => {
      assert.equal(await page.getByTestId("target-ca-files").textContent(), "a.pem", "kept in the settings");
      await page.getByTestId("target-ca").click();
      await page.waitForFunction(() => window.fake.callsTo("pick_target_ca").length === 1);
      assert.equal(await page.getByTestId("target-ca-files").textContent(), "a.pem");
      await page.getByTestId("mode-proxy").check();
      assert.equal(await page.getByTestId("target-tls").isDisabled(), true);
      assert.equal(await page.getByTestId("target-ca").isDisabled(), true);
      await page.getByTestId("listen-port").fill("3128");
      await page.getByTestId("add-listener").click();
      await page.getByTestId("listener-tab").waitFor();
      const [{ form }] = await calls(page, "add_listener");
      assert.deepEqual([form.proxy, form.target_tls, form.target_ca], [true, false, []]);
    });
  });

  test("Export CA certificate... says where it wrote", async () => {
    await withApp({}, async (page) => {
      await page.getByTestId("export-ca").click();
      const result = page.getByTestId("export-ca-result");
      await result.filter({ hasText: "Wrote /home/dev/tcpmon-ca.pem" }).waitFor();
      assert.equal((await calls(page, "export_ca")).length, 1);
      assert.match(await page.getByTestId("ca-settings").textContent(), /docs\/https\.md/);
    });
  });
});

describe("listener tab: TLS", () => {
  test("TLS rows carry a lock; the TLS section shows each side of the selected one", async () => {
    await withApp(oneListener, async (page) => {
      const [plain, tls] = await page.evaluate(
        ([tls]) => [window.fake.open(1), window.fake.open(1, tls)],
        [
          {
            client_tls: { ...tls13, alpn: "http/1.1", verified: true },
            target_tls: { ...tls13, alpn: null, verified: false },
          },
        ],
      );
      const host = (id) =>
        activePanel(page).locator(`[data-testid=connection-row][data-id="${id}"] .c-host`).first();
      await host(tls).filter({ hasText: "🔒" }).waitFor();
      assert.doesNotMatch(await host(plain).textContent(), /🔒/);
      const details = activePanel(page).getByTestId("tls-details");
      await activePanel(page).locator(`[data-testid=connection-row][data-id="${plain}"]`).first().click();
      assert.equal(await details.isVisible(), false, "a plain connection has no TLS section");
      await activePanel(page).locator(`[data-testid=connection-row][data-id="${tls}"]`).first().click();
      await details.waitFor();
      assert.match(
        await details.getByTestId("tls-client").textContent(),
        /Client → TCPMon: TLS 1\.3 · TLS13_AES_256_GCM_SHA384 · ALPN http\/1\.1 · SNI localhost/,
      );
      assert.match(await details.getByTestId("tls-target").textContent(), /not verified \(--insecure\)$/);
      assert.match(
        await activePanel(page).locator(`[data-testid=connection-row][data-id="${tls}"] .c-url`).first().textContent(),
        /^https:\/\//,
      );
    });
  });
});
