/**
 * A listener's tab ("Port N"): the Start/Stop bar with the settings that may change while it is
 * stopped, over the shared connection view of its rows.
 */
import { el, setText } from "../dom";
import { errorText, hostPort, listenerPort, plural } from "../format";
import { ipc } from "../ipc";
import { bindChecks, exposed } from "../bindCheck";
import { faultText, formFromListener } from "../listenerForm";
import { pausedCount } from "../paused";
import { rowKey } from "../rows";
import { rowsFromText, type RuleRow } from "../rules";
import type { SettingsKeeper } from "../settings";
import { pausedOf, type Store } from "../store";
import type { CommandError, ListenerForm, ListenerInfo } from "../types";
import { ConnectionsView, listenerSource } from "./connectionsView";
import { FieldErrors, errorNote, errorSlots } from "./fieldErrors";
import type { StatusLine } from "./statusLine";

/** How often a running listener's rule hits are asked for. */
const HITS_POLL_MS = 1000;

export type ListenerTabDeps = {
  store: Store;
  settings: SettingsKeeper;
  status: StatusLine;
  onClose: () => void;
  /** The tab's title ("Port N") or state changed. */
  onTitle: (title: string, tone: "running" | "stopped" | "error") => void;
};

export class ListenerTab {
  readonly panel: HTMLElement;
  readonly view: ConnectionsView;
  private current: ListenerInfo;
  /** The real port last seen: stays in the title while stopped, even for a port-0 listener. */
  private port = 0;
  title = "";
  tone: "running" | "stopped" | "error" = "stopped";
  /** The user typed in the stopped listener's fields: events must not overwrite them. */
  private fieldsEdited = false;
  private readonly startStop: HTMLButtonElement;
  private readonly listenPort: HTMLInputElement;
  private readonly targetHost: HTMLInputElement;
  private readonly targetPort: HTMLInputElement;
  private readonly targetFields: HTMLElement;
  private readonly badges: HTMLElement;
  /** The listener's rules, each with how often it acted (polled while it runs). */
  private readonly ruleHits = el("span", { class: "badges", "data-testid": "rule-hits" });
  private readonly errors: FieldErrors;
  private readonly listenerError: HTMLElement;
  /** How many of its messages wait at breakpoints, and Continue all; hidden while none waits. */
  private readonly pausedBar: HTMLElement;
  private readonly pausedCount = el("span", { class: "badge warn", "data-testid": "paused-count" });

  constructor(
    info: ListenerInfo,
    private readonly deps: ListenerTabDeps,
  ) {
    this.current = info;
    const field = (testid: string, label: string, size: number) => {
      const input = el("input", {
        type: "text",
        "data-testid": testid,
        size,
        spellcheck: "false",
        autocomplete: "off",
      });
      input.addEventListener("input", () => (this.fieldsEdited = true));
      return { input, label: el("label", { class: "inline-field" }, el("span", {}, label), input) };
    };
    const port = field("tab-listen-port", "Listen Port", 6);
    const host = field("tab-target-host", "Target Host", 22);
    const tport = field("tab-target-port", "Target Port", 6);
    [this.listenPort, this.targetHost, this.targetPort] = [port.input, host.input, tport.input];
    this.startStop = el("button", { type: "button", class: "start-stop", "data-testid": "start-stop" });
    this.startStop.addEventListener("click", () => void this.toggle());
    const slots = errorSlots("listen_port", "target_host", "target_port");
    const general = errorNote("span", "listener-action-error");
    this.errors = new FieldErrors(slots, general);
    this.targetFields = el(
      "span",
      { class: "group" },
      host.label,
      slots.target_host,
      tport.label,
      slots.target_port,
    );
    this.badges = el("span", { class: "badges" });
    this.listenerError = errorNote("span", "listener-error");
    const continueAll = el(
      "button",
      {
        type: "button",
        class: "small",
        "data-testid": "continue-all",
        title: "Send every message of this listener waiting at a breakpoint on, unchanged",
      },
      "Continue all",
    );
    continueAll.addEventListener("click", () => void this.continueAll());
    this.pausedBar = el("span", { class: "group", hidden: true }, this.pausedCount, continueAll);

    this.view = new ConnectionsView({
      session: null,
      source: listenerSource(deps.store, info.id),
      settings: deps.settings,
      status: deps.status,
      live: true,
      onClose: deps.onClose,
      paused: (id, k) => deps.store.state.pausedRows.get(rowKey(id, k)),
    });
    this.panel = el(
      "section",
      { "data-testid": "listener-panel", "data-listener-id": info.id },
      el(
        "div",
        { class: "toolbar listener-bar" },
        this.startStop,
        el("span", { class: "group" }, port.label, slots.listen_port),
        this.targetFields,
        this.badges,
        this.ruleHits,
        this.pausedBar,
        general,
        this.listenerError,
        el("span", { class: "spacer" }),
        this.view.searchBox,
      ),
      this.view.root,
    );
    this.setInfo(info);
    this.showPaused();
    const poll = setInterval(() => {
      if (!this.panel.isConnected) clearInterval(poll);
      else if (this.current.running && this.current.config.rules) void this.pollHits();
    }, HITS_POLL_MS);
  }

  get info(): ListenerInfo {
    return this.current;
  }

