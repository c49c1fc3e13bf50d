/** The window's frame: the tab strip with the Open Session button, the notices, the panels and the status line. */
import { el } from "../dom";
import { StatusLine } from "./statusLine";
import { TabBar } from "./tabs";

export class AppFrame {
  readonly status = new StatusLine();
  readonly tabs = new TabBar();
  readonly openButton = el(
    "button",
    { type: "button", "data-testid": "open-session", title: "Open a saved session or a HAR file, read-only" },
    "Open Session…",
  );
  /** Notices above the tabs (captures a crash left); empty most of the time. */
  readonly notices = el("div", { class: "notices" });

  /** Replaces the page's content with the frame. */
  mount(): void {
    document.body.replaceChildren(
      el(
        "div",
        { class: "app" },
        el("header", { class: "tabbar" }, this.tabs.strip, el("div", { class: "tabbar-actions" }, this.openButton)),
        this.notices,
        this.tabs.panels,
        this.status.root,
      ),
    );
  }
}
