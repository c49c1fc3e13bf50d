import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_ADMIN,
  describeForm,
  fileName,
  formFromAdmin,
  faultText,
  formFromListener,
} from "../src/listenerForm";
import type { Fault } from "../src/types";
import faultTexts from "../../crates/desktop/tests/fault_texts.json";
import { listener } from "./fixtures";

test("unticked options send no upstream proxy and no slow link", () => {
  const form = formFromAdmin({
    ...DEFAULT_ADMIN,
    port: " 8081 ",
    upstream_host: "proxy",
    slow_bytes: "10",
    slow_delay_ms: "5",
  });
  assert.equal(form.port, "8081");
  assert.equal(form.upstream_proxy, "");
  assert.equal(form.slow_bytes, "");
  assert.equal(form.slow_delay_ms, "");
});

test("ticked options fold into the form, an IPv6 proxy host in brackets", () => {
  const form = formFromAdmin({
    ...DEFAULT_ADMIN,
    upstream: true,
    upstream_host: "fd00::3",
    upstream_port: "3128",
    slow: true,
    slow_bytes: "64",
    slow_delay_ms: "100",
  });
  assert.equal(form.upstream_proxy, "[fd00::3]:3128");
  assert.equal(form.slow_bytes, "64");
  assert.equal(form.slow_delay_ms, "100");
});

test("a target host is passed exactly as typed, IPv6 literal included", () => {
  assert.equal(formFromAdmin({ ...DEFAULT_ADMIN, target_host: "2001:db8::7" }).target_host, "2001:db8::7");
});

test("a running listener becomes a form with the port it really got", () => {
  const info = listener(1, { local_addr: "127.0.0.1:41001" });
  info.config.port = 0;
  info.config.slow_link = { bytes_per_pause: 64, delay_ms: 100 };
  info.config.upstream_proxy = { host: "::1", port: 3128 };
  info.config.rewrite_host = true;
  assert.deepEqual(formFromListener(info), {
    port: "41001",
    bind: "127.0.0.1",
    proxy: false,
    target_host: "example.org",
    target_port: "80",
    upstream_proxy: "[::1]:3128",
    slow_bytes: "64",
    slow_delay_ms: "100",
    rewrite_host: true,
    target_tls: false,
    target_ca: [],
    insecure: false,
    listen_tls: false,
    decrypt_tls: false,
    no_decrypt: "",
    faults: "",
    rules: null,
  });
});

test("the Admin tab's rules go as the rules file's text and folder; a listener's come back as they went", () => {
  const text = '[{"when": "path:/a", "then": {"mock": {"status": 418}}}]';
  const form = formFromAdmin({ ...DEFAULT_ADMIN, rules: text, rules_folder: "/home/dev" });
  assert.deepEqual(form.rules, { text, folder: "/home/dev" });
  assert.equal(formFromAdmin({ ...DEFAULT_ADMIN, rules: " \n" }).rules, null);
  assert.match(describeForm(form), /\(rules\)$/);
  const info = listener(1);
  info.config.rules = { text, folder: "/home/dev" };
  assert.deepEqual(formFromListener(info).rules, { text, folder: "/home/dev" });
});

test("a listener's faults are written as the CLI's --fault reads them (Rust's test reads them back)", () => {
  assert.ok(faultTexts.length >= 8);
  for (const { text, fault } of faultTexts) assert.equal(faultText(fault as Fault), text);
});

test("a listener with faults opens again with them, one a line; the Admin tab's are sent as typed", () => {
  const info = listener(1);
  info.config.faults = faultTexts.slice(0, 2).map(({ fault }) => fault as Fault);
  assert.equal(formFromListener(info).faults, "latency=200ms~50ms\nslice=64,dir=down");
  assert.equal(formFromAdmin({ ...DEFAULT_ADMIN, faults: " status=503\nbogus \n" }).faults, "status=503\nbogus");
  assert.match(describeForm({ ...formFromAdmin(DEFAULT_ADMIN), faults: "refuse" }), /\(faults\)$/);
});

test("TLS to target and its options apply to forward listeners only, with TLS on", () => {
  const tls = { ...DEFAULT_ADMIN, target_tls: true, target_ca: ["/certs/dev.pem"], insecure: true, listen_tls: true };
  const form = formFromAdmin(tls);
  assert.deepEqual(
    [form.target_tls, form.target_ca, form.insecure, form.listen_tls],
    [true, ["/certs/dev.pem"], true, true],
  );
  const proxy = formFromAdmin({ ...tls, proxy: true });
  assert.deepEqual([proxy.target_tls, proxy.target_ca, proxy.insecure, proxy.listen_tls], [false, [], false, true]);
  const off = formFromAdmin({ ...tls, target_tls: false });
  assert.deepEqual([off.target_ca, off.insecure], [[], false], "kept in the Admin tab, not sent");
  assert.equal(describeForm(form), "Port any → 127.0.0.1:8888 (TLS listener, TLS to target)");
});

