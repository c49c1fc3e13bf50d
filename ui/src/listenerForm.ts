/**
 * The listener form: what the Admin tab holds, and the ListenerForm Rust parses (docs/ipc.md).
 * Rust does all validation; this only translates between the two and names listeners.
 */
import { hostPort, listenerPort } from "./format";
import type { Fault, ListenerForm, ListenerInfo } from "./types";

/** The Admin tab's fields, including the checkboxes that ListenerForm folds into strings. */
export type AdminValues = {
  port: string;
  bind: string;
  proxy: boolean;
  target_host: string;
  target_port: string;
  upstream: boolean;
  upstream_host: string;
  upstream_port: string;
  slow: boolean;
  slow_bytes: string;
  slow_delay_ms: string;
  /** Forward mode: rewrite each request's Host header to the target. */
  rewrite_host: boolean;
  /** Forward mode: speak TLS to the target. */
  target_tls: boolean;
  /** PEM files trusted besides the system's store ("Target CA..."), kept while TLS is off. */
  target_ca: string[];
  /** Accept any certificate from the target (or a decrypting proxy's origins). */
  insecure: boolean;
  /** Clients speak TLS to the listener (a certificate from TCPMon's local CA). */
  listen_tls: boolean;
  /** Proxy mode: decrypt HTTPS tunnels ("Decrypt HTTPS"). */
  decrypt_tls: boolean;
  /** Proxy mode: host globs not to decrypt, as typed (one per line or comma-separated). */
  no_decrypt: string;
  /** Faults to inject, one per line in the CLI's `--fault` syntax, as typed. */
  faults: string;
  /** The Rules panel's rules as the rules file's JSON (`textFromRows`); "" for none. */
  rules: string;
  /** The folder a rule's `bodyFile` is relative to: the imported file's; "" for none. */
  rules_folder: string;
};

/** Apache TCPMon's defaults (target 127.0.0.1:8888), bound to loopback unless the user says so. */
export const DEFAULT_ADMIN: AdminValues = {
  port: "",
  bind: "127.0.0.1",
  proxy: false,
  target_host: "127.0.0.1",
  target_port: "8888",
  upstream: false,
  upstream_host: "",
  upstream_port: "8080",
  slow: false,
  slow_bytes: "",
  slow_delay_ms: "",
  rewrite_host: false,
  target_tls: false,
  target_ca: [],
  insecure: false,
  listen_tls: false,
  decrypt_tls: false,
  no_decrypt: "",
  faults: "",
  rules: "",
  rules_folder: "",
};

export function formFromAdmin(v: AdminValues): ListenerForm {
  return {
    port: v.port.trim(),
    bind: v.bind.trim(),
    proxy: v.proxy,
    target_host: v.target_host.trim(),
    target_port: v.target_port.trim(),
    upstream_proxy: v.upstream ? hostPort(v.upstream_host.trim(), v.upstream_port.trim()) : "",
    slow_bytes: v.slow ? v.slow_bytes.trim() : "",
    slow_delay_ms: v.slow ? v.slow_delay_ms.trim() : "",
    rewrite_host: !v.proxy && v.rewrite_host,
    ...tlsFields(v.proxy, v.target_tls, v.decrypt_tls, v.target_ca, v.insecure),
    listen_tls: v.listen_tls,
    // Rust reads the list (one per line or comma-separated); it goes only with decryption on.
    no_decrypt: v.proxy && v.decrypt_tls ? v.no_decrypt.trim() : "",
    // Rust reads them, one per line, with the CLI's parser.
    faults: v.faults.trim(),
    // Rust checks them with the CLI's parser.
    rules: v.rules.trim() === "" ? null : { text: v.rules, folder: v.rules_folder },
  };
}

/**
 * The TLS fields of a form towards servers: TLS to the target in forward mode, decryption in
 * proxy mode; the CA files and `insecure` go only with the one that applies, when it is on.
 */
