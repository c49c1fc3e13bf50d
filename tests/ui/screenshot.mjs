// Writes docs/screenshots/ui-mock.png: the window with rows and panes, against the fake backend.
// `npm run screenshot:ui`; `-- dark` shows the dark theme instead, written to the temp dir.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { activePanel, listenerInfo, startHarness } from "./harness.mjs";

const scheme = process.argv[2] === "dark" ? "dark" : "light";
const out =
  scheme === "dark"
    ? path.join(os.tmpdir(), "ui-mock-dark.png")
    : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/screenshots/ui-mock.png");

const harness = await startHarness();
const listeners = [
  listenerInfo(1, 8081, { host: "api.example.org", port: 443 }),
  { ...listenerInfo(2, 3128), config: { ...listenerInfo(2, 3128).config, mode: { kind: "http_proxy" } } },
];
const app = await harness.open({ listeners, selected_listener: 1 }, { colorScheme: scheme });
const { page } = app;
await page.evaluate(() => {
  const paths = [
    "/v1/orders?page=2",
    "/v1/orders/4711",
    "/v1/customers/88/addresses",
    "/health",
    "/v1/cart",
    "/v1/orders/4711/items",
    "/static/app.js",
    "/v1/search?q=lamp",
  ];
  const methods = ["GET", "GET", "PUT", "GET", "POST", "GET", "GET", "GET"];
  for (let i = 0; i < 26; i++) {
    const overrides = {
      request_line: `${methods[i % 8]} ${paths[i % 8]} HTTP/1.1`,
      bytes: [180 + i * 37, 900 + i * 2311],
    };
    if (i === 9)
      Object.assign(overrides, {
        state: { kind: "failed", reason: "connection refused by api.example.org:443" },
        bytes: [212, 0],
      });
    if (i === 17) Object.assign(overrides, { request_line: null, bytes: [24, 4096] });
    window.fake.open(1, overrides);
  }
  window.fake.open(1, {
    client: "resend",
    resend_of: 5,
    request_line: "POST /v1/cart HTTP/1.1",
    bytes: [402, 1311],
  });
  window.fake.open(1, {
    state: { kind: "active" },
    closed_at: null,
    request_line: "GET /v1/events HTTP/1.1",
    bytes: [190, 18211],
  });
  window.fake.open(1, {
    state: { kind: "client_done" },
    closed_at: null,
    request_line: "POST /v1/orders HTTP/1.1",
    bytes: [1290, 0],
  });
});
const body = JSON.stringify({
  id: 4711,
  status: "shipped",
  total: { amount: 129.9, currency: "EUR" },
  items: [
    { sku: "LMP-200", qty: 1 },
    { sku: "BLB-E27", qty: 4 },
  ],
  updated: "2026-11-27T09:30:12Z",
});
await page.evaluate((body) => {
  window.fake.open(
    1,
    { request_line: "GET /v1/orders/4711 HTTP/1.1", bytes: [164, 418] },
    {
      client_to_server: [
        "GET /v1/orders/4711 HTTP/1.1",
        "Host: api.example.org",
        "User-Agent: curl/8.5.0",
        "Accept: application/json",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9…",
        "",
        "",
      ].join("\r\n"),
      server_to_client: [
        "HTTP/1.1 200 OK",
        "Content-Type: application/json",
        `Content-Length: ${body.length}`,
        "Cache-Control: no-store",
        "Date: Thu, 27 Nov 2026 09:30:12 GMT",
        "",
        body,
      ].join("\r\n"),
    },
  );
}, body);
const rows = activePanel(page).getByTestId("connection-row");
await rows.last().waitFor();
await activePanel(page).locator('[data-testid=connection-row][data-id="27"]').click();
await activePanel(page)
  .locator('[data-testid=connection-row][data-id="30"]')
  .click({ modifiers: ["Control"] });
await activePanel(page).getByTestId("response-pane").filter({ hasText: "shipped" }).waitFor();
await page.waitForTimeout(2200); // one status poll, so the capture size shows
fs.mkdirSync(path.dirname(out), { recursive: true });
await page.screenshot({ path: out });
console.log(`wrote ${out}`);
await app.close();
await harness.close();
