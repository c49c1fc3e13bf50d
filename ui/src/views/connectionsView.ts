/**
 * What listener tabs and session tabs share: the connection table, the two panes of the shown
 * connection, the selection, and the actions on rows (save; for live tabs also remove, edit
 * and resend). It reads rows through a RowSource and never knows where they come from.
 */
import { el } from "../dom";
import { ipc } from "../ipc";
import type { KeyAction } from "../keyboard";
import {
  FOLLOW,
  MOST_RECENT,
  click,
  move,
  prune,
  selectOnly,
  selectedIds,
  shownId,
  type Modifiers,
  type Selection,
} from "../selection";
import type { SettingsKeeper } from "../settings";
import type { CommandError, SaveFormat } from "../types";
import { Panes } from "./panes";
import { splitter } from "./splitter";
import type { StatusLine } from "./statusLine";
import { ConnectionTable, type RowSource } from "./table";

export type ConnectionsViewOptions = {
  /** The session the rows come from; null for the live engine. */
  session: number | null;
  rows: RowSource;
  settings: SettingsKeeper;
  status: StatusLine;
  /** Live rows can be removed, edited and resent; a session's cannot. */
  live: boolean;
  onClose: () => void;
};

/** Open rows' elapsed time keeps counting on screen. */
const TICK_MS = 1000;

const plural = (n: number) => `${n} connection${n === 1 ? "" : "s"}`;

export class ConnectionsView {
  readonly root: HTMLElement;
  private readonly table: ConnectionTable;
  private readonly panes: Panes;
  private selection: Selection = FOLLOW;
  /** Ids written to a file by Save: closing asks only when some row is not among them. */
  private readonly saved = new Set<number>();
  /** A resend's new connection, selected as soon as its row appears. */
  private pendingSelect: number | null = null;
  /** Where removed rows were, so the row that takes their place gets selected. */
  private removedAt: number | null = null;
  private visible = false;
  /** Something changed while hidden: redraw all on show. */
  private stale = true;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly buttons: Record<string, HTMLButtonElement> = {};
  private readonly saveFormat: HTMLSelectElement;
  /** Lets go of settings and timers once the tab is closed. */
  readonly dispose: () => void;

  constructor(private readonly options: ConnectionsViewOptions) {
    const { settings, live } = options;
    this.table = new ConnectionTable(options.rows, (index, mods) => this.clickRow(index, mods));
    this.panes = new Panes(settings, live ? () => this.pinShown() : null);

    const button = (testid: string, label: string, title: string, run: () => void) => {
      const b = el("button", { type: "button", "data-testid": testid, title }, label);
      b.addEventListener("click", run);
      this.buttons[testid] = b;
      return b;
    };
    this.saveFormat = el(
      "select",
      { "data-testid": "save-format", "aria-label": "Save format" },
      el("option", { value: "session", selected: settings.current.save_format === "session" }, "Session"),
      el("option", { value: "text", selected: settings.current.save_format === "text" }, "TCPMon text"),
    );
    this.saveFormat.addEventListener("change", () =>
      settings.update({ save_format: this.saveFormat.value as SaveFormat }),
    );
    const unfollow = settings.onChange((s) => (this.saveFormat.value = s.save_format));
    this.dispose = () => {
      unfollow();
      this.panes.dispose();
      clearInterval(this.ticker);
    };

    const actions = el(
      "div",
      { class: "toolbar actions" },
      live &&
        button(
          "remove-selected",
          "Remove Selected",
          "Remove the selected rows (Delete)",
          () => void this.removeSelected(),
        ),
      live && button("remove-all", "Remove All", "Remove every row of this tab", () => void this.removeAll()),
      live && el("span", { class: "divider" }),
      el(
        "span",
        { class: "joined" },
        button(
          "save",
          "Save",
          "Save the selected rows, or all when none is selected (Ctrl+S)",
          () => void this.save(),
        ),
        this.saveFormat,
      ),
      live &&
        button(
          "resend",
          "Resend",
          "Send the shown request again, as edited (Ctrl+R)",
          () => void this.resend(),
        ),
      button("switch-layout", "Switch Layout", "Panes side by side or stacked (Ctrl+L)", () =>
        this.switchLayout(),
      ),
      el("span", { class: "spacer" }),
      button("close-tab", "Close", "Close this tab", options.onClose),
    );
    const upper = el("div", { class: "upper" }, this.table.root, actions);
    this.root = el(
      "div",
      { class: "connections" },
      upper,
      splitter(upper, () => true),
      this.panes.root,
    );
  }