test("a stopped TLS listener opens again as it was; an older shell's listener as plain TCP", () => {
  const info = listener(1);
  info.config.listen_tls = true;
  info.config.target_tls = {
    ca_files: ["/certs/dev.pem"],
    insecure: true,
    server_name: null,
    client_cert: null,
    client_key: null,
    alpn: [],
  };
  const form = formFromListener(info);
  assert.deepEqual(
    [form.target_tls, form.target_ca, form.insecure, form.listen_tls],
    [true, ["/certs/dev.pem"], true, true],
  );
  const old = listener(1);
  delete (old.config as { target_tls?: unknown }).target_tls;
  delete (old.config as { listen_tls?: unknown }).listen_tls;
  delete (old.config as { decrypt_tls?: unknown }).decrypt_tls;
  delete (old.config as { no_decrypt?: unknown }).no_decrypt;
  const plain = formFromListener(old);
  assert.deepEqual(
    [plain.target_tls, plain.target_ca, plain.insecure, plain.listen_tls, plain.decrypt_tls, plain.no_decrypt],
    [false, [], false, false, false, ""],
  );
});

test("Decrypt HTTPS and its pass-through list apply to proxies only; Target CA and insecure go to its origins", () => {
  const decrypting = {
    ...DEFAULT_ADMIN,
    proxy: true,
    decrypt_tls: true,
    no_decrypt: " *.bank.example\npinned.example ",
    target_tls: true,
    target_ca: ["/certs/dev.pem"],
    insecure: true,
  };
  const form = formFromAdmin(decrypting);
  assert.deepEqual(
    [form.decrypt_tls, form.no_decrypt, form.target_tls, form.target_ca, form.insecure],
    [true, "*.bank.example\npinned.example", false, ["/certs/dev.pem"], true],
    "the list as typed (Rust reads it), the CA settings for the origins",
  );
  assert.equal(describeForm(form), "Port any (HTTP proxy) (Decrypt HTTPS)");
  const off = formFromAdmin({ ...decrypting, decrypt_tls: false });
  assert.deepEqual([off.decrypt_tls, off.no_decrypt, off.target_ca, off.insecure], [false, "", [], false]);
  const forward = formFromAdmin({ ...decrypting, proxy: false });
  assert.deepEqual(
    [forward.decrypt_tls, forward.no_decrypt, forward.target_tls, forward.target_ca],
    [false, "", true, ["/certs/dev.pem"]],
    "forward mode: TLS to target, not decryption",
  );

  const info = listener(1);
  info.config.mode = { kind: "http_proxy" };
  info.config.decrypt_tls = true;
  info.config.no_decrypt = ["*.bank.example", "pinned.example"];
  info.config.target_tls = {
    ca_files: ["/certs/dev.pem"],
    insecure: false,
    server_name: null,
    client_cert: null,
    client_key: null,
    alpn: [],
  };
  const reopened = formFromListener(info);
  assert.deepEqual(
    [reopened.proxy, reopened.decrypt_tls, reopened.no_decrypt, reopened.target_tls, reopened.target_ca],
    [true, true, "*.bank.example\npinned.example", false, ["/certs/dev.pem"]],
  );
});

test("a picked file is shown by its name", () => {
  assert.equal(fileName("/home/dev/certs/dev.pem"), "dev.pem");
  assert.equal(fileName("dev.pem"), "dev.pem");
});

test("Rewrite Host applies to forward listeners only", () => {
  assert.equal(formFromAdmin({ ...DEFAULT_ADMIN, rewrite_host: true }).rewrite_host, true);
  assert.equal(formFromAdmin({ ...DEFAULT_ADMIN, rewrite_host: true, proxy: true }).rewrite_host, false);
  assert.equal(formFromAdmin(DEFAULT_ADMIN).rewrite_host, false);
  const old = listener(1);
  delete (old.config as { rewrite_host?: boolean }).rewrite_host;
  assert.equal(formFromListener(old).rewrite_host, false, "a shell without the field rewrote nothing");
});

test("a listener form reads as one line", () => {
  const form = formFromListener(listener(1));
  assert.equal(describeForm(form), "Port 8081 → example.org:80");
  assert.equal(describeForm({ ...form, proxy: true, bind: "0.0.0.0" }), "Port 8081 on 0.0.0.0 (HTTP proxy)");
  assert.equal(describeForm({ ...form, rewrite_host: true }), "Port 8081 → example.org:80 (Host rewritten)");
  assert.equal(describeForm({ ...form, bind: "" }), "Port 8081 → example.org:80", "empty is the default");
  assert.equal(describeForm({ ...form, bind: "::1" }), "Port 8081 on ::1 → example.org:80");
});
