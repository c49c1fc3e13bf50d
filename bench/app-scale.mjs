// The measuring half of bench/app-scale.sh, which starts Xvfb, tauri-driver and the echo
// responder and passes them in the environment. Drives the app with the e2e helpers
// (tests/e2e/lib/app.mjs), reads memory and CPU from /proc, prints one markdown table.
// It prints figures and judges nothing; a figure it could not get reads "not reached".
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Key } from "webdriverio";
import { launchApp, PANEL } from "../tests/e2e/lib/app.mjs";

const env = process.env;
const COUNT = Number(env.COUNT ?? 100000);
const SIZE = Number(env.SIZE ?? 1024);
const CONCURRENCY = Number(env.CONCURRENCY ?? 32);
/** Connections started per second at most (0: as fast as they go). */
const RATE = Number(env.RATE ?? 0);
const DIRECT_COUNT = Number(env.DIRECT_COUNT ?? 20000);
const CATCH_UP_MS = Number(env.CATCH_UP_TIMEOUT ?? 600) * 1000;
const BENCH = env.APP_SCALE_BENCH;
const REPLY_PORT = Number(env.APP_SCALE_REPLY_PORT);
const DRIVER_PID = Number(env.APP_SCALE_DRIVER_PID);
if (!BENCH || !REPLY_PORT || !DRIVER_PID || !env.APP_SCALE_APP) throw new Error("run this through bench/app-scale.sh");
const APP_PATH = fs.realpathSync(env.APP_SCALE_APP);
const SCROLL_ROUNDS = 3;
/** VIEW=admin: the Admin tab in front during the load (the listener's tab hidden, not drawn). */
const ADMIN_IN_FRONT = (env.VIEW ?? "listener") === "admin";
const IDLE_AT_END = Number(env.IDLE_AT_END ?? 10);
/** FOLLOW=0: one connection first, its row clicked, so the panes stay on it during the load. */
const FOLLOW = env.FOLLOW !== "0";
/** The rows the table ends with. */
const ROWS = COUNT + (FOLLOW ? 0 : 1);
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const log = (message) => process.stderr.write(`app-scale: ${message}\n`);