  /** Brings the view up to date; `structural` when rows were added or removed. */
  update(changed: ReadonlySet<number> | null, structural: boolean): void {
    if (!this.visible) {
      this.stale = true;
      return;
    }
    const { rows } = this.options;
    if (structural) {
      this.selection = prune(this.selection, (id) => rows.record(id) !== undefined);
      this.selectReplacementOfRemoved();
    }
    this.selectPendingResend();
    const ids = rows.ids();
    const shown = shownId(this.selection, ids);
    this.table.setSelection(this.selection, shown);
    this.table.render();
    const record = shown === null ? undefined : rows.record(shown);
    this.panes.show(record ? { session: this.options.session, record } : null);
    if (shown !== null && changed?.has(shown)) this.panes.refreshSoon();
    this.updateButtons(ids.length, shown);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    clearInterval(this.ticker);
    if (!visible) return;
    this.ticker = setInterval(() => this.table.render(), TICK_MS);
    if (this.stale) {
      this.stale = false;
      this.update(null, true);
    }
    this.table.focus();
  }

  /** Rows never written to a file. O(rows), asked only when closing. */
  unsavedCount(): number {
    return this.options.rows.ids().filter((id) => !this.saved.has(id)).length;
  }

  handleKey(action: KeyAction): void {
    switch (action.kind) {
      case "move": {
        const rows = this.options.rows.ids();
        const distance =
          action.step === "row" ? 1 : action.step === "page" ? this.table.pageRows() : Infinity;
        const { selection, index } = move(this.selection, rows, action.dir * distance, action.extend);
        this.select(selection);
        this.table.reveal(index);
        return;
      }
      case "resend":
        if (this.options.live) void this.resend();
        return;
      case "save":
        void this.save();
        return;
      case "switch-layout":
        this.switchLayout();
        return;
      case "remove-selected":
        if (this.options.live) void this.removeSelected();
        return;
      case "open":
        this.panes.response.focus();
        return;
      case "back":
        this.table.focus();
        return;
    }
  }

  private clickRow(index: number, mods: Modifiers): void {
    this.select(click(this.selection, this.options.rows.ids(), index, mods));
    if (index === MOST_RECENT) this.table.scrollToEnd();
  }

  /** Stops following Most Recent, so a new connection does not replace the request being edited. */
  private pinShown(): void {
    const shown = shownId(this.selection, this.options.rows.ids());
    if (this.selection.follow && shown !== null) this.select(selectOnly(shown));
  }

  private select(selection: Selection): void {
    this.selection = selection;
    this.update(null, false);
  }

  private selectPendingResend(): void {
    if (this.pendingSelect === null || !this.options.rows.record(this.pendingSelect)) return;
    this.selection = selectOnly(this.pendingSelect);
    this.pendingSelect = null;
    this.table.reveal(this.options.rows.ids().indexOf(this.selection.lead!));
  }

  private selectReplacementOfRemoved(): void {
    if (this.removedAt === null || this.selection.ids.size > 0 || this.selection.follow) return;
    const ids = this.options.rows.ids();
    const id = ids[Math.min(this.removedAt, ids.length - 1)];
    this.selection = id === undefined ? FOLLOW : selectOnly(id);
    this.removedAt = null;
  }

  private updateButtons(rowCount: number, shown: number | null): void {
    const enable = (testid: string, on: boolean) => {
      const b = this.buttons[testid];
      if (b) b.disabled = !on;
    };
    enable("remove-selected", this.selection.ids.size > 0);
    enable("remove-all", rowCount > 0);
    enable("save", rowCount > 0);
    enable("resend", shown !== null);
  }

  private report(what: string, error: unknown): void {
    this.options.status.error(`${what}: ${(error as CommandError).message ?? error}`);
  }

  private async removeSelected(): Promise<void> {
    const ids = selectedIds(this.selection);
    if (ids.length === 0) return;
    this.removedAt = this.options.rows.ids().indexOf(ids[0]!);
    try {
      await ipc.removeConnections(ids);
    } catch (error) {
      this.removedAt = null;
      this.report("Could not remove the rows", error);
    }
  }

  private async removeAll(): Promise<void> {
    const ids = [...this.options.rows.ids()];
    if (ids.length === 0) return;
    this.select(FOLLOW);
    try {
      await ipc.removeConnections(ids);
    } catch (error) {
      this.report("Could not remove the rows", error);
    }
  }

  private async save(): Promise<void> {
    const ids = this.selection.ids.size > 0 ? selectedIds(this.selection) : [...this.options.rows.ids()];
    if (ids.length === 0) return;
    const format = this.saveFormat.value as SaveFormat;
    try {
      const result = await ipc.saveConnections(this.options.session, ids, format);
      if (result === null) return;
      for (const id of ids) this.saved.add(id);
      this.options.status.message(`Saved ${plural(result.count)} to ${result.path}`);
    } catch (error) {
      this.report("Could not save", error);
    }
  }

  private async resend(): Promise<void> {
    const shown = shownId(this.selection, this.options.rows.ids());
    if (shown === null) return;
    try {
      this.pendingSelect = await ipc.resend(shown, this.panes.request.editedText());
      this.update(null, false);
    } catch (error) {
      this.report(`Could not resend #${shown}`, error);
    }
  }

  private switchLayout(): void {
    const { settings } = this.options;
    settings.update({ layout: settings.current.layout === "side" ? "stacked" : "side" });
  }
}