  setInfo(info: ListenerInfo): void {
    this.current = info;
    if (info.local_addr !== null || info.config.port !== 0) this.port = listenerPort(info);
    const { running, config } = info;
    setText(this.startStop, running ? "Stop" : "Start");
    this.startStop.classList.toggle("running", running);
    for (const input of [this.listenPort, this.targetHost, this.targetPort]) input.readOnly = running;
    if (running || !this.fieldsEdited) {
      this.fieldsEdited = false;
      const target = config.mode.kind === "forward" ? config.mode.target : null;
      this.listenPort.value = String(this.port);
      this.targetHost.value = target?.host ?? "";
      this.targetPort.value = target ? String(target.port) : "";
    }
    this.targetFields.hidden = config.mode.kind !== "forward";
    this.drawBadges();
    this.drawRules(null);
    if (running && config.rules) void this.pollHits();
    this.listenerError.hidden = info.error === null;
    setText(this.listenerError, info.error ?? "");
    this.title = `Port ${this.port}`;
    this.tone = info.error !== null ? "error" : running ? "running" : "stopped";
    this.deps.onTitle(this.title, this.tone);
  }

  /** Shows how many of the listener's messages wait at breakpoints. */
  showPaused(): void {
    const count = pausedOf(this.deps.store.state, this.current.id).length;
    this.pausedBar.hidden = count === 0;
    setText(this.pausedCount, pausedCount(count));
  }

  private async continueAll(): Promise<void> {
    try {
      const count = await ipc.continueAll(this.current.id);
      this.deps.status.message(`Continued ${plural(count, "paused message")}`);
    } catch (error) {
      this.deps.status.error(`Could not continue the paused messages: ${errorText(error)}`);
    }
  }

  private drawBadges(): void {
    const { config } = this.current;
    const badges = [config.mode.kind === "forward" ? "Listener" : "Proxy"];
    if (config.upstream_proxy)
      badges.push(`via ${hostPort(config.upstream_proxy.host, config.upstream_proxy.port)}`);
    if (config.slow_link)
      badges.push(`slow: ${config.slow_link.bytes_per_pause} B / ${config.slow_link.delay_ms} ms`);
    if (config.mode.kind === "forward" && config.rewrite_host) badges.push("Host rewritten");
    if (config.listen_tls) badges.push("TLS listener");
    if (config.mode.kind === "forward" && config.target_tls)
      badges.push(config.target_tls.insecure ? "TLS to target (any certificate)" : "TLS to target");
    if (config.mode.kind === "http_proxy" && config.decrypt_tls)
      badges.push(config.target_tls?.insecure ? "Decrypts HTTPS (any certificate)" : "Decrypts HTTPS");
    if (config.mode.kind === "http_proxy" && config.decrypt_tls && config.no_decrypt.length > 0)
      badges.push(`not decrypted: ${config.no_decrypt.join(", ")}`);
    if (config.faults?.length) badges.push(`faults: ${config.faults.map(faultText).join("; ")}`);
    // Whether the bind address is loopback is Rust's answer; asked once per address.
    const check = bindChecks.known(config.bind);
    if (check === undefined) {
      void bindChecks.check(config.bind).then(() => {
        if (this.current.config.bind === config.bind) this.drawBadges();
      });
    }
    const open = check !== undefined && exposed(check);
    this.badges.replaceChildren(
      ...badges.map((text) => el("span", { class: "badge" }, text)),
      ...(open ? [el("span", { class: "badge warn", "data-testid": "open-badge" }, `open on ${config.bind}`)] : []),
    );
  }

  /** Each rule as "N. when → action", with its hits when known. */
  private drawRules(hits: number[] | null): void {
    let rules: RuleRow[] = [];
    try {
      rules = rowsFromText(this.current.config.rules?.text ?? "");
    } catch {
      // Rust read them; a shape the panel does not know is only not listed.
    }
    this.ruleHits.replaceChildren(
      ...rules.map((rule, i) =>
        el(
          "span",
          { class: "badge", "data-testid": "rule-hit" },
          `${i + 1}. ${rule.when} → ${rule.action}${rule.enabled ? "" : " (off)"}` + (hits ? `: ${hits[i] ?? 0} hit${hits[i] === 1 ? "" : "s"}` : ""),
        ),
      ),
    );
  }

  private async pollHits(): Promise<void> {
    try {
      this.drawRules(await ipc.ruleHits(this.current.id));
    } catch {
      // Removed meanwhile: the tab goes too.
    }
  }

  /** Stop; or Start, applying edited fields with update_listener when there are any. */
  private async toggle(): Promise<void> {
    this.startStop.disabled = true;
    try {
      let info: ListenerInfo;
      if (this.current.running) {
        info = await ipc.stopListener(this.current.id);
      } else {
        const current = formFromListener(this.current);
        const wanted: ListenerForm = {
          ...current,
          port: this.listenPort.value.trim(),
          target_host: current.proxy ? "" : this.targetHost.value.trim(),
          target_port: current.proxy ? "" : this.targetPort.value.trim(),
        };
        const changed = (["port", "target_host", "target_port"] as const).some(
          (k) => wanted[k] !== current[k],
        );
        info = changed
          ? await ipc.updateListener(this.current.id, wanted)
          : await ipc.startListener(this.current.id);
        this.fieldsEdited = false;
      }
      this.errors.clear();
      this.setInfo(info);
    } catch (error) {
      this.errors.show(error as CommandError);
    } finally {
      this.startStop.disabled = false;
    }
  }
}
