/** A saved session opened from a file: its rows, read-only (no start, stop, remove or resend). */
import { el } from "../dom";
import type { SettingsKeeper } from "../settings";
import type { OpenedSession } from "../types";
import { ConnectionsView } from "./connectionsView";
import type { StatusLine } from "./statusLine";

export function sessionTab(
  opened: OpenedSession,
  deps: { settings: SettingsKeeper; status: StatusLine; onClose: () => void },
): { panel: HTMLElement; view: ConnectionsView } {
  const ids = opened.connections.map((c) => c.id);
  const records = new Map(opened.connections.map((c) => [c.id, c]));
  const view = new ConnectionsView({
    session: opened.session,
    source: { ids: () => ids, record: (id) => records.get(id) },
    settings: deps.settings,
    status: deps.status,
    live: false,
    onClose: deps.onClose,
  });
  const panel = el(
    "section",
    { "data-testid": "session-panel", "data-session": opened.session },
    el(
      "div",
      { class: "toolbar session-bar" },
      el("span", { class: "badge" }, "Session (read-only)"),
      el("span", { class: "session-name" }, opened.name),
      opened.note !== null && el("span", { class: "badge warn", "data-testid": "session-note" }, opened.note),
      el("span", { class: "spacer" }),
      view.searchBox,
    ),
    view.root,
  );
  return { panel, view };
}