// --- processes, from /proc -----------------------------------------------------------------
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      table.set(Number(name), { ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, close) });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function descendants(table, root) {
  const out = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    for (const [child, info] of table) {
      if (info.ppid === pid) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** The app (started by tauri-driver through WebKitWebDriver and app.sh) and its WebKit helpers. */
function appProcesses() {
  const table = processTable();
  const app = descendants(table, DRIVER_PID).find((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`) === APP_PATH;
    } catch {
      return false;
    }
  });
  if (!app) return null;
  const helpers = descendants(table, app);
  const named = (prefix) => helpers.filter((pid) => table.get(pid)?.comm.startsWith(prefix));
  return { app, web: named("WebKitWebProc"), network: named("WebKitNetwor") };
}

/** kB figures from /proc/PID/status (VmRSS, VmHWM); zeros once the process is gone. */
function memory(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** CPU seconds (user + system) a process used so far. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** CPU seconds per thread name (threads of one name summed) of a process, from /proc/PID/task. */
function threadCpu(pid) {
  const byName = new Map();
  let tasks = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tasks) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "N");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // ended meanwhile
    }
  }
  return byName;
}

/** The threads that used the most CPU between two `threadCpu` readings, as "name s". */
function topThreads(before, after, n = 5) {
  return [...after]
    .map(([name, s]) => [name, s - (before.get(name) ?? 0)])
    .filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(", ");
}

/** Samples the RSS of every process of `procs` 4 times a second; keeps the peak of their sum. */
function memorySampler(procs) {
  const all = [procs.app, ...procs.web, ...procs.network];
  const sampler = { peakSum: 0 };
  const sample = () => {
    const sum = all.reduce((total, pid) => total + memory(pid).rss, 0);
    sampler.peakSum = Math.max(sampler.peakSum, sum);
    return sum;
  };
  sample();
  const timer = setInterval(sample, 250);
  sampler.stop = () => {
    clearInterval(timer);
    sample();
  };
  return sampler;
}

// --- the load --------------------------------------------------------------------------------
/** Runs `tcpmon-bench conns` to `port`; resolves with its figures and when it ended. */
function runConns(port, count) {
  return new Promise((resolve, reject) => {
    const args = ["conns", "--to", `127.0.0.1:${port}`, "--count", String(count)];
    args.push("--size", String(SIZE), "--concurrency", String(CONCURRENCY), "--rate", String(RATE));
    const child = spawn(BENCH, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const ended = performance.now();
      const figures = Object.fromEntries([...stdout.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
      if (figures.ok === undefined) reject(new Error(`tcpmon-bench conns (exit ${code}): ${stdout}${stderr}`));
      else resolve({ ...figures, ended, stderr: stderr.trim() });
    });
  });
}

// --- the page --------------------------------------------------------------------------------
/**
 * Installs `window.__benchEventCount(payload)`: an engine-events batch's event count, whether it
 * is lagged, and its size, or null for any other callback's data.
 */
function installEventCounter(browser) {
  return browser.execute(() => {
    // An engine-events batch is JSON text (ui/src/ipc.ts): its events are counted by their
    // `{"seq":` openings (inside captured strings a quote is escaped), not parsed. Builds before
    // 2026-12-06 sent an object (app-scale measures them too, for a before and after).
    window.__benchEventCount = (payload) => {
      if (typeof payload === "string") {
        if (!payload.startsWith('{"events":')) return null;
        let events = 0;
        for (let at = payload.indexOf('{"seq":'); at >= 0; at = payload.indexOf('{"seq":', at + 7)) events += 1;
        return { events, lagged: payload.endsWith('"lagged":true}'), chars: () => payload.length };
      }
      if (!Array.isArray(payload?.events)) return null;
      return { events: payload.events.length, lagged: payload.lagged, chars: () => JSON.stringify(payload).length };
    };
  });
}

/**
 * Watches the page, in the page: animation frames and the gaps between them (a frozen page
 * draws none), and the time spent in Tauri's event callbacks (engine-events batches reaching
 * the store) and in animation frame callbacks (the store's flush into the views, the table's
 * scroll rendering). `__benchTake()` returns the figures since the last call and starts afresh.
 */
function installPageMonitor(browser) {
  return browser.execute(() => {
    const w = window;
    const fresh = () => ({
      frames: 0,
      maxGap: 0,
      frozenMs: 0,
      batches: 0,
      events: 0,
      maxEvents: 0,
      lagged: 0,
      handlerMs: 0,
      maxHandlerMs: 0,
      sizedBatches: 0,
      sizedEvents: 0,
      sizedChars: 0,
      rafMs: 0,
      maxRafMs: 0,
      since: performance.now(),
    });
    w.__bench = fresh();
    const raf = w.requestAnimationFrame.bind(w);
    let last = performance.now();
    const loop = (t) => {
      const gap = t - last;
      last = t;
      const f = w.__bench;
      f.frames += 1;
      f.maxGap = Math.max(f.maxGap, gap);
      if (gap > 200) f.frozenMs += gap;
      raf(loop);
    };
    raf(loop);
    // The app's own frame callbacks (it looks requestAnimationFrame up at each call).
    w.requestAnimationFrame = (callback) =>
      raf((t) => {
        const start = performance.now();
        try {
          callback(t);
        } finally {
          const ms = performance.now() - start;
          w.__bench.rafMs += ms;
          w.__bench.maxRafMs = Math.max(w.__bench.maxRafMs, ms);
        }
      });
    // Tauri keeps every callback (event listeners included) in this map, for debugging.
    const callbacks = w.__TAURI_INTERNALS__?.callbacks;
    for (const [id, callback] of callbacks ?? []) {
      if (callback.__bench) continue;
      const timed = (data) => {
        const start = performance.now();
        try {
          return callback(data);
        } finally {
          const ms = performance.now() - start;
          const batch = w.__benchEventCount(data?.payload);
          if (batch) {
            const f = w.__bench;
            f.batches += 1;
            f.events += batch.events;
            f.maxEvents = Math.max(f.maxEvents, batch.events);
            if (batch.lagged) f.lagged += 1;
            f.handlerMs += ms;
            f.maxHandlerMs = Math.max(f.maxHandlerMs, ms);
            // The payload's size, from every 10th batch.
            if (f.batches % 10 === 1) {
              f.sizedBatches += 1;
              f.sizedEvents += batch.events;
              f.sizedChars += batch.chars();
            }
          }
        }
      };
      timed.__bench = true;
      callbacks.set(id, timed);
    }
    w.__benchTake = () => {
      // A gap still open (no frame since `last`) counts too; the next one starts now.
      const now = performance.now();
      const f = w.__bench;
      f.maxGap = Math.max(f.maxGap, now - last);
      if (now - last > 200) f.frozenMs += now - last;
      last = now;
      w.__bench = fresh();
      return { ...f, ms: now - f.since };
    };
  });
}

const takeFrames = (browser) => browser.execute(() => window.__benchTake());

/** What the visible tab shows: its row count, the status line, the last row if drawn. */
function tableState(browser) {
  return browser.execute(
    (panel, count) => {
      const scroller = document.querySelector(`${panel} [data-testid="connection-table"]`);
      const status = document.querySelector('[data-testid="status"]')?.textContent ?? "";
      const shown = Number(status.match(/([\d,]+) connections?\b/)?.[1]?.replace(/,/g, "") ?? NaN);
      const rows = Number(scroller?.getAttribute("aria-rowcount") ?? 1) - 1;
      const last = scroller?.querySelector(`[data-testid="connection-row"][data-index="${count - 1}"]`);
      let lastVisible = false;
      if (last) {
        const box = last.getBoundingClientRect();
        const view = scroller.getBoundingClientRect();
        lastVisible = box.top >= view.top && box.bottom <= view.bottom + 0.5;
      }
      return {
        rows,
        status,
        statusCount: shown,
        follow: document.querySelector(`${panel} [data-testid="most-recent-row"]`)?.classList.contains("selected"),
        last: last
          ? {
              id: Number(last.dataset.id),
              state: last.querySelector(".c-state")?.textContent,
              selected: last.classList.contains("selected"),
              visible: lastVisible,
            }
          : null,
        first: scroller?.querySelector('[data-testid="connection-row"][data-index="0"]') ? true : false,
      };
    },
    PANEL,
    ROWS,
  );
}

/** Polls `tableState` until `check` holds; returns ms from `from` (null when not reached). */
async function timeUntil(browser, from, check, timeout) {
  let state;
  while (performance.now() - from < timeout) {
    state = await tableState(browser);
    if (check(state)) return { ms: performance.now() - from, state };
    await sleep(50);
  }
  return { ms: null, state };
}

/** In the page: sets scrollTop and counts ms and frames until row `index` is in the DOM. */
function scrollInPage(browser, top, index) {
  return browser.execute(
    (panel, top, index) =>
      new Promise((resolve) => {
        const scroller = document.querySelector(`${panel} [data-testid="connection-table"]`);
        const t0 = performance.now();
        let frames = 0;
        scroller.scrollTop = top === "max" ? scroller.scrollHeight : top;
        const check = () => {
          frames += 1;
          const row = scroller.querySelector(`[data-testid="connection-row"][data-index="${index}"]`);
          if (row) resolve({ ms: performance.now() - t0, frames });
          else if (performance.now() - t0 > 20000) resolve({ ms: null, frames });
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
    PANEL,
    top,
    index,
  );
}

// --- run -----------------------------------------------------------------------------------
const fmt = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? "not reached"
    : Number(value).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (kb) => fmt(kb / 1024, 1);
const median = (values) => {
  if (values.some((v) => v === null)) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

const app = await launchApp();
const { browser } = app;
const notes = [];
try {
  const port = await app.addListener({ targetPort: REPLY_PORT });
  const procs = await app.waitFor(async () => {
    const found = appProcesses();
    return found?.web.length ? found : null;
  }, "the app's process and its WebKitWebProcess");
  log(`listener on :${port} -> :${REPLY_PORT}; app pid ${procs.app}, web ${procs.web}, network ${procs.network}`);
  await installEventCounter(browser);
  await installPageMonitor(browser);
  const idleCpu0 = { app: cpuSeconds(procs.app), web: procs.web.map(cpuSeconds) };
  await sleep(2000);
  const idleFrames = await takeFrames(browser);
  const idleCpu = {
    app: (cpuSeconds(procs.app) - idleCpu0.app) / 2,
    web: procs.web.reduce((total, pid, i) => total + cpuSeconds(pid) - idleCpu0.web[i], 0) / 2,
  };
  // The same load straight to the echo responder, the window open but without events: what
  // the machine does without the app, and what a busy machine alone does to the page's frames.
  let direct = null;
  let directFrames = null;
  if (DIRECT_COUNT > 0) {
    log(`direct baseline: ${DIRECT_COUNT} connections to the echo responder, not through the app`);
    direct = await runConns(REPLY_PORT, DIRECT_COUNT);
    directFrames = await takeFrames(browser);
    await sleep(1000);
  }
  // FOLLOW=0: a first row, selected, so the panes stay on it.
  if (!FOLLOW) {
    await runConns(port, 1);
    const [row] = await app.waitForRows((rows) => rows.length === 1 && rows[0].state === "Done", "the first row");
    await app.clickRow(row.id);
    await app.waitForRows((rows) => rows[0].selected, "the first row selected");
  }
  const idle = { app: memory(procs.app), web: procs.web.map(memory) };
  const sampler = memorySampler(procs);
  const cpu0 = { app: cpuSeconds(procs.app), web: procs.web.map(cpuSeconds) };
  const threads0 = { app: threadCpu(procs.app), web: threadCpu(procs.web[0]) };

  // The load, with the page polled once a second: how far the table got, how long it took to answer.
  if (ADMIN_IN_FRONT) await app.selectTab("Admin");
  log(`load: ${COUNT} connections through the app${ADMIN_IN_FRONT ? ", the Admin tab in front" : ""}`);
  const started = performance.now();
  const load = runConns(port, COUNT);
  let loadDone = null;
  load.then((r) => (loadDone = r), () => (loadDone = { failedToRun: true }));
  const polls = [];
  while (!loadDone) {
    const t = performance.now();
    const state = await tableState(browser);
    polls.push({ at: (t - started) / 1000, rows: state.rows, rtt: performance.now() - t });
    await Promise.race([sleep(1000 - Math.min(1000, performance.now() - t)), load.catch(() => {})]);
  }
  const conns = await load;
  const loadFrames = await takeFrames(browser);
  const cpuLoad = { app: cpuSeconds(procs.app), web: procs.web.map(cpuSeconds) };
  const rowsAtEnd = polls.at(-1)?.rows ?? 0;

  // (1) The table catching up: every row counted, the newest one drawn in view, Done, followed.
  log("load done; waiting for the table to show the last row");
  if (ADMIN_IN_FRONT) await app.selectTab(`Port ${port}`);
  const allRows = await timeUntil(browser, conns.ended, (s) => s.rows >= ROWS, CATCH_UP_MS);
  const lastRow = await timeUntil(
    browser,
    conns.ended,
    (s) => s.rows >= ROWS && (s.follow || !FOLLOW) && s.last?.visible && s.last.state === "Done",
    CATCH_UP_MS,
  );
  const statusCount = await timeUntil(browser, conns.ended, (s) => s.statusCount >= ROWS, 10000);
  const catchUpFrames = await takeFrames(browser);
  const work = { ...loadFrames };
  for (const key of ["batches", "events", "lagged", "handlerMs", "rafMs", "sizedBatches", "sizedEvents", "sizedChars"])
    work[key] += catchUpFrames[key];
  for (const key of ["maxEvents", "maxHandlerMs", "maxRafMs"]) work[key] = Math.max(work[key], catchUpFrames[key]);
  const cpuCaught = { app: cpuSeconds(procs.app), web: procs.web.map(cpuSeconds) };
  const threadsCaught = { app: threadCpu(procs.app), web: threadCpu(procs.web[0]) };
  if (lastRow.ms === null) notes.push(`the last row was not shown within ${CATCH_UP_MS / 1000} s: ${JSON.stringify(lastRow.state)}`);
  await sleep(2000);
  const settled = { app: memory(procs.app), web: procs.web.map(memory), network: procs.network.map(memory) };

  // (2) Scrolling to the end when not following: from the top, with the End key, and by
  // setting scrollTop to its maximum (what dragging the scrollbar down does).
  log("scrolling");
  const webdriverRtt = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await browser.execute(() => 1);
    webdriverRtt.push(performance.now() - t);
  }
  // Three rounds; the table prints the median. Each starts at the top with the first row
  // selected (clicked), so Most Recent is not followed.
  const endKey = [];
  const toEnd = [];
  const toTop = [];
  for (let round = 0; round < SCROLL_ROUNDS; round++) {
    toTop.push((await scrollInPage(browser, 0, 0)).ms);
    const top = await app.rows();
    await app.clickRow(top[0].id);
    await timeUntil(browser, performance.now(), (s) => s.first && !s.follow, 10000);
    const t = performance.now();
    await browser.keys([Key.End]);
    endKey.push((await timeUntil(browser, t, (s) => s.last?.selected && s.last.visible, 20000)).ms);
    toTop.push((await scrollInPage(browser, 0, 0)).ms);
    toEnd.push(await scrollInPage(browser, "max", ROWS - 1));
  }
  const scrollFrames = await takeFrames(browser);
  const problems = await app.problems();
  if (problems.length) notes.push(`page problems: ${problems.join(" | ")}`);

  log(`idle for ${IDLE_AT_END} s`);
  await sleep(IDLE_AT_END * 1000);
  sampler.stop();
  const end = { app: memory(procs.app), web: procs.web.map(memory), network: procs.network.map(memory) };
  const sum = (list, field) => list.reduce((total, m) => total + m[field], 0);
  const statusText = (await tableState(browser)).status;
  const capture = statusText.match(/capture ([^·]+)$/)?.[1]?.trim() ?? "?";
  {
    const [loadAfter] = fs.readFileSync("/proc/loadavg", "utf8").split(" ");
    const cpuUs = (a, b) => ((b - a) * 1e6) / COUNT;
    const webCpu = (from, to) => from.reduce((total, v, i) => total + (to[i] - v), 0);
    const rtts = polls.map((p) => p.rtt);
    const rows = [
      ["connections through the app (ok / failed)", `${fmt(conns.count)} (${fmt(conns.ok)} / ${fmt(conns.failed)})`],
      [
        "load: conn/s through the app (direct, not through it)",
        `${fmt(conns.per_sec)} (${direct ? fmt(direct.per_sec) : "-"})`,
      ],
      [
        "load: p50 / p99 / max ms per connection (direct p50 / p99)",
        `${fmt(conns.p50_ms, 2)} / ${fmt(conns.p99_ms, 2)} / ${fmt(conns.max_ms, 1)} (${direct ? `${fmt(direct.p50_ms, 2)} / ${fmt(direct.p99_ms, 2)}` : "-"})`,
      ],
      ["load: duration s", fmt(conns.secs, 1)],
      ["rows in the table when the load ended (last poll)", fmt(rowsAtEnd)],
      [
        `(1) s after the load until the row count reaches ${fmt(ROWS)} / the last row is shown (${FOLLOW ? "followed, " : ""}Done)`,
        `${fmt(allRows.ms && allRows.ms / 1000, 2)} / ${fmt(lastRow.ms && lastRow.ms / 1000, 2)}`,
      ],
      ["(1) s from the load's start until the last row is shown", fmt(lastRow.ms && (lastRow.ms + conns.ended - started) / 1000, 2)],
      [
        `(2) ms to the end, not following, from the top (median of ${SCROLL_ROUNDS}): End key (WebDriver) / scrollTop = max (in page)`,
        `${fmt(median(endKey))} / ${fmt(median(toEnd.map((r) => r.ms)))}`,
      ],
      ["(2) ms to the top: scrollTop = 0 (in page, median)", fmt(median(toTop))],
      [
        "page during the load: WebDriver round trip median / max ms",
        `${fmt(median(rtts))} / ${fmt(Math.max(...rtts))} (idle: ${fmt(median(webdriverRtt))})`,
      ],
      [
        "page frames idle / direct load (no events) / load through the app / catching up: fps, longest gap ms, s in gaps > 200 ms",
        [idleFrames, directFrames, loadFrames, catchUpFrames]
          .map((f) => (f ? `${fmt((f.frames * 1000) / f.ms, 0)} fps, ${fmt(f.maxGap)}, ${fmt(f.frozenMs / 1000, 1)}` : "-"))
          .join(" / "),
      ],
      [
        "page JS during the load + catching up: event batches (events, max per batch, lagged) / s in event callbacks (max ms) / s in frame callbacks (max ms)",
        `${fmt(work.batches)} (${fmt(work.events)}, ${fmt(work.maxEvents)}, ${fmt(work.lagged)}) / ${fmt(work.handlerMs / 1000, 1)} (${fmt(work.maxHandlerMs)}) / ${fmt(work.rafMs / 1000, 1)} (${fmt(work.maxRafMs)})`,
      ],
      [
        "CPU s, load + catching up: tcpmon / WebKitWebProcess (µs per connection)",
        `${fmt(cpuCaught.app - cpu0.app, 1)} / ${fmt(webCpu(cpu0.web, cpuCaught.web), 1)} (${fmt(cpuUs(cpu0.app, cpuCaught.app))} / ${fmt((webCpu(cpu0.web, cpuCaught.web) * 1e6) / COUNT)})`,
      ],
      [
        "CPU s after the load ended (catching up): tcpmon / WebKitWebProcess",
        `${fmt(cpuCaught.app - cpuLoad.app, 1)} / ${fmt(webCpu(cpuLoad.web, cpuCaught.web), 1)}`,
      ],
      [
        `tcpmon RSS MiB: idle / peak (VmHWM) / at the end (after ${IDLE_AT_END} s idle)`,
        `${mib(idle.app.rss)} / ${mib(end.app.hwm)} / ${mib(end.app.rss)}`,
      ],
      [
        `WebKitWebProcess RSS MiB: idle / peak (VmHWM) / at the end (after ${IDLE_AT_END} s idle)`,
        `${mib(sum(idle.web, "rss"))} / ${mib(sum(end.web, "hwm"))} / ${mib(sum(end.web, "rss"))}`,
      ],
      [
        `WebKitNetworkProcess RSS MiB: peak / at the end (after ${IDLE_AT_END} s idle)`,
        `${mib(sum(end.network, "hwm"))} / ${mib(sum(end.network, "rss"))}`,
      ],
      [
        `total RSS MiB (app + WebKit): peak of the sum (sampled 4/s) / sum of peaks / at the end (after ${IDLE_AT_END} s idle)`,
        `${mib(sampler.peakSum)} / ${mib(end.app.hwm + sum(end.web, "hwm") + sum(end.network, "hwm"))} / ${mib(end.app.rss + sum(end.web, "rss") + sum(end.network, "rss"))}`,
      ],
      ["capture log on disk (status line)", capture],
      ["load average before / after", `${env.APP_SCALE_LOAD_BEFORE ?? "?"} / ${loadAfter}`],
    ];
    if (ADMIN_IN_FRONT) notes.push("VIEW=admin: (1) includes selecting the listener's tab after the load, which draws it afresh");
    if (statusCount.ms === null) notes.push(`the status line never counted ${ROWS}: "${statusCount.state?.status}"`);
    if (conns.stderr) notes.push(`tcpmon-bench conns: ${conns.stderr.replace(/\n/g, " | ")}`);
    notes.push(
      `table rows seen during the load (s: rows): ${polls
        .filter((_, i) => i % Math.max(1, Math.ceil(polls.length / 12)) === 0 || i === polls.length - 1)
        .map((p) => `${p.at.toFixed(0)}: ${p.rows}`)
        .join(", ")}`,
    );
    if (work.sizedEvents)
      notes.push(
        `event payload: ${fmt(work.sizedChars / work.sizedEvents)} JSON characters per event (measured on ${work.sizedBatches} batches), ~${fmt((work.sizedChars / work.sizedEvents) * work.events / 1048576, 0)} MiB for the run`,
      );
    notes.push(
      `busiest threads, load + catching up: tcpmon: ${topThreads(threads0.app, threadsCaught.app)}; WebKitWebProcess: ${topThreads(threads0.web, threadsCaught.web)}`,
    );
    notes.push(`idle window (2 s, frame monitor running): tcpmon ${fmt(idleCpu.app * 100)}% of a core, WebKitWebProcess ${fmt(idleCpu.web * 100)}%`);
    notes.push(`after catching up: tcpmon RSS ${mib(settled.app.rss)} MiB, WebKitWebProcess ${mib(sum(settled.web, "rss"))} MiB`);
    notes.push(
      `scroll rounds, ms: End key ${endKey.map((v) => fmt(v)).join(", ")}; scrollTop = max ${toEnd
        .map((r) => `${fmt(r.ms)} (${r.frames} frames)`)
        .join(", ")}; scrollTop = 0 ${toTop.map((v) => fmt(v)).join(", ")}`,
    );
    notes.push(`scroll frames: ${fmt((scrollFrames.frames * 1000) / scrollFrames.ms)} fps, longest gap ${fmt(scrollFrames.maxGap)} ms`);

    const os = await import("node:os");
    console.log(
      `\n### App scale benchmark (${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores, ${fmt(COUNT)} connections of ${SIZE} B each way, ${CONCURRENCY} at a time${RATE > 0 ? `, started at ${fmt(RATE)}/s at most` : ""}${ADMIN_IN_FRONT ? ", Admin tab in front during the load" : ""}${FOLLOW ? "" : ", the first row selected, not following"})\n`,
    );
    console.log("| figure | value |\n| --- | ---: |");
    for (const [figure, value] of rows) console.log(`| ${figure} | ${value} |`);
    console.log("\nNotes:");
    for (const note of notes) console.log(`- ${note}`);
  }
} finally {
  await app.close();
}
