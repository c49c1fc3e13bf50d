/**
 * The Admin tab: Apache TCPMon's "Create a new TCPMon..." form (same labels), plus the bind
 * address, and the listeners that were open last time, offered again.
 */
import { el, setText } from "../dom";
import { ipc } from "../ipc";
import { bindChecks, exposed, watchTyping } from "../bindCheck";
import { fileName, formFromAdmin, type AdminValues } from "../listenerForm";
import type { SettingsKeeper } from "../settings";
import type { CommandError, ListenerForm, ListenerInfo } from "../types";
import { FieldErrors, errorNote, errorSlots } from "./fieldErrors";
import { ReopenOffer } from "./reopenOffer";
import { RulesPanel } from "./rulesPanel";

/** The text fields; the rules are the Rules panel's. */
type TextKey = Exclude<
  { [K in keyof AdminValues]: AdminValues[K] extends string ? K : never }[keyof AdminValues],
  "rules" | "rules_folder"
>;

/** The form's inputs: its text fields by the value they hold, the mode radios, the checkboxes. */
type AdminFields = {
  /** Text inputs; "Hosts not to decrypt" is a textarea (one host glob per line, or commas). */
  texts: Record<TextKey, HTMLInputElement | HTMLTextAreaElement>;
  listener: HTMLInputElement;
  proxy: HTMLInputElement;
  upstream: HTMLInputElement;
  slow: HTMLInputElement;
  rewriteHost: HTMLInputElement;
  listenTls: HTMLInputElement;
  targetTls: HTMLInputElement;
  insecure: HTMLInputElement;
  decryptTls: HTMLInputElement;
  /** "Target CA...": Rust's file dialog picks them. */
  targetCa: HTMLButtonElement;
  /** The picked CA files' names. */
  caNames: HTMLElement;
  caClear: HTMLButtonElement;
};

/** The places for the errors of the fields Rust names, each after its field. */
const adminSlots = () =>
  errorSlots(
    "listen_port",
    "bind_address",
    "target_host",
    "target_port",
    "upstream_proxy",
    "slow_link",
    "target_tls",
    "no_decrypt",
    "faults",
    "rules",
  );

type AdminSlots = ReturnType<typeof adminSlots>;

const textInput = (testid: string, size: number, extra: Record<string, string> = {}) =>
  el("input", {
    type: "text",
    id: testid,
    "data-testid": testid,
    size,
    spellcheck: "false",
    autocomplete: "off",
    ...extra,
  });

const checkbox = (testid: string) => el("input", { type: "checkbox", id: testid, "data-testid": testid });

const radio = (testid: string) => el("input", { type: "radio", name: "mode", id: testid, "data-testid": testid });

function adminFields(): AdminFields {
  return {
    texts: {
      port: textInput("listen-port", 8, { inputmode: "numeric", placeholder: "e.g. 8081" }),
      bind: textInput("bind-address", 22),
      target_host: textInput("target-host", 30),
      target_port: textInput("target-port", 6, { inputmode: "numeric" }),
      upstream_host: textInput("upstream-host", 30),
      upstream_port: textInput("upstream-port", 6, { inputmode: "numeric" }),
      slow_bytes: textInput("slow-bytes", 6, { inputmode: "numeric", placeholder: "64" }),
      slow_delay_ms: textInput("slow-delay", 6, { inputmode: "numeric", placeholder: "100" }),
      no_decrypt: el("textarea", {
        id: "no-decrypt",
        class: "hosts",
        "data-testid": "no-decrypt",
        rows: 2,
        cols: 30,
        spellcheck: "false",
        autocomplete: "off",
        placeholder: "*.bank.example",
      }),
      faults: el("textarea", {
        id: "faults",
        class: "hosts mono",
        "data-testid": "faults",
        rows: 3,
        cols: 30,
        spellcheck: "false",
        autocomplete: "off",
        placeholder: "latency=200ms~50ms\nstatus=503,p=0.5",
      }),
    },
    listener: radio("mode-listener"),
    proxy: radio("mode-proxy"),
    upstream: checkbox("upstream-enabled"),
    slow: checkbox("slow-enabled"),
    rewriteHost: checkbox("rewrite-host"),
    listenTls: checkbox("listen-tls"),
    targetTls: checkbox("target-tls"),
    insecure: checkbox("insecure"),
    decryptTls: checkbox("decrypt-tls"),
    targetCa: el(
      "button",
      {
        type: "button",
        class: "small",
        "data-testid": "target-ca",
        title:
          "Certificates (PEM) to trust besides the system's, for the target or a decrypting proxy's " +
          "origins: a self-signed server's own, or a private CA",
      },
      "Target CA...",
    ),
    caNames: el("span", { class: "mono muted", "data-testid": "target-ca-files" }),
    caClear: el(
      "button",
      { type: "button", class: "small", "data-testid": "target-ca-clear", hidden: true },
      "Clear",
    ),
  };
}

