import { remote } from "webdriverio";
const b = await remote({ hostname: "127.0.0.1", port: 4577, logLevel: "warn",
  capabilities: { browserName: "wry", "tauri:options": { application: process.env.HOME + "/.cache/tcpmon-target/debug/tcpmon", args: ["0","127.0.0.1","9"] }, "wdio:enforceWebDriverClassic": true } });
const t = await b.$('[data-testid="admin-tab"]'); await t.waitForExist({timeout: 10000});
console.log(await b.execute(() => document.body.innerText.slice(0, 500)));
await b.saveScreenshot("/tmp/smoke/s.png");
await b.deleteSession();
