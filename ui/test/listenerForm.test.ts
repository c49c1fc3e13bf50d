import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_ADMIN,
  describeForm,
  formFromAdmin,
  formFromListener,
} from "../src/listenerForm";
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
  });
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
