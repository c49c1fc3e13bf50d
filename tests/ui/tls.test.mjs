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

  test("Decrypt HTTPS and its host list wait for proxy mode; Target CA goes to the origins", async () => {
    await withApp({}, async (page) => {
      const decrypt = page.getByTestId("decrypt-tls");
      const hosts = page.getByTestId("no-decrypt");
      const ca = page.getByTestId("target-ca");
      await page.getByTestId("mode-listener").check();
      assert.deepEqual([await decrypt.isDisabled(), await hosts.isDisabled()], [true, true], "forward mode");
      await page.getByTestId("mode-proxy").check();
      assert.deepEqual(
        [await decrypt.isDisabled(), await hosts.isDisabled(), await ca.isDisabled()],
        [false, true, true],
        "a proxy that does not decrypt has no hosts to pass through and no origins to trust",
      );
      assert.match(await page.getByTestId("decrypt-hint").textContent(), /trust TCPMon's CA/);
      await decrypt.check();
      assert.deepEqual([await hosts.isDisabled(), await ca.isDisabled()], [false, false]);
      await hosts.fill("*.bank.example\npinned.example, *.pinned.test");
      await ca.click();
      await page.getByTestId("target-ca-files").filter({ hasText: "dev-server.pem" }).waitFor();
      await page.getByTestId("insecure").check();
      await page.getByTestId("listen-port").fill("0");
      await page.getByTestId("add-listener").click();
      await page.getByTestId("listener-tab").waitFor();
      const [{ form }] = await calls(page, "add_listener");
      assert.deepEqual(
        [form.proxy, form.decrypt_tls, form.no_decrypt, form.target_tls, form.target_ca, form.insecure],
        [true, true, "*.bank.example\npinned.example, *.pinned.test", false, ["/home/dev/certs/dev-server.pem"], true],
      );
      const badges = await activePanel(page).locator(".badge").allTextContents();
      assert.ok(badges.includes("Decrypts HTTPS (any certificate)"), badges.join());
      assert.ok(badges.includes("not decrypted: *.bank.example, pinned.example, *.pinned.test"), badges.join());
    });
  });

  test("a host list that is no host globs is refused next to the list, in the engine's words", async () => {
    const settings = { admin: { proxy: true, decrypt_tls: true } };
    await withApp({ settings }, async (page) => {
      await page.getByTestId("no-decrypt").fill("ok.example\nbank example");
      await page.getByTestId("listen-port").fill("3128");
      await page.getByTestId("add-listener").click();
      const error = page.getByTestId("error-no_decrypt");
      await error.waitFor();
      assert.equal(
        await error.textContent(),
        'host pattern "bank example" for --no-decrypt: use a host name or address, with * for any characters (*.example.com)',
      );
      const sameRow = page.locator(".form-row", { has: page.getByTestId("no-decrypt") });
      assert.equal(await sameRow.getByTestId("error-no_decrypt").count(), 1, "shown by the list");
      assert.equal(await page.getByTestId("listener-tab").count(), 0);
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
      assert.match(
        await details.getByTestId("tls-target").textContent(),
        /· NOT verified \(Accept any certificate\)$/,
        "a file from before the check was recorded: verified is all there is",
      );
      assert.match(
        await activePanel(page).locator(`[data-testid=connection-row][data-id="${tls}"] .c-url`).first().textContent(),
        /^https:\/\//,
      );
    });
  });

  test("the TLS section shows each side's check and certificate chain, a hostile subject as text", async () => {
    await withApp(oneListener, async (page) => {
      const hostile = "CN=<img src=x onerror=alert(1)>";
      const id = await page.evaluate((subject) => {
        const client = window.fake.tlsFacts("client");
        const target = window.fake.tlsFacts("target", "api.example");
        target.chain[0].subject = subject;
        target.chain[0].names = Array.from({ length: 12 }, (_, i) => `n${i}.api.example`);
        return window.fake.open(1, { client_tls: client, target_tls: target });
      }, hostile);
      const dialogs = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await activePanel(page).locator(`[data-testid=connection-row][data-id="${id}"]`).first().click();
      const details = activePanel(page).getByTestId("tls-details");
      await details.waitFor();
      assert.match(await details.getByTestId("tls-client").textContent(), /· client trusts TCPMon's CA$/);
      assert.match(await details.getByTestId("tls-target").textContent(), /· trusted \(system store\)$/);
      const chain = details.getByTestId("tls-target-chain");
      assert.equal(await chain.locator("summary").textContent(), `2 certificates: ${hostile}`);
      assert.equal(await chain.locator("dl").first().isVisible(), false, "closed to one line at first");
      await chain.locator("summary").click();
      const facts = await chain.locator("dl").evaluateAll((lists) =>
        lists.map((dl) => [...dl.querySelectorAll("dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
      );
      const fingerprints = await page.evaluate(() =>
        window.fake.tlsFacts("target", "api.example").chain.map((c) => c.sha256),
      );
      assert.deepEqual(facts[0], [
        ["leaf", hostile],
        ["issuer", "CN=Dev Root CA, O=Example Dev"],
        ["names", "n0.api.example, n1.api.example, n2.api.example, n3.api.example, n4.api.example, n5.api.example, n6.api.example, n7.api.example and 4 more"],
        ["valid", "from 2026-05-01 10:00:00 UTC until 2027-05-01 10:00:00 UTC"],
        ["SHA-256", fingerprints[0]],
      ]);
      assert.deepEqual(facts[1][0], ["root", "CN=Dev Root CA, O=Example Dev"]);
      assert.equal(await details.locator("img").count(), 0, "the subject stays text");
      assert.deepEqual(dialogs, []);
      const box = await details.boundingBox();
      assert.ok(box.width <= 1280, `the section fits the window: ${box.width}px`);
      const overflow = await chain.locator("dd").evaluateAll((dds) => dds.filter((dd) => dd.scrollWidth > dd.clientWidth + 1).length);
      assert.equal(overflow, 0, "fingerprints and names wrap");

      // Another TLS connection: the chain the user opened stays open.
      const other = await page.evaluate(() => window.fake.open(1, { target_tls: window.fake.tlsFacts("target") }));
      await activePanel(page).locator(`[data-testid=connection-row][data-id="${other}"]`).first().click();
      await details.getByTestId("tls-target-chain").locator("summary").filter({ hasText: "CN=localhost" }).waitFor();
      assert.equal(await details.getByTestId("tls-target-chain").locator("dl").first().isVisible(), true);
      assert.equal(await details.getByTestId("tls-client-chain").count(), 0, "no client side, no client chain");
    });
  });
});
