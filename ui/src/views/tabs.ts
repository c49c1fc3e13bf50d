/** The tab strip and the panels under it. Knows nothing of what the panels hold. */
import { el, setText } from "../dom";

export type TabSpec = {
  key: string;
  title: string;
  testid: string;
  panel: HTMLElement;
  /** Present for tabs the user may close (everything but Admin). */
  onClose?: () => void;
  /** Called when the tab becomes the visible one, or stops being it. */
  onVisible?: (visible: boolean) => void;
};

type Tab = TabSpec & { header: HTMLElement; titleEl: HTMLElement };

export class TabBar {
  readonly strip: HTMLElement;
  readonly panels: HTMLElement;
  private readonly tabs = new Map<string, Tab>();
  private active: string | null = null;

  constructor() {
    this.strip = el("div", { class: "tabs", role: "tablist", "aria-label": "Tabs" });
    this.panels = el("main", { class: "panels" });
  }

  get activeKey(): string | null {
    return this.active;
  }

  add(spec: TabSpec): void {
    const titleEl = el("span", { class: "tab-title" }, spec.title);
    const header = el(
      "div",
      { class: "tab", role: "tab", tabindex: 0, "data-testid": spec.testid, "aria-selected": "false" },
      el("span", { class: "tab-dot", "aria-hidden": "true" }),
      titleEl,
    );
    if (spec.onClose) {
      const close = el("button", {
        type: "button",
        class: "tab-close",
        "aria-label": `Close ${spec.title}`,
        title: "Close",
      });
      close.addEventListener("click", (e) => {
        e.stopPropagation();
        spec.onClose!();
      });
      header.append(close);
    }
    header.addEventListener("click", () => this.select(spec.key));
    header.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") this.select(spec.key);
    });
    spec.panel.classList.add("tab-panel");
    spec.panel.setAttribute("role", "tabpanel");
    spec.panel.hidden = true;
    this.tabs.set(spec.key, { ...spec, header, titleEl });
    this.strip.append(header);
    this.panels.append(spec.panel);
    if (this.active === null) this.select(spec.key);
  }

  setTitle(key: string, title: string): void {
    const tab = this.tabs.get(key);
    if (tab) setText(tab.titleEl, title);
  }

  /** A state shown as the dot before the title: "running", "stopped", "error". */
  setTone(key: string, tone: string): void {
    const tab = this.tabs.get(key);
    if (tab) tab.header.dataset.tone = tone;
  }

  select(key: string): void {
    if (key === this.active || !this.tabs.has(key)) return;
    const previous = this.active === null ? undefined : this.tabs.get(this.active);
    if (previous) this.setShown(previous, false);
    this.active = key;
    this.setShown(this.tabs.get(key)!, true);
  }

  /** Removes a tab; when it was the visible one, its left neighbour is shown. */
  remove(key: string): void {
    const tab = this.tabs.get(key);
    if (!tab) return;
    const keys = [...this.tabs.keys()];
    const neighbour = keys[keys.indexOf(key) - 1] ?? keys[keys.indexOf(key) + 1];
    if (this.active === key) {
      this.setShown(tab, false);
      this.active = null;
    }
    tab.header.remove();
    tab.panel.remove();
    this.tabs.delete(key);
    if (this.active === null && neighbour !== undefined) this.select(neighbour);
  }

  private setShown(tab: Tab, shown: boolean): void {
    tab.header.setAttribute("aria-selected", String(shown));
    tab.header.classList.toggle("active", shown);
    tab.panel.hidden = !shown;
    tab.onVisible?.(shown);
  }
}
