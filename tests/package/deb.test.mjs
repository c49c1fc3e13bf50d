// The .deb as a new user gets it: built by scripts/package-deb.sh (or the one TCPMON_DEB names),
// read with dpkg-deb, unpacked with dpkg -x, and its files used: the CLI runs, the man pages
// render, each shell loads its completions. As root, dpkg also installs it over a `tcp-mon`
// (the package's old name) in a throwaway dpkg root, which must replace it.
//
// Needs dpkg, man, bash, zsh and fish (scripts/test.sh installs them). Run: node --test tests/package/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const exec = promisify(execFile);
const run = async (command, args, options = {}) =>
  (await exec(command, args, { maxBuffer: 64 << 20, ...options })).stdout;
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

const completions = {
  bash: "/usr/share/bash-completion/completions/tcpmon-cli",
  zsh: "/usr/share/zsh/vendor-completions/_tcpmon-cli",
  fish: "/usr/share/fish/vendor_completions.d/tcpmon-cli.fish",
};
const subcommands = ["ca", "control", "diff", "export", "recover", "show"];
const manPages = ["tcpmon-cli", ...subcommands.map((s) => `tcpmon-cli-${s}`)];

const temps = [];
/** A temporary folder, removed when the tests end. */
function tempDir(prefix) {
  temps.push(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  return temps.at(-1);
}
after(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

let deb; // the package file
let root; // where dpkg -x unpacked it
before(async () => {
  deb = process.env.TCPMON_DEB ?? (await run("bash", ["scripts/package-deb.sh"], { cwd: repo })).trim();
  root = tempDir("tcpmon-deb-");
  await run("dpkg", ["-x", deb, root]);
});
const file = (p) => path.join(root, p);

test("the package is tcpmon and takes over from tcp-mon", async () => {
  const field = async (name) => (await run("dpkg-deb", ["--field", deb, name])).trim();
  assert.equal(await field("Package"), "tcpmon");
  for (const name of ["Provides", "Conflicts", "Replaces"]) {
    assert.equal(await field(name), "tcp-mon", name);
  }
  assert.match(await run("dpkg-deb", ["--info", deb]), /Depends: .*libwebkit2gtk-4\.1-0/);
});

test("it installs both programs, the man pages gzipped and the completions where shells look", async () => {
  const listed = (await run("dpkg-deb", ["--contents", deb])).split("\n");
  const entries = new Map(listed.filter(Boolean).map((l) => ["/" + l.split(/\s+/).at(-1).replace(/^\.?\//, ""), l]));
  for (const bin of ["/usr/bin/tcpmon", "/usr/bin/tcpmon-cli"]) {
    assert.match(entries.get(bin) ?? "", /^-rwxr-xr-x /, bin);
  }
  for (const page of manPages) {
    assert.ok(entries.has(`/usr/share/man/man1/${page}.1.gz`), page);
  }
  for (const p of [...Object.values(completions), "/usr/share/applications/tcpmon.desktop"]) {
    assert.ok(entries.has(p), p);
  }
});

test("the menu entry is TCPMon and starts the app", () => {
  const desktop = fs.readFileSync(file("/usr/share/applications/tcpmon.desktop"), "utf8");
  assert.match(desktop, /^Name=TCPMon$/m);
  assert.match(desktop, /^Exec=tcpmon$/m);
  assert.match(desktop, /^Icon=tcpmon$/m);
  assert.ok(fs.existsSync(file("/usr/share/icons/hicolor/128x128/apps/tcpmon.png")));
});

test("the installed tcpmon-cli runs and lists its commands", async () => {
  const help = await run(file("/usr/bin/tcpmon-cli"), ["--help"]);
  assert.match(help, /tcpmon-cli \[OPTIONS\] \[--proxy\] LISTEN_PORT/);
  for (const s of subcommands) assert.match(help, new RegExp(`^  ${s} `, "m"));
  assert.match(await run(file("/usr/bin/tcpmon-cli"), ["--version"]), /^tcpmon-cli \d+\.\d+\.\d+$/m);
});

test("man renders every page, with the listener's options and the subcommands'", async () => {
  const render = (page) =>
    run("man", ["-l", file(`/usr/share/man/man1/${page}.1.gz`)], { env: { ...process.env, MANPAGER: "cat", MANWIDTH: "100" } });
  const main = await render("tcpmon-cli");
  assert.match(main, /^SYNOPSIS\n\s+tcpmon-cli \[OPTIONS\] LISTEN_PORT TARGET_HOST TARGET_PORT$/m);
  assert.match(main, /^\s+--proxy-auth <USER:PASS>$/m);
  for (const s of subcommands) assert.match(main, new RegExp(`tcpmon-cli-${s}\\(1\\)`));
  const show = await render("tcpmon-cli-show");
  assert.match(show, /^NAME\n\s+tcpmon-cli-show\s+- Shows the exchanges/m);
  assert.match(show, /--view/);
});

test("bash, zsh and fish load the completions and offer the subcommands and options", async () => {
  // bash: call the function the script registers, as bash does on TAB after "tcpmon-cli ".
  const bash = await run("bash", [
    "-c",
    `source "$1"; fn=$(complete -p tcpmon-cli | sed -E 's/.* -F ([^ ]+) .*/\\1/')
     COMP_WORDS=(tcpmon-cli ""); COMP_CWORD=1; "$fn" tcpmon-cli "" tcpmon-cli; printf '%s\\n' "\${COMPREPLY[@]}"`,
    "bash",
    file(completions.bash),
  ]);
  const offered = bash.split("\n");
  for (const word of [...subcommands, "--proxy", "--save"]) assert.ok(offered.includes(word), `bash: ${word}`);
  assert.ok(!offered.includes("help"), "no help subcommand: the CLI has none");
  // zsh: the file parses and declares itself the completion of tcpmon-cli.
  await run("zsh", ["-n", file(completions.zsh)]);
  assert.match(fs.readFileSync(file(completions.zsh), "utf8"), /^#compdef tcpmon-cli$/m);
  // fish: what fish offers after "tcpmon-cli " and "tcpmon-cli show --v".
  const fish = async (line) =>
    (await run("fish", ["--no-config", "-c", `source $argv[1]; complete -C '${line}'`, file(completions.fish)]))
      .split("\n")
      .map((l) => l.split("\t")[0]);
  const words = await fish("tcpmon-cli ");
  assert.deepEqual(subcommands.filter((s) => words.includes(s)), subcommands);
  assert.ok(!words.includes("help"), "no help subcommand: the CLI has none");
  assert.ok((await fish("tcpmon-cli show --v")).includes("--view"));
});

test(
  "dpkg installs it over tcp-mon, removing the old package",
  { skip: process.getuid() !== 0 && "dpkg --root needs root here" },
  async () => {
    // A throwaway dpkg database, with a tcp-mon shaped like the old package: its files are
    // the ones tcpmon now ships, so dpkg must take them over.
    const admin = tempDir("tcpmon-dpkg-");
    const dpkg = (...args) => run("dpkg", [`--root=${admin}`, "--force-depends", ...args]);
    for (const dir of ["var/lib/dpkg/info", "var/lib/dpkg/updates"]) fs.mkdirSync(path.join(admin, dir), { recursive: true });
    fs.writeFileSync(path.join(admin, "var/lib/dpkg/status"), "");
    const old = path.join(tempDir("tcp-mon-"), "tcp-mon");
    fs.mkdirSync(path.join(old, "DEBIAN"), { recursive: true });
    fs.writeFileSync(
      path.join(old, "DEBIAN/control"),
      "Package: tcp-mon\nVersion: 0.1.0\nArchitecture: amd64\nMaintainer: tcpmon\nDescription: old name\n",
    );
    fs.mkdirSync(path.join(old, "usr/bin"), { recursive: true });
    fs.copyFileSync(file("/usr/bin/tcpmon"), path.join(old, "usr/bin/tcpmon"));
    await run("dpkg-deb", ["--build", "--root-owner-group", old, `${old}.deb`]);
    const installed = async () =>
      (await run("dpkg-query", [`--admindir=${admin}/var/lib/dpkg`, "--show", "--showformat=${Package} ${db:Status-Abbrev}\n"]))
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    await dpkg("--install", `${old}.deb`);
    assert.deepEqual(await installed(), ["tcp-mon ii"]);
    await dpkg("--install", deb);
    assert.deepEqual(await installed(), ["tcpmon ii"]);
    assert.ok(fs.existsSync(path.join(admin, "usr/bin/tcpmon-cli")));
  },
);
