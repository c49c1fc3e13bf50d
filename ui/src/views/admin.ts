/**
 * The Admin tab: Apache TCPMon's "Create a new TCPMon..." form (same labels), plus the bind
 * address, and the listeners that were open last time, offered again.
 */
import { el, setText } from "../dom";
import { ipc } from "../ipc";
import { bindChecks, exposed, watchTyping } from "../bindCheck";
import { describeForm, formFromAdmin, type AdminValues } from "../listenerForm";
import type { SettingsKeeper } from "../settings";
import type { CommandError, ListenerForm, ListenerInfo } from "../types";
import { FieldErrors, errorNote, errorSlots } from "./fieldErrors";

type TextKey = { [K in keyof AdminValues]: AdminValues[K] extends string ? K : never }[keyof AdminValues];

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

export class AdminView {
  readonly panel: HTMLElement;
  private readonly card: HTMLElement;
  private readonly texts: Record<TextKey, HTMLInputElement>;
  private readonly proxy: HTMLInputElement;
  private readonly listener: HTMLInputElement;
  private readonly upstream: HTMLInputElement;
  private readonly slow: HTMLInputElement;
  private readonly rewriteHost: HTMLInputElement;
  private readonly bindWarning: HTMLElement;
  /** Asks Rust whether the bind address typed is loopback, once typing pauses. */
  private readonly watchBind: (addr: string) => void;
  private readonly errors: FieldErrors;
  private readonly reopenList: HTMLElement;
  private readonly reopenSection: HTMLElement;