const row = (label: string, input: HTMLInputElement | HTMLTextAreaElement, slot?: HTMLElement, extra?: HTMLElement) =>
  el(
    "div",
    { class: "form-row" },
    el("label", { for: input.id }, label),
    el("div", { class: "form-value" }, input, slot, extra),
  );

const check = (input: HTMLInputElement, label: string, title?: string) =>
  el("label", { class: "check", title }, input, el("span", {}, label));

/** A form row of controls without a label of its own. */
const plainRow = (...controls: (HTMLElement | undefined)[]) =>
  el("div", { class: "form-row" }, el("span", { class: "label" }), el("div", { class: "form-value" }, ...controls));

/**
 * "TLS listener"; "TLS to target" (forward mode) or "Decrypt HTTPS" with the hosts it passes
 * through (proxy mode); the CA files and "Accept any certificate" for either.
 */
function tlsRows(f: AdminFields, slots: AdminSlots): HTMLElement[] {
  return [
    plainRow(
      check(
        f.listenTls,
        "TLS listener",
        "Clients speak HTTPS to TCPMon, which shows a certificate from its local CA (export it below to trust it)",
      ),
    ),
    plainRow(
      check(f.targetTls, "TLS to target", "Forward mode: speak HTTPS to the target; clients speak plain HTTP"),
      slots.target_tls,
    ),
    plainRow(
      check(
        f.decryptTls,
        "Decrypt HTTPS",
        "Proxy mode: show the exchanges inside HTTPS tunnels; TCPMon speaks HTTPS to each origin",
      ),
      el(
        "span",
        { class: "muted hint", "data-testid": "decrypt-hint" },
        "Clients must trust TCPMon's CA (Export CA certificate... below).",
      ),
    ),
    row("Hosts not to decrypt", f.texts.no_decrypt, slots.no_decrypt),
    plainRow(
      f.targetCa,
      f.caNames,
      f.caClear,
      check(
        f.insecure,
        "Accept any certificate",
        "Take the target's (or origins') certificates unverified; rows say so",
      ),
    ),
  ];
}

/** The "Act as a..." radios and the Host rewrite checkbox, each a form row. */
function modeRows(f: AdminFields): HTMLElement[] {
  return [
    el(
      "div",
      { class: "form-row" },
      el("span", { class: "label" }, "Act as a..."),
      el("div", { class: "form-value radios" }, check(f.listener, "Listener"), check(f.proxy, "Proxy")),
    ),
    el(
      "div",
      { class: "form-row" },
      el("span", { class: "label" }),
      el(
        "div",
        { class: "form-value" },
        el(
          "label",
          {
            class: "check",
            title:
              "Forward mode: set each request's Host header to the target host and port, for " +
              "servers that route by name. Off: every byte goes through untouched.",
          },
          f.rewriteHost,
          el("span", {}, "Rewrite Host header"),
        ),
      ),
    ),
  ];
}

/**
 * "Faults": what the listener breaks on purpose, one fault a line in `tcpmon-cli --fault`'s
 * syntax (Rust parses them with the CLI's parser and names a bad line here).
 */