function tlsFields(proxy: boolean, targetTls: boolean, decrypt: boolean, ca: readonly string[], insecure: boolean) {
  const on = proxy ? decrypt : targetTls;
  return {
    target_tls: !proxy && targetTls,
    decrypt_tls: proxy && decrypt,
    target_ca: on ? [...ca] : [],
    insecure: on && insecure,
  };
}

/** A running listener as a form, with the port it really got, so it can be opened again as it was. */
export function formFromListener(info: ListenerInfo): ListenerForm {
  const { config } = info;
  const target = config.mode.kind === "forward" ? config.mode.target : null;
  return {
    port: String(listenerPort(info)),
    bind: config.bind,
    proxy: target === null,
    target_host: target?.host ?? "",
    target_port: target === null ? "" : String(target.port),
    upstream_proxy: config.upstream_proxy
      ? hostPort(config.upstream_proxy.host, config.upstream_proxy.port)
      : "",
    slow_bytes: config.slow_link ? String(config.slow_link.bytes_per_pause) : "",
    slow_delay_ms: config.slow_link ? String(config.slow_link.delay_ms) : "",
    // A shell older than the Host rewrite sends no such field: the bytes went untouched.
    rewrite_host: target !== null && config.rewrite_host === true,
    // A shell older than TLS sends none of these fields: plain TCP on both sides.
    ...tlsFields(
      target === null,
      !!config.target_tls,
      config.decrypt_tls === true,
      config.target_tls?.ca_files ?? [],
      config.target_tls?.insecure === true,
    ),
    listen_tls: config.listen_tls === true,
    no_decrypt: (config.no_decrypt ?? []).join("\n"),
    // A shell older than faults sends none.
    faults: (config.faults ?? []).map(faultText).join("\n"),
    // Kept as the rules file's text and folder; a shell older than rules sends none.
    rules: config.rules ?? null,
  };
}

/** A size in bytes as `--fault` reads it back: "10KiB" when whole KiB or MiB, else bytes. */
function sizeText(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MiB`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return String(bytes);
}

/** A listener's fault in the CLI's `--fault` syntax, which Rust parses back to the same fault. */
export function faultText({ kind, dir, chance }: Fault): string {
  let text: string;
  if (kind === "blackhole" || kind === "refuse") text = kind;
  else if ("latency" in kind) text = `latency=${kind.latency.mean_ms}ms~${kind.latency.jitter_ms}ms`;
  else if ("slice" in kind) text = `slice=${kind.slice.bytes}`;
  else if ("close_after" in kind) text = `close-after=${sizeText(kind.close_after.bytes)}`;
  else if ("reset_after" in kind) text = `reset-after=${sizeText(kind.reset_after.bytes)}`;
  else text = `status=${kind.status.code}`;
  if (dir !== null) text += `,dir=${dir === "client_to_server" ? "up" : "down"}`;
  if (chance !== 1_000_000) text += `,p=${chance / 1_000_000}`;
  return text;
}

/** The last part of a path ("dev.pem"), as a file's name is shown. */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || path;
}

/** One line naming a listener form: "Port 8081 → example.org:80", "Port 3128 (HTTP proxy)". */
export function describeForm(form: ListenerForm): string {
  const where = form.proxy ? "(HTTP proxy)" : `→ ${hostPort(form.target_host, form.target_port)}`;
  // The default bind address goes unsaid; whether another one is loopback is Rust's to say.
  const bind = ["", DEFAULT_ADMIN.bind].includes(form.bind.trim()) ? "" : ` on ${form.bind.trim()}`;
  const rewrite = !form.proxy && form.rewrite_host ? " (Host rewritten)" : "";
  const tls = [
    form.listen_tls ? "TLS listener" : "",
    !form.proxy && form.target_tls ? "TLS to target" : "",
    form.proxy && form.decrypt_tls ? "Decrypt HTTPS" : "",
    form.faults.trim() !== "" ? "faults" : "",
    form.rules ? "rules" : "",
  ]
    .filter((t) => t !== "")
    .join(", ");
  return `Port ${form.port || "any"}${bind} ${where}${rewrite}${tls ? ` (${tls})` : ""}`;
}
