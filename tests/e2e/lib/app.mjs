// The TCPMon window over WebDriver (tauri-driver, started by run.sh): one `App` per app start.
// Actions go through WebDriver as a user's would (clicks, typing, select boxes); what is on
// screen is read back in one script call per check, and checks wait with waitUntil.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Key, remote } from "webdriverio";

/** The visible tab panel: a user acts on what they see, never on a hidden tab's copy. */
export const PANEL = ".tab-panel:not([hidden])";
export const tid = (testid) => `[data-testid="${testid}"]`;
const TIMEOUT = 10000;

/**
 * Starts the app (with `args` on its command line) and waits for its window to be built. Its
 * save and open dialogs answer with `dialogPath` (default: $E2E_DIALOG_PATH, set by run.sh).
 * `env` may name the app's XDG_CONFIG_HOME and XDG_CACHE_HOME (default: fresh ones per start),
 * to start it again where an earlier start left its settings and capture.
 */
export async function launchApp({ args = [], dialogPath = null, env = null } = {}) {
  const port = Number(process.env.E2E_DRIVER_PORT);
  const application = process.env.E2E_APP;
  if (!port || !application) throw new Error("run the e2e tests with tests/e2e/run.sh");
  // app.sh reads these as it starts the app, and removes them (see there).
  const override = path.join(process.env.E2E_TMP, "dialog-path");
  if (dialogPath !== null) fs.writeFileSync(override, dialogPath);
  else fs.rmSync(override, { force: true });
  const envFile = path.join(process.env.E2E_TMP, "app-env");
  if (env !== null) {
    fs.writeFileSync(envFile, Object.entries(env).map(([name, value]) => `${name}=${value}\n`).join(""));
  } else fs.rmSync(envFile, { force: true });
  const pidFile = path.join(process.env.E2E_TMP, "app.pid");
  fs.rmSync(pidFile, { force: true });
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    connectionRetryCount: 0,
    capabilities: {
      browserName: "wry",
      "tauri:options": { application, args },
      "wdio:enforceWebDriverClassic": true, // WebKitWebDriver has no WebDriver BiDi
    },
  });
  const app = new App(browser, Number(fs.readFileSync(pidFile, "utf8")));
  await browser.$(tid("admin-tab")).waitForExist({ timeout: 20000 });
  // Page errors would otherwise pass unseen: the tests assert there are none.
  await browser.execute(() => {
    const w = window;
    w.__e2eProblems = [];
    w.addEventListener("error", (e) => w.__e2eProblems.push(`error: ${e.message}`));
    w.addEventListener("unhandledrejection", (e) => w.__e2eProblems.push(`rejection: ${e.reason}`));
    document.addEventListener("securitypolicyviolation", (e) =>
      w.__e2eProblems.push(`CSP: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return app;
}

/** Waits until process `pid` is gone (or a zombie: it ran its last line). */
export async function waitForExit(pid, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    let state = null;
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
    } catch {
      return;
    }
    if (state === "Z") return;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not end in ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class App {
  /** `pid`: the app's process (app.sh writes it as it starts the app). */
  constructor(browser, pid) {
    this.browser = browser;
    this.pid = pid;
  }

  async close() {
    await this.browser.deleteSession().catch(() => {});
  }

  /**
   * Closes the window as a user does (the close button: the window manager's WM_DELETE_WINDOW;
   * WebDriver's Close Window ends the process instead), which ends the app cleanly; resolves
   * once it has ended.
   */
  async closeWindow() {
    const script = path.join(path.dirname(new URL(import.meta.url).pathname), "close-window.py");
    execFileSync("python3", [script, String(this.pid)]);
    await waitForExit(this.pid);
    await this.close();
  }

  /** Kills the app as a crash would (SIGKILL): no clean exit; resolves once it has ended. */
  async kill() {
    process.kill(this.pid, "SIGKILL");
    await waitForExit(this.pid);
    await this.close();
  }

  /** Waits until `check` returns a truthy value, and returns it. */
  async waitFor(check, message, timeout = TIMEOUT) {
    let value;
    let last;
    try {
      await this.browser.waitUntil(
        async () => {
          try {
            value = await check();
          } catch (error) {
            last = error;
            value = undefined;
          }
          return Boolean(value);
        },
        { timeout, interval: 100 },
      );
    } catch {
      const detail = typeof message === "function" ? await message() : message;
      throw new Error(`timed out after ${timeout} ms waiting for: ${detail}${last ? ` (${last.message})` : ""}`);
    }
    return value;
  }

  /** An element anywhere in the window. */
  $(selector) {
    return this.browser.$(selector);
  }

  /** An element by data-testid in the visible tab panel. */
  inPanel(testid) {
    return this.browser.$(`${PANEL} ${tid(testid)}`);
  }

  async click(selector) {
    const element = await this.$(selector);
    await element.waitForClickable({ timeout: TIMEOUT });
    await element.click();
  }

  clickInPanel(testid) {
    return this.click(`${PANEL} ${tid(testid)}`);
  }

  async type(selector, text) {
    const element = await this.$(selector);
    await element.waitForEnabled({ timeout: TIMEOUT });
    await element.clearValue();
    if (text !== "") await element.addValue(text);
    assert.equal(await element.getValue(), text, `typing into ${selector}`);
  }

  async problems() {
    return this.browser.execute(() => window.__e2eProblems ?? ["the problem recorder is gone (page reloaded?)"]);
  }

  /** The tab headers: title, kind, selected, and their tone (running / stopped / error). */
  tabs() {
    return this.browser.execute(() =>
      [...document.querySelectorAll(".tabs .tab")].map((tab) => ({
        testid: tab.getAttribute("data-testid"),
        title: tab.querySelector(".tab-title")?.textContent ?? "",
        selected: tab.getAttribute("aria-selected") === "true",
        tone: tab.getAttribute("data-tone"),
      })),
    );
  }

  async selectedTab() {
    return (await this.tabs()).find((tab) => tab.selected);
  }

  /** Clicks the tab header with this title ("Admin", "Port 8081", "capture.tcpmon"). */
  async selectTab(title) {
    const header = await this.$(`//div[@role="tab"][span[@class="tab-title"][normalize-space()="${title}"]]`);
    await header.click();
    await this.waitFor(async () => (await this.selectedTab())?.title === title, `tab "${title}" selected`);
  }

  /**
   * The rows of the visible tab, in table order, as their cells read: one per HTTP exchange
   * (`conn` its connection, `place` its position among that connection's rows, `exchange` its
   * index), or one for a connection without exchanges (`raw`). `host` is the Host column (the
   * request's Host header); `target` where the connection went (the column's tooltip).
   */
  rows() {
    return this.browser.execute((panel) => {
      const rows = [...document.querySelectorAll(`${panel} [data-testid="connection-row"]`)];
      return rows
        .map((row) => {
          const cell = (name) => row.querySelector(`.c-${name}`);
          const text = (name) => cell(name)?.textContent ?? "";
          const status = cell("status");
          return {
            index: Number(row.dataset.index),
            id: Number(row.dataset.id),
            conn: Number(row.dataset.conn),
            place: Number(row.dataset.place),
            exchange: row.dataset.exchange === undefined ? null : Number(row.dataset.exchange),
            state: text("state"),
            time: text("time"),
            client: text("client"),
            host: text("host"),
            target: (cell("host")?.getAttribute("title") ?? "").replace(/^Connection to /, ""),
            method: text("method"),
            url: text("url"),
            status: text("status"),
            statusClass: [...(status?.classList ?? [])].find((c) => c.startsWith("st-")) ?? null,
            reqSize: text("req-size"),
            respSize: text("resp-size"),
            duration: text("duration"),
            selected: row.classList.contains("selected"),
            shown: row.classList.contains("shown"),
            cont: row.classList.contains("cont"),
            raw: row.classList.contains("raw"),
            noted: row.classList.contains("noted"),
          };
        })
        .sort((a, b) => a.index - b.index);
    }, PANEL);
  }

  /**
   * Every row of the visible tab, not only those in view (the table is virtualised): scrolls
   * the table from top to bottom collecting them, then scrolls back to where it was.
   */
  async allRows() {
    const table = `${PANEL} [data-testid="connection-table"]`;
    const scroll = (top) =>
      this.browser.execute(
        (table, top) => {
          const scroller = document.querySelector(table);
          const before = scroller.scrollTop;
          if (top !== null) scroller.scrollTop = top;
          return {
            before,
            height: scroller.scrollHeight,
            view: scroller.clientHeight,
            rows: Number(scroller.getAttribute("aria-rowcount")) - 1, // the header is row 1
          };
        },
        table,
        top,
      );
    const start = await scroll(null);
    const byIndex = new Map();
    for (let top = 0; ; top += Math.max(24, start.view - 100)) {
      await scroll(top);
      // The table draws on the next animation frame after a scroll.
      await this.browser.execute(
        () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
      );
      for (const row of await this.rows()) byIndex.set(row.index, row);
      if (top >= start.height) break;
    }
    await scroll(start.before);
    const rows = [...byIndex.values()].sort((a, b) => a.index - b.index);
    assert.equal(rows.length, start.rows, "every row seen while scrolling");
    return rows;
  }

  /** The message rows drawn under the table (a WebSocket's messages, an event stream's
   * events), in list order: [time, direction, kind, size, preview] each. */
  messageRows() {
    return this.browser.execute(
      (panel) =>
        [...document.querySelectorAll(`${panel} [data-testid="ws-message-row"]:not(.loading)`)]
          .sort((a, b) => a.dataset.index - b.dataset.index)
          .map((row) => [...row.children].map((cell) => cell.textContent)),
      PANEL,
    );
  }

  /** Waits until the visible tab's rows satisfy `check(rows)`; returns the rows. */
  async waitForRows(check, what) {
    let rows = [];
    await this.waitFor(
      async () => check((rows = await this.rows())),
      () => `${what}; rows: ${JSON.stringify(rows)}`,
    );
    return rows;
  }

  /**
   * Clicks a row: `row` is a row from rows() (its connection and place), or a connection id
   * (that connection's first row). With `ctrl`, Ctrl is held down during the click (the row is
   * added to the selection).
   */
  async clickRow(row, { ctrl = false } = {}) {
    const [conn, place] = typeof row === "number" ? [row, 0] : [row.conn, row.place];
    const element = await this.$(
      `${PANEL} [data-testid="connection-row"][data-conn="${conn}"][data-place="${place}"]`,
    );
    await element.waitForClickable({ timeout: TIMEOUT });
    if (!ctrl) return element.click();
    // One action chain, so the key is down while the pointer clicks.
    const key = this.browser.action("key").down(Key.Ctrl).pause(10).pause(10).pause(10).up(Key.Ctrl);
    const pointer = this.browser.action("pointer").pause(10).move({ origin: element }).down().up();
    await this.browser.actions([key, pointer]);
  }

  /** What a pane ("request" or "response") of the visible tab shows. */
  pane(name) {
    return this.browser.execute(
      (panel, name) => {
        const pane = document.querySelector(`${panel} [data-testid="${name}-pane"]`);
        if (!pane) return null;
        const visibleText = (testid) => {
          const node = pane.querySelector(`[data-testid="${testid}"]`);
          return node && !node.hidden ? node.textContent : null;
        };
        return {
          text: pane.querySelector("pre.pane-text")?.textContent ?? "",
          view: pane.querySelector(`[data-testid="${name}-view"]`)?.value,
          resolved: pane.querySelector(".resolved-view")?.textContent ?? "",
          note: visibleText(`${name}-note`),
          failure: visibleText(`${name}-failure`),
        };
      },
      PANEL,
      name,
    );
  }

  /** Waits until the pane satisfies `check(pane)`; returns it. */
  async waitForPane(name, check, what) {
    let pane = null;
    await this.waitFor(
      async () => (pane = await this.pane(name)) !== null && check(pane),
      () => `${name} pane: ${what}; it shows ${JSON.stringify(pane)}`,
    );
    return pane;
  }

  /** The rows of a part of the Compare view ("diff-requests"): kind, both lines, marked words. */
  diffRows(part) {
    return this.browser.execute((selector) => {
      return [...document.querySelectorAll(`${selector} .diff-row`)].map((row) => ({
        kind: row.dataset.kind,
        old: row.querySelector(".diff-text.old").textContent,
        new: row.querySelector(".diff-text.new").textContent,
        marked: [...row.querySelectorAll("mark.diff-word")].map((m) => m.textContent),
      }));
    }, `${tid("diff-view")} ${tid(part)}`);
  }

  /** Picks a view (raw, xml, json, hex, auto) in a pane's select box. */
  async chooseView(name, view) {
    const select = await this.inPanel(`${name}-view`);
    await select.selectByAttribute("value", view);
    await this.waitFor(async () => (await select.getValue()) === view, `${name} view ${view} chosen`);
  }

  /** The status line's message (outcome of the last action). */
  statusMessage() {
    return this.browser.execute(() => document.querySelector('[data-testid="status-message"]')?.textContent ?? "");
  }

  /**
   * Picks `format` in the visible tab's save box, clicks Save and returns the status line's
   * outcome. `file` is where the save dialog answers; it is removed first, so what is read back
   * afterwards is what this save wrote.
   */
  async saveAs(format, file) {
    const select = await this.inPanel("save-format");
    await select.selectByAttribute("value", format);
    fs.rmSync(file, { force: true });
    await this.clickInPanel("save");
    return this.waitFor(async () => {
      const message = await this.statusMessage();
      return message.startsWith("Saved") && message;
    }, "the outcome of Save on the status line");
  }

  /** Clicks Open (the dialog answers with a saved file) and waits for its tab; returns the tab. */
  async openSession() {
    await this.click(tid("open-session"));
    return this.waitFor(async () => {
      const selected = await this.selectedTab();
      return selected?.testid === "session-tab" && selected;
    }, "the opened file's tab, selected");
  }

  /** Which of the controls that change or drive a capture the visible tab has, by data-testid. */
  controls() {
    return this.browser.execute(
      (panel) =>
        ["remove-selected", "remove-all", "resend", "edit-request", "start-stop", "save", "close-tab"].filter((t) =>
          document.querySelector(`${panel} [data-testid="${t}"]`),
        ),
      PANEL,
    );
  }

  /**
   * Types `text` into the visible Sender's body where the SOAP helper's envelope has its empty
   * Body (where the helper puts the caret), as a user filling in the operation would.
   */
  async typeIntoSoapBody(text) {
    await this.browser.execute((panel) => {
      const body = document.querySelector(`${panel} [data-testid="sender-body"]`);
      const at = body.value.indexOf("\n  </soapenv:Body>");
      body.focus();
      body.setSelectionRange(at, at);
    }, PANEL);
    await (await this.inPanel("sender-body")).addValue(text);
  }

  /**
   * Fills the Admin form and clicks Add. Every field is set, since the form keeps what an
   * earlier test of the same app start typed.
   */
  async submitListenerForm({
    port = "0",
    bind = "127.0.0.1",
    proxy = false,
    host = "127.0.0.1",
    targetPort = "",
    rewriteHost = false,
    faults = "",
  }) {
    await this.selectTab("Admin");
    await this.click(tid(proxy ? "mode-proxy" : "mode-listener"));
    await this.type(tid("listen-port"), String(port));
    await this.type(tid("bind-address"), bind);
    if (!proxy) {
      await this.type(tid("target-host"), host);
      await this.type(tid("target-port"), String(targetPort));
      const rewrite = await this.$(tid("rewrite-host"));
      if ((await rewrite.isSelected()) !== rewriteHost) await this.click(tid("rewrite-host"));
      assert.equal(await rewrite.isSelected(), rewriteHost, "the Rewrite Host header checkbox");
    }
    await this.type(tid("faults"), faults);
    await this.click(tid("add-listener"));
  }

  /** The errors the window shows in words (form fields, status line), for failure messages. */
  formErrors() {
    return this.browser.execute(() =>
      [...document.querySelectorAll('.field-error:not([hidden]), [data-testid="status-message"]')]
        .map((node) => `${node.getAttribute("data-testid") ?? node.className}: ${node.textContent}`)
        .join("; "),
    );
  }

  /** Adds a listener through the Admin form and waits for its tab; returns its real port. */
  async addListener(form) {
    const before = (await this.tabs()).filter((t) => t.testid === "listener-tab").length;
    await this.submitListenerForm(form);
    const tab = await this.waitFor(async () => {
      const tabs = await this.tabs();
      const listeners = tabs.filter((t) => t.testid === "listener-tab");
      const selected = tabs.find((t) => t.selected);
      return listeners.length === before + 1 && selected?.testid === "listener-tab" && selected;
    }, async () => `a new listener tab, selected; tabs: ${JSON.stringify(await this.tabs())}; ${await this.formErrors()}`);
    const port = Number(tab.title.replace(/^Port /, ""));
    assert.ok(port > 0, `tab title "${tab.title}" names the port`);
    return port;
  }

  /**
   * The visible tab's search box: what is typed (`value`), the query its rows reflect
   * (`query`), its count and its error (`problem`: a result key named "error" would make
   * webdriverio take the script's answer for a WebDriver error).
   */
  searchBox() {
    return this.browser.execute((panel) => {
      const box = document.querySelector(`${panel} [data-testid="search-box"]`);
      if (!box) return null;
      const part = (testid) => box.querySelector(`[data-testid="${testid}"]`);
      const shown = (node) => (node && !node.hidden ? node.textContent : null);
      return {
        value: part("search").value,
        query: box.dataset.query ?? "",
        count: shown(part("search-count")),
        problem: shown(part("search-error")),
        invalid: part("search").getAttribute("aria-invalid") === "true",
      };
    }, PANEL);
  }

  /**
   * Types `query` into the visible tab's search box as a user would (selects what is there and
   * types over it; an empty query deletes it) and waits for its outcome: the rows filtered by
   * it, or, with `{ refused: true }`, an error next to the box. Returns the box's state.
   */
  async search(query, { refused = false } = {}) {
    const input = await this.inPanel("search");
    await input.waitForEnabled({ timeout: TIMEOUT });
    await input.click();
    await this.browser.keys([Key.Ctrl, "a"]);
    // addValue types one key at a time (browser.keys presses all keys, then releases them all,
    // which loses a doubled letter).
    if (query === "") await this.browser.keys([Key.Backspace]);
    else await input.addValue(query);
    let box = null;
    await this.waitFor(
      async () => {
        box = await this.searchBox();
        if (box.value !== query) return false;
        return refused ? box.problem !== null : box.problem === null && box.query === query.trim();
      },
      () =>
        `the search box to ${refused ? "refuse" : "apply"} ${JSON.stringify(query)}; ` +
        `it shows ${JSON.stringify(box)}`,
    );
    return box;
  }

  /** Saves a PNG of the window's page into `file`. */
  screenshot(file) {
    return this.browser.saveScreenshot(file);
  }
}