function faultsPanel(faults: HTMLInputElement | HTMLTextAreaElement, slot: HTMLElement): HTMLElement {
  return el(
    "fieldset",
    { "data-testid": "faults-panel" },
    el("legend", {}, "Faults"),
    row("One per line", faults, slot),
    el(
      "p",
      { class: "muted hint" },
      "latency=200ms~50ms, slice=64, close-after=10KiB, reset-after=10KiB, blackhole, refuse, " +
        "status=503; then ,dir=up (toward the server) or ,dir=down, and ,p=0.5 (the chance per connection).",
    ),
  );
}

/** The form as Apache TCPMon laid it out, with the bind address and its warning added. */
function adminForm(
  f: AdminFields,
  slots: AdminSlots,
  bindWarning: HTMLElement,
  add: HTMLElement,
  formError: HTMLElement,
  rules: HTMLElement,
): HTMLFormElement {
  const t = f.texts;
  const [mode, rewrite] = modeRows(f);
  return el(
    "form",
    { class: "admin-form", novalidate: true, "aria-label": "New listener" },
    el("h2", {}, "Create a new TCPMon..."),
    row("Listen Port #", t.port, slots.listen_port),
    row("Bind Address", t.bind, slots.bind_address, bindWarning),
    mode,
    row("Target Hostname", t.target_host, slots.target_host),
    row("Target Port #", t.target_port, slots.target_port),
    rewrite,
    ...tlsRows(f, slots),
    el(
      "fieldset",
      {},
      el("legend", {}, "Options"),
      check(f.upstream, "HTTP Proxy Support"),
      row("Hostname", t.upstream_host),
      row("Port #", t.upstream_port, slots.upstream_proxy),
      check(f.slow, "Simulate Slow Connection"),
      row("Bytes per Pause", t.slow_bytes),
      row("Delay in Milliseconds", t.slow_delay_ms, slots.slow_link),
    ),
    faultsPanel(t.faults, slots.faults),
    rules,
    el("div", { class: "form-actions" }, add, el("span", { class: "muted" }, "Port 0 picks a free port.")),
    formError,
  );
}

export class AdminView {
  readonly panel: HTMLElement;
  private readonly card: HTMLElement;
  private readonly fields = adminFields();
  private readonly bindWarning = el(
    "p",
    { class: "warning", "data-testid": "bind-warning", role: "alert", hidden: true },
    "Not a loopback address: other machines can connect to this listener, use it as a relay, " +
      "and their traffic shows here.",
  );
  /** Asks Rust whether the bind address typed is loopback, once typing pauses. */
  private readonly watchBind = watchTyping(bindChecks.check, (result) => {
    this.bindWarning.hidden = !exposed(result);
  });
  private readonly errors: FieldErrors;
  private readonly rules: RulesPanel;
  private readonly reopen: ReopenOffer;
  /** The Target CA files picked, kept while TLS to the target is off. */
  private targetCa: string[] = [];

