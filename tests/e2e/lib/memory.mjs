// Memory of the app and of WebKit's page process, read from /proc: figures for the report
// (tests print them; they assert only loose sanity bounds).
import fs from "node:fs";

/** Resident memory of `pid` in bytes, or 0 when it is gone. */
export function rss(pid) {
  try {
    const kib = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
    return kib ? Number(kib[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of `pid`. */
function descendants(pid) {
  const out = [];
  let tasks = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    let children = "";
    try {
      children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8");
    } catch {
      continue;
    }
    for (const child of children.split(" ").filter(Boolean).map(Number)) {
      out.push(child, ...descendants(child));
    }
  }
  return out;
}

/** The WebKitWebProcess (page) processes the app started. */
export function webProcesses(appPid) {
  return descendants(appPid).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("WebKitWebProcess");
    } catch {
      return false;
    }
  });
}

/** RSS of the app and of its page process(es) now, in bytes. */
export function memory(appPid) {
  return { app: rss(appPid), web: webProcesses(appPid).reduce((sum, pid) => sum + rss(pid), 0) };
}

export const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;

/** Samples memory() every `every` ms until stop(), which returns the highest figures seen. */
export function sampleMemory(appPid, every = 100) {
  const peak = memory(appPid);
  const timer = setInterval(() => {
    const now = memory(appPid);
    peak.app = Math.max(peak.app, now.app);
    peak.web = Math.max(peak.web, now.web);
  }, every);
  return {
    stop() {
      clearInterval(timer);
      const now = memory(appPid);
      return { app: Math.max(peak.app, now.app), web: Math.max(peak.web, now.web) };
    },
  };
}