  constructor(
    private readonly settings: SettingsKeeper,
    private readonly onAdded: (info: ListenerInfo) => void,
  ) {
    this.texts = {
      port: textInput("listen-port", 8, { inputmode: "numeric", placeholder: "e.g. 8081" }),
      bind: textInput("bind-address", 22),
      target_host: textInput("target-host", 30),
      target_port: textInput("target-port", 6, { inputmode: "numeric" }),
      upstream_host: textInput("upstream-host", 30),
      upstream_port: textInput("upstream-port", 6, { inputmode: "numeric" }),
      slow_bytes: textInput("slow-bytes", 6, { inputmode: "numeric", placeholder: "64" }),
      slow_delay_ms: textInput("slow-delay", 6, { inputmode: "numeric", placeholder: "100" }),
    };
    this.listener = el("input", {
      type: "radio",
      name: "mode",
      id: "mode-listener",
      "data-testid": "mode-listener",
    });
    this.proxy = el("input", { type: "radio", name: "mode", id: "mode-proxy", "data-testid": "mode-proxy" });
    this.upstream = checkbox("upstream-enabled");
    this.slow = checkbox("slow-enabled");
    this.rewriteHost = checkbox("rewrite-host");
    this.bindWarning = el(
      "p",
      { class: "warning", "data-testid": "bind-warning", role: "alert", hidden: true },
      "Not a loopback address: other machines can connect to this listener, use it as a relay, " +
        "and their traffic shows here.",
    );
    this.watchBind = watchTyping(bindChecks.check, (result) => {
      this.bindWarning.hidden = !exposed(result);
    });
    const slots = errorSlots(
      "listen_port",
      "bind_address",
      "target_host",
      "target_port",
      "upstream_proxy",
      "slow_link",
    );
    const formError = errorNote("p", "form-error");
    this.errors = new FieldErrors(slots, formError);

    const t = this.texts;
    const row = (label: string, input: HTMLInputElement, slot?: HTMLElement, extra?: HTMLElement) =>
      el(
        "div",
        { class: "form-row" },
        el("label", { for: input.id }, label),
        el("div", { class: "form-value" }, input, slot, extra),
      );
    const check = (input: HTMLInputElement, label: string) =>
      el("label", { class: "check" }, input, el("span", {}, label));
    const add = el("button", { type: "submit", class: "primary", "data-testid": "add-listener" }, "Add");

    const form = el(
      "form",
      { class: "admin-form", novalidate: true, "aria-label": "New listener" },
      el("h2", {}, "Create a new TCPMon..."),
      row("Listen Port #", t.port, slots.listen_port),
      row("Bind Address", t.bind, slots.bind_address, this.bindWarning),
      el(
        "div",
        { class: "form-row" },
        el("span", { class: "label" }, "Act as a..."),
        el(
          "div",
          { class: "form-value radios" },
          check(this.listener, "Listener"),
          check(this.proxy, "Proxy"),
        ),
      ),
      row("Target Hostname", t.target_host, slots.target_host),
      row("Target Port #", t.target_port, slots.target_port),
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
            this.rewriteHost,
            el("span", {}, "Rewrite Host header"),
          ),
        ),
      ),
      el(
        "fieldset",
        {},
        el("legend", {}, "Options"),
        check(this.upstream, "HTTP Proxy Support"),
        row("Hostname", t.upstream_host),
        row("Port #", t.upstream_port, slots.upstream_proxy),
        check(this.slow, "Simulate Slow Connection"),
        row("Bytes per Pause", t.slow_bytes),
        row("Delay in Milliseconds", t.slow_delay_ms, slots.slow_link),
      ),
      el("div", { class: "form-actions" }, add, el("span", { class: "muted" }, "Port 0 picks a free port.")),
      formError,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.add(add);
    });
    form.addEventListener("input", () => this.changed());
    form.addEventListener("change", () => this.changed());

    this.reopenList = el("ul", { class: "reopen-list" });
    this.reopenSection = el(
      "section",
      { class: "reopen", "data-testid": "reopen", hidden: true },
      el("h3", {}, "Reopen listeners from last time"),
      this.reopenList,
    );
    this.card = el("div", { class: "admin-card" }, form, this.reopenSection);
    this.panel = el("section", { class: "admin", "data-testid": "admin-panel" }, this.card);
    this.fill(settings.current.admin);
  }

  /** Adds a section under the form (the capture settings). */
  addSection(section: HTMLElement): void {
    this.card.append(section);
  }

  /** Offers buttons that open these listeners again, each once. */
  offerReopen(forms: ListenerForm[]): void {
    this.reopenList.replaceChildren(...forms.map((form) => this.reopenItem(form)));
    this.reopenSection.hidden = forms.length === 0;
  }

  private reopenItem(form: ListenerForm): HTMLElement {
    const button = el(
      "button",
      { type: "button", class: "small", "data-testid": "reopen-listener" },
      "Reopen",
    );
    const error = el("span", { class: "field-error", role: "alert", hidden: true });
    const item = el("li", {}, button, el("span", { class: "mono" }, describeForm(form)), error);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        this.onAdded(await ipc.addListener(form));
        item.remove();
        this.reopenSection.hidden = this.reopenList.childElementCount === 0;
      } catch (e) {
        error.hidden = false;
        setText(error, (e as CommandError).message);
        button.disabled = false;
      }
    });
    return item;
  }

  private values(): AdminValues {
    const t = this.texts;
    return {
      port: t.port.value,
      bind: t.bind.value,
      proxy: this.proxy.checked,
      target_host: t.target_host.value,
      target_port: t.target_port.value,
      upstream: this.upstream.checked,
      upstream_host: t.upstream_host.value,
      upstream_port: t.upstream_port.value,
      slow: this.slow.checked,
      slow_bytes: t.slow_bytes.value,
      slow_delay_ms: t.slow_delay_ms.value,
      rewrite_host: this.rewriteHost.checked,
    };
  }

  private fill(values: AdminValues): void {
    for (const key of Object.keys(this.texts) as TextKey[]) this.texts[key].value = values[key];
    this.proxy.checked = values.proxy;
    this.listener.checked = !values.proxy;
    this.upstream.checked = values.upstream;
    this.slow.checked = values.slow;
    this.rewriteHost.checked = values.rewrite_host;
    this.syncEnabled();
  }

  /** Greys out what the mode and checkboxes make irrelevant, as Apache TCPMon did. */
  private syncEnabled(): void {
    const t = this.texts;
    const enable = (on: boolean, ...inputs: HTMLInputElement[]) => {
      for (const input of inputs) {
        input.disabled = !on;
        input.closest(".form-row")?.classList.toggle("disabled", !on);
      }
    };
    enable(!this.proxy.checked, t.target_host, t.target_port, this.rewriteHost);
    enable(this.upstream.checked, t.upstream_host, t.upstream_port);
    enable(this.slow.checked, t.slow_bytes, t.slow_delay_ms);
    this.watchBind(t.bind.value);
  }

  private changed(): void {
    this.syncEnabled();
    this.settings.update({ admin: this.values() });
  }

  private async add(button: HTMLButtonElement): Promise<void> {
    this.errors.clear();
    button.disabled = true;
    try {
      const info = await ipc.addListener(formFromAdmin(this.values()));
      this.texts.port.value = "";
      this.changed();
      this.onAdded(info);
    } catch (error) {
      this.errors.show(error as CommandError);
    } finally {
      button.disabled = false;
    }
  }
}