  constructor(
    private readonly settings: SettingsKeeper,
    private readonly onAdded: (info: ListenerInfo) => void,
  ) {
    const slots = adminSlots();
    const formError = errorNote("p", "form-error");
    this.errors = new FieldErrors(slots, formError);
    this.rules = new RulesPanel(
      slots.rules,
      () => this.changed(),
      (error) => this.showError(error),
    );
    const add = el("button", { type: "submit", class: "primary", "data-testid": "add-listener" }, "Add");
    const form = adminForm(this.fields, slots, this.bindWarning, add, formError, this.rules.root);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.add(add);
    });
    form.addEventListener("input", () => this.changed());
    form.addEventListener("change", () => this.changed());
    this.fields.targetCa.addEventListener("click", () => void this.pickCa());
    this.fields.caClear.addEventListener("click", () => this.setCa([]));
    this.reopen = new ReopenOffer(onAdded);
    this.card = el("div", { class: "admin-card" }, form, this.reopen.root);
    this.panel = el("section", { class: "admin", "data-testid": "admin-panel" }, this.card);
    this.fill(settings.current.admin);
  }

  /** Adds a section under the form (the capture settings). */
  addSection(section: HTMLElement): void {
    this.card.append(section);
  }

  /** Offers buttons that open these listeners again, each once. */
  offerReopen(forms: ListenerForm[]): void {
    this.reopen.offer(forms);
  }

  private values(): AdminValues {
    const { texts: t, proxy, upstream, slow, rewriteHost, listenTls, targetTls, insecure, decryptTls } = this.fields;
    return {
      port: t.port.value,
      bind: t.bind.value,
      proxy: proxy.checked,
      target_host: t.target_host.value,
      target_port: t.target_port.value,
      upstream: upstream.checked,
      upstream_host: t.upstream_host.value,
      upstream_port: t.upstream_port.value,
      slow: slow.checked,
      slow_bytes: t.slow_bytes.value,
      slow_delay_ms: t.slow_delay_ms.value,
      rewrite_host: rewriteHost.checked,
      target_tls: targetTls.checked,
      target_ca: [...this.targetCa],
      insecure: insecure.checked,
      listen_tls: listenTls.checked,
      decrypt_tls: decryptTls.checked,
      no_decrypt: t.no_decrypt.value,
      faults: t.faults.value,
      ...this.rules.values,
    };
  }

  private fill(values: AdminValues): void {
    const f = this.fields;
    for (const key of Object.keys(f.texts) as TextKey[]) f.texts[key].value = values[key];
    f.proxy.checked = values.proxy;
    f.listener.checked = !values.proxy;
    f.upstream.checked = values.upstream;
    f.slow.checked = values.slow;
    f.rewriteHost.checked = values.rewrite_host;
    f.listenTls.checked = values.listen_tls;
    f.targetTls.checked = values.target_tls;
    f.insecure.checked = values.insecure;
    f.decryptTls.checked = values.decrypt_tls;
    this.targetCa = [...values.target_ca];
    this.rules.set(values.rules, values.rules_folder);
    this.drawCa();
    this.syncEnabled();
  }

  private drawCa(): void {
    const { caNames, caClear } = this.fields;
    setText(caNames, this.targetCa.map(fileName).join(", "));
    caNames.title = this.targetCa.join("\n");
    caClear.hidden = this.targetCa.length === 0;
  }

  private setCa(files: string[]): void {
    this.targetCa = files;
    this.drawCa();
    this.changed();
  }

  /** "Target CA...": Rust's open dialog; a cancelled dialog keeps what was picked. */
  private async pickCa(): Promise<void> {
    try {
      const picked = await ipc.pickTargetCa();
      if (picked !== null) this.setCa(picked);
    } catch (error) {
      this.errors.show(error as CommandError);
    }
  }

  /** Greys out what the mode and checkboxes make irrelevant, as Apache TCPMon did. */
  private syncEnabled(): void {
    const { texts: t, proxy, upstream, slow, rewriteHost, targetTls, targetCa, caClear, insecure } = this.fields;
    const { decryptTls } = this.fields;
    const enable = (on: boolean, ...inputs: (HTMLInputElement | HTMLButtonElement | HTMLTextAreaElement)[]) => {
      for (const input of inputs) {
        input.disabled = !on;
        input.closest(".form-row")?.classList.toggle("disabled", !on);
      }
    };
    enable(!proxy.checked, t.target_host, t.target_port, rewriteHost, targetTls);
    enable(proxy.checked, decryptTls);
    enable(proxy.checked && decryptTls.checked, t.no_decrypt);
    // Forward mode: the target's certificate; proxy mode: the origins' of decrypted tunnels.
    enable(proxy.checked ? decryptTls.checked : targetTls.checked, targetCa, caClear, insecure);
    enable(upstream.checked, t.upstream_host, t.upstream_port);
    enable(slow.checked, t.slow_bytes, t.slow_delay_ms);
    this.watchBind(t.bind.value);
  }

  private changed(): void {
    this.syncEnabled();
    this.settings.update({ admin: this.values() });
  }

  /** An error next to its field; a rules error on the rule it names. */
  private showError(error: CommandError): void {
    if (error.field === "rules") this.rules.place(error);
    this.errors.show(error);
  }

  private async add(button: HTMLButtonElement): Promise<void> {
    this.errors.clear();
    button.disabled = true;
    try {
      const info = await ipc.addListener(formFromAdmin(this.values()));
      this.fields.texts.port.value = "";
      this.changed();
      this.onAdded(info);
    } catch (error) {
      this.showError(error as CommandError);
    } finally {
      button.disabled = false;
    }
  }
}
