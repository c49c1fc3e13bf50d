// The Sender tab and the Admin form's Host rewrite, against the fake backend.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, listenerInfo, useHarness } from "./harness.mjs";

const withApp = useHarness();

const senderRows = (page) =>
  page.getByTestId("sender-panel").locator("[data-testid=connection-row]");

async function openSender(page) {
  await page.getByTestId("sender-tab").click();
  await page.getByTestId("sender-panel").waitFor();
  return page.getByTestId("sender-panel");
}

describe("Sender tab", () => {
  test("it stays next to Admin, cannot be closed, and sends what was typed", async () => {
    await withApp({ listeners: [listenerInfo(1, 8081)] }, async (page) => {
      const tabs = await page.locator(".tabs .tab").evaluateAll((t) => t.map((x) => x.dataset.testid));
      assert.deepEqual(tabs, ["admin-tab", "sender-tab", "listener-tab"]);
      assert.equal(await page.getByTestId("sender-tab").locator(".tab-close").count(), 0);
      const sender = await openSender(page);
      assert.equal(await sender.getByTestId("close-tab").count(), 0);
      await sender.getByTestId("sender-method").selectOption("PUT");
      await sender.getByTestId("sender-url").fill("http://api.test:8080/items/7?x=1");
      await sender.getByTestId("sender-headers").fill("Content-Type: application/json\nX-Trace: abc");
      await sender.getByTestId("sender-body").fill('{"name":"seven"}');
      await sender.getByTestId("sender-send").click();
      await senderRows(page).first().waitFor();
      assert.deepEqual(await calls(page, "send_request"), [
        {
          request: {
            method: "PUT",
            url: "http://api.test:8080/items/7?x=1",
            headers: [
              ["Content-Type", "application/json"],
              ["X-Trace", "abc"],
            ],
            body: '{"name":"seven"}',
          },
        },
      ]);
      const row = senderRows(page).first();
      await row.locator(".c-status").filter({ hasText: "200" }).waitFor();
      assert.equal(await row.getAttribute("aria-selected"), "true", "the new request is selected");
      assert.equal(await row.locator(".c-url").textContent(), "http://api.test:8080/items/7?x=1");
      assert.equal(await row.locator(".c-method").textContent(), "PUT");
      await sender.getByTestId("response-pane").filter({ hasText: '"method": "PUT"' }).waitFor();
      await sender.getByTestId("request-pane").filter({ hasText: "Content-Length: 16" }).waitFor();

      // Listener 0 is the Sender's: no "Port 0" tab, nothing in the listener's tab.
      assert.deepEqual(
        await page.locator(".tabs .tab").evaluateAll((t) => t.map((x) => x.dataset.testid)),
        ["admin-tab", "sender-tab", "listener-tab"],
      );
      await page.getByTestId("listener-tab").click();
      assert.equal(await activePanel(page).getByTestId("connection-row").count(), 0);
      await page.getByTestId("status").filter({ hasText: "1 listener running" }).waitFor();
    });
  });

  test("the SOAP helper sets POST, its headers and an envelope; Enter in the URL sends", async () => {
    await withApp({}, async (page) => {
      const sender = await openSender(page);
      await sender.getByTestId("sender-headers").fill("Accept: text/xml");
      await sender.getByTestId("sender-soap").click();
      assert.equal(await sender.getByTestId("sender-method").inputValue(), "POST");
      assert.equal(
        await sender.getByTestId("sender-headers").inputValue(),
        'Accept: text/xml\nContent-Type: text/xml; charset=utf-8\nSOAPAction: ""',
      );
      assert.match(await sender.getByTestId("sender-body").inputValue(), /<soapenv:Envelope/);
      await sender.getByTestId("sender-url").fill("http://localhost:8080/axis2/services/XYZ");
      await sender.getByTestId("sender-url").press("Enter");
      await senderRows(page).first().locator(".c-status").filter({ hasText: "200" }).waitFor();
      const [{ request }] = await calls(page, "send_request");
      assert.equal(request.method, "POST");
      assert.deepEqual(request.headers.at(-1), ["SOAPAction", '""']);
      await sender.getByTestId("response-view").selectOption("raw");
      await sender.getByTestId("response-pane").filter({ hasText: "<soapenv:Body><ok/>" }).waitFor();
      // The form is remembered for the next start.
      await page.waitForFunction(() => window.fake.settings()?.sender?.url === "http://localhost:8080/axis2/services/XYZ");
    });
  });

  test("mistakes are explained next to their field, and nothing is sent", async () => {
    await withApp({}, async (page) => {
      const sender = await openSender(page);
      await sender.getByTestId("sender-url").fill("ftp://files.test/");
      await sender.getByTestId("sender-send").click();
      const urlError = sender.getByTestId("error-url");
      await urlError.waitFor();
      assert.match(await urlError.textContent(), /Only http:\/\/ and https:\/\/ URLs/);
      await sender.getByTestId("sender-url").fill("http://ok.test/");
      await sender.getByTestId("sender-headers").fill("Accept: */*\nno colon here");
      await sender.getByTestId("sender-send").click();
      await sender.getByTestId("error-headers").filter({ hasText: "line 2 has no colon" }).waitFor();
      assert.equal(await urlError.isVisible(), false);
      assert.deepEqual(await calls(page, "send_request"), []);
    });
  });

  test("the shell's refusal shows next to the field it names, or under the form", async () => {
    const sendError = { kind: "invalid_input", message: "cannot resolve nowhere.test", field: "url" };
    await withApp({ sendError }, async (page) => {
      const sender = await openSender(page);
      await sender.getByTestId("sender-url").fill("http://nowhere.test/");
      await sender.getByTestId("sender-send").click();
      await sender.getByTestId("error-url").filter({ hasText: "cannot resolve nowhere.test" }).waitFor();
      assert.equal(await sender.getByTestId("sender-send").isEnabled(), true);
    });
    await withApp({ sendError: { kind: "io", message: "the Sender is busy" } }, async (page) => {
      const sender = await openSender(page);
      await sender.getByTestId("sender-url").fill("http://a.test/");
      await sender.getByTestId("sender-send").click();
      await sender.getByTestId("sender-error").filter({ hasText: "the Sender is busy" }).waitFor();
    });
  });

  test("Other… takes any method as text", async () => {
    await withApp({}, async (page) => {
      const sender = await openSender(page);
      const other = sender.getByTestId("sender-method-other");
      assert.equal(await other.isVisible(), false);
      await sender.getByTestId("sender-method").selectOption("other");
      await other.waitFor();
      await other.fill("PROPFIND");
      await sender.getByTestId("sender-url").fill("http://dav.test/files/");
      await page.keyboard.press("Control+Enter");
      await senderRows(page).first().waitFor();
      assert.equal((await calls(page, "send_request"))[0].request.method, "PROPFIND");
    });
  });

  test("a refused target shows as an error row with its reason", async () => {
    await withApp({}, async (page) => {
      const sender = await openSender(page);
      await sender.getByTestId("sender-url").fill("http://down.invalid/");
      await sender.getByTestId("sender-send").click();
      const row = senderRows(page).first();
      await row.locator(".c-state").filter({ hasText: "Error" }).waitFor();
      await sender.getByTestId("response-failure").filter({ hasText: "cannot resolve down.invalid" }).waitFor();
    });
  });
});

describe("Rewrite Host header", () => {
  test("a forward listener can rewrite Host; proxy mode greys the option out", async () => {
    await withApp({}, async (page) => {
      const box = page.getByTestId("rewrite-host");
      assert.equal(await box.isEnabled(), true);
      await box.check();
      await page.getByTestId("mode-proxy").check();
      assert.equal(await box.isEnabled(), false);
      await page.getByTestId("mode-listener").check();
      await page.getByTestId("listen-port").fill("0");
      await page.getByTestId("add-listener").click();
      await page.getByTestId("listener-tab").waitFor();
      assert.equal((await calls(page, "add_listener"))[0].form.rewrite_host, true);
      await activePanel(page).locator(".badge", { hasText: "Host rewritten" }).waitFor();
      await page.waitForFunction(() => window.fake.settings()?.admin?.rewrite_host === true);

      await page.getByTestId("admin-tab").click();
      await page.getByTestId("mode-proxy").check();
      await page.getByTestId("listen-port").fill("0");
      await page.getByTestId("add-listener").click();
      await page.getByTestId("listener-tab").nth(1).waitFor();
      assert.equal((await calls(page, "add_listener"))[1].form.rewrite_host, false, "not in proxy mode");
    });
  });
});
