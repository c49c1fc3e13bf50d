// What the node tests of tests/ share: free ports, child processes that die with the test
// run, tcpmon-cli started as a user would, and servers that print their port.
import { after } from "node:test";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import net from "node:net";

const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache/tcpmon-target");
/** The tcpmon-cli that `cargo test --workspace` built. */
export const cli = path.join(targetDir, "debug/tcpmon-cli");

const children = [];
after(() => children.forEach((c) => c.kill("SIGKILL")));

/** Starts a child process that is killed when the tests end. */
export function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"], ...options });
  children.push(child);
  return child;
}

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port) {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise((r) =>
      net.connect(port, "127.0.0.1").on("connect", function () { this.destroy(); r(true); }).on("error", () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Runs a server that prints its port on its first line; resolves with the port. */
export async function serverOnPort(command, args) {
  const child = start(command, args);
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)));
  });
  return Number(first);
}

/** Starts tcpmon-cli (with spawn's `options`, such as its env); resolves with its port, its
 * output lines so far, and `stop` (SIGTERM, resolves once it has exited, after any --save). */
export async function monitor(args, options = {}) {
  const child = start(cli, args, options);
  const lines = [];
  const rl = createInterface({ input: child.stdout });
  const first = await new Promise((resolve) => rl.once("line", resolve));
  rl.on("line", (l) => lines.push(l));
  const port = Number(/listening on 127\.0\.0\.1:(\d+) /.exec(first)[1]);
  // "close", not "exit": its output is read to the end by then.
  const exited = new Promise((r) => child.on("close", r));
  return { port, lines, stop: () => { child.kill("SIGTERM"); return exited; } };
}
