/**
 * What listener tabs, session tabs and the Sender share: the table of rows (one per HTTP
 * exchange, one per connection without any; rows.ts), the search box that filters them, the two
 * panes of the shown row, the selection, and the actions on rows (save and export, compare; for
 * live tabs also remove, edit and resend). It reads connections through a ConnectionSource and never knows
 * where they come from.
 */
import { compareTargets } from "../compare";
import { el, setText } from "../dom";
import { errorText, plural, savedUnit, tlsSides, type TlsSide } from "../format";
import { ipc } from "../ipc";
import type { KeyAction } from "../keyboard";
import {
  exchangesOf,
  matchesFrom,
  parseRowKey,
  rowCount,
  rowExchange,
  rowKey,
  rowRef,
  rulesOn,
  TabRows,
  type RowKey,
} from "../rows";
import {
  FOLLOW,
  MOST_RECENT,
  click,
  move,
  prune,
  selectOnly,
  selectedIndexes,
  shownId,
  type Modifiers,
  type Selection,
} from "../selection";
import type { SettingsKeeper } from "../settings";
import { rowsOf, type Store } from "../store";
import type { ConnectionRecord, PausedMessage, RowRef } from "../types";
import { Panes, type PaneTarget } from "./panes";
import { PausedEditor } from "./pausedEditor";
import { openCompare } from "./compareView";
import { RowActions } from "./rowActions";
import { SearchBox } from "./searchBox";
import { splitter } from "./splitter";
import type { StatusLine } from "./statusLine";
import { ConnectionTable } from "./table";
import { WsMessages } from "./wsMessages";

/** A tab's connections: their ids in arrival order, and their records (undefined: not this tab's). */
export type ConnectionSource = {
  ids(): readonly number[];
  record(id: number): ConnectionRecord | undefined;
};

/** One listener's live rows from the store (the Sender's too: listener 0). */
export function listenerSource(store: Store, listener: number): ConnectionSource {
  return {
    ids: () => rowsOf(store.state, listener),
    record: (id) => {
      const record = store.state.records.get(id);
      return record?.listener === listener ? record : undefined;
    },
  };
}

export type ConnectionsViewOptions = {
  /** The session the rows come from; null for the live engine. */
  session: number | null;
  source: ConnectionSource;
  settings: SettingsKeeper;
  status: StatusLine;
  /** Live rows can be removed, edited and resent; a session's cannot. */
  live: boolean;
  /** Closes the tab; null for a tab that stays (the Sender). */
  onClose: (() => void) | null;
  /** A listener's tab: the message of row k of connection `id` waiting at a breakpoint, if any. */
  paused?: (id: number, k: number) => PausedMessage | undefined;
};

/** Open rows' durations keep counting on screen. */
const TICK_MS = 1000;

/** A fact of a certificate: its term and its value, as text (a certificate says anything). */
const certRow = (term: string, value: string, title?: string) => [
  el("dt", {}, term),
  el("dd", { title }, value),
];

export class ConnectionsView {
  readonly root: HTMLElement;
  /** The search box with its count and error, for the tab to place in its toolbar. */
  readonly searchBox: HTMLElement;
  private readonly table: ConnectionTable;
  private readonly panes: Panes;
  private readonly rows: TabRows;
  private readonly search: SearchBox;
  private readonly actions: RowActions;
  private readonly exchangeNote: HTMLElement;
  /** The faults that acted on the shown connection (a listener's injected faults). */
  private readonly faultsNote: HTMLElement;
  /** What rules and breakpoints did to the shown exchange. */
  private readonly rulesNote: HTMLElement;
  /** The shown exchange's WebSocket messages, when it became a WebSocket. */
  private readonly messages: WsMessages;
  /** The shown row's paused message, editable (listener tabs only). */
  private readonly editor: PausedEditor | null;
  /** The shown connection's TLS facts, per side that spoke TLS. */
  private readonly tlsDetails: HTMLElement;
  /** The sides whose certificate chain the user opened, kept open from connection to connection. */
  private readonly chainsOpen = new Set<TlsSide["side"]>();
  private selection: Selection<RowKey> = FOLLOW;
  /** Connection ids written to a file by Save: closing asks only when some row is not among them. */
  private readonly saved = new Set<number>();
  /** A resend's new connection, selected as soon as its row appears. */
  private pendingSelect: number | null = null;
  /** Where removed rows were, so the row that takes their place gets selected. */
  private removedAt: number | null = null;
  private visible = false;
  /** Something changed while hidden: redraw all on show. */
  private stale = true;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: ConnectionsViewOptions) {
    const { settings, live, source } = options;
    this.rows = new TabRows(source.ids, source.record);
    this.table = new ConnectionTable(
      { rows: () => this.rows.shown, record: source.record, paused: options.paused },
      (index, mods) => this.clickRow(index, mods),
    );
    this.panes = new Panes(settings, live ? () => this.pinShown() : null);
    this.search = new SearchBox(
      async (query) => (await ipc.search(options.session, query)).rows,
      (rows) => this.applyMatches(rows),
    );
    this.searchBox = this.search.root;
    this.actions = new RowActions(settings, live, {
      removeSelected: () => void this.removeSelected(),
      removeAll: () => void this.removeAll(),
      save: () => void this.save(),
      resend: () => void this.resend(),
      mock: () => void this.mock(),
      compare: () => this.compare(),
      switchLayout: () => this.switchLayout(),
      close: options.onClose,
    });
    this.exchangeNote = el("div", {
      class: "exchange-note",
      "data-testid": "exchange-note",
      role: "note",
      hidden: true,
    });
    this.faultsNote = el("div", {
      class: "exchange-note",
      "data-testid": "connection-faults",
      role: "note",
      hidden: true,
    });
    this.rulesNote = el("div", {
      class: "exchange-note",
      "data-testid": "exchange-rules",
      role: "note",
      hidden: true,
    });
    this.tlsDetails = el("div", {
      class: "tls-details",
      "data-testid": "tls-details",
      "aria-label": "TLS",
      hidden: true,
    });
    this.messages = new WsMessages(() => this.update(null, false), live);
    this.editor = options.paused ? new PausedEditor(() => this.pinShown()) : null;
    const upper = el("div", { class: "upper" }, this.table.root, this.actions.root);
    this.root = el(
      "div",
      { class: "connections" },
      upper,
      splitter(upper, () => true),
      this.tlsDetails,
      this.exchangeNote,
      this.faultsNote,
      this.rulesNote,
      this.editor?.root,
      this.messages.root,
      this.panes.root,
    );
  }

  /** Lets go of settings and timers once the tab is closed. */
  dispose(): void {
    this.actions.dispose();
    this.panes.dispose();
    this.messages.dispose();
    this.search.dispose();
    clearInterval(this.ticker);
  }

  /**
   * Brings the view up to date. `changed`: connections whose records changed; `structural`: rows
   * came or went; `reshaped`: not only at the end; `resized`: the connections whose row count
   * changed, when known (their rows are spliced rather than all rebuilt).
   */
  update(
    changed: ReadonlySet<number> | null,
    structural: boolean,
    reshaped = structural,
    resized: ReadonlySet<number> | null = null,
  ): void {
    if (!this.visible) {
      this.stale = true;
      return;
    }
    if (structural) this.rows.sync(reshaped, resized);
    if (this.search.query !== "" && (structural || this.touchesRows(changed))) this.search.stale();
    if (structural) {
      this.selection = prune(this.selection, (key) => this.exists(key));
      this.selectReplacementOfRemoved();
    }
    this.selectPendingResend();
    this.draw(changed);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    clearInterval(this.ticker);
    if (!visible) return;
    this.ticker = setInterval(() => this.table.render(), TICK_MS);
    if (this.stale) {
      this.stale = false;
      this.update(null, true, true);
      this.search.stale();
    }
    this.table.focus();
  }

  /** Selects connection `id`'s first row as soon as it appears (a request just sent). */
  selectWhenShown(id: number): void {
    this.pendingSelect = id;
    if (this.visible) this.update(null, false);
  }

  /** Selects row `key` (a paused message's, from its notice) and puts the caret in its editor. */
  showPaused(key: RowKey): void {
    this.selection = selectOnly(key);
    const index = this.rows.shown.indexOf(key);
    if (index >= 0) this.table.reveal(index);
    this.update(null, false);
    this.editor?.focus();
  }

  /** Connections never written to a file. O(connections), asked only when closing. */
  unsavedCount(): number {
    return this.options.source.ids().filter((id) => !this.saved.has(id)).length;
  }

  handleKey(action: KeyAction): void {
    switch (action.kind) {
      case "move": {
        const rows = this.rows.shown;
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
      case "find":
        this.search.focus();
        return;
      case "open":
        this.panes.response.focus();
        return;
      case "back":
        this.table.focus();
        return;
    }
  }

  /** Redraws the table, the panes and the buttons for the current rows and selection. */
  private draw(changed: ReadonlySet<number> | null): void {
    const rows = this.rows.shown;
    const shown = shownId(this.selection, rows);
    this.table.setSelection(this.selection, shown);
    this.table.render();
    const target = shown === null ? null : this.targetOf(shown);
    this.messages.show(target?.exchange == null ? null : { ...target, exchange: target.exchange });
    this.panes.show(target === null ? null : { ...target, message: this.messages.selectedMessage() });
    if (shown !== null && this.options.paused) {
      const { id, k } = parseRowKey(shown);
      this.editor?.show(this.options.paused(id, k));
    } else this.editor?.show(undefined);
    if (target !== null && changed?.has(target.record.id)) this.panes.refreshSoon();
    const note = target?.exchange == null ? null : (rowExchange(target.record, target.exchange)?.note ?? null);
    this.exchangeNote.hidden = note === null;
    setText(this.exchangeNote, note === null ? "" : `⚠ Exchange ${target!.exchange! + 1}: ${note}`);
    this.drawTls(target?.record ?? null);
    const faults = target?.record.faults ?? [];
    this.faultsNote.hidden = faults.length === 0;
    setText(this.faultsNote, faults.length === 0 ? "" : `⚡ Faults: ${faults.map((f) => f.what).join("; ")}`);
    const acted = target?.exchange == null ? [] : rulesOn(target.record, target.exchange);
    this.rulesNote.hidden = acted.length === 0;
    setText(this.rulesNote, acted.length === 0 ? "" : `✎ Changed by TCPMon: ${acted.join("; ")}`);
    this.updateButtons(rows.length, shown);
    this.search.showCount(this.rows.filtered, this.rows.shown.length, this.rows.all.length);
  }

  /** The TLS section: a part per side of the shown connection that spoke TLS, drawn when it changed. */
  private drawTls(record: ConnectionRecord | null): void {
    const sides = record === null ? [] : tlsSides(record);
    const key = JSON.stringify(sides);
    if (this.tlsDetails.dataset.shown === key) return;
    this.tlsDetails.dataset.shown = key;
    this.tlsDetails.hidden = sides.length === 0;
    this.tlsDetails.replaceChildren(
      ...sides.flatMap((side) => [
        el(
          "div",
          { "data-testid": `tls-${side.side}` },
          el("span", { class: "label" }, `🔒 ${side.title}: `),
          el("span", { class: "tls-side" }, `${side.text} · `),
          el("span", { class: side.warn ? "tls-side tls-warn" : "tls-side" }, side.trust),
        ),
        ...(side.chain.length === 0 ? [] : [this.chainOf(side)]),
      ]),
    );
  }

  /** A side's certificates, closed to one summary line unless the user opened that side's before. */
  private chainOf({ side, chain }: TlsSide): HTMLElement {
    const [leaf] = chain;
    const count = chain.length === 1 ? "Certificate" : `${chain.length} certificates`;
    const details = el(
      "details",
      { class: "tls-chain", "data-testid": `tls-${side}-chain` },
      el("summary", {}, `${count}: ${leaf!.subject}`),
      ...chain.map((cert) =>
        el(
          "dl",
          { class: "tls-cert" },
          ...certRow(cert.role, cert.subject),
          ...certRow("issuer", cert.issuer),
          ...certRow("names", cert.names, cert.allNames),
          ...certRow("valid", cert.validity),
          ...certRow("SHA-256", cert.sha256),
        ),
      ),
    );
    details.open = this.chainsOpen.has(side);
    details.addEventListener("toggle", () => {
      if (details.open) this.chainsOpen.add(side);
      else this.chainsOpen.delete(side);
    });
    return details;
  }

  /** Whether a row still exists (and passes the filter): its connection is here and has row k. */
  private exists(key: RowKey): boolean {
    const { id, k } = parseRowKey(key);
    const record = this.options.source.record(id);
    return record !== undefined && k < rowCount(record) && this.rows.passes(id, k);
  }

  private targetOf(key: RowKey): PaneTarget | null {
    const { id, k } = parseRowKey(key);
    const record = this.options.source.record(id);
    if (!record) return null;
    return { session: this.options.session, record, exchange: exchangesOf(record).length > 0 ? k : null };
  }

  /** Whether any of `changed` is a connection of this tab. */
  private touchesRows(changed: ReadonlySet<number> | null): boolean {
    if (changed === null) return false;
    for (const id of changed) if (this.options.source.record(id)) return true;
    return false;
  }

  /** A query was accepted: its matches (null: all rows) become the rows shown. */
  private applyMatches(rows: RowRef[] | null): void {
    this.rows.setMatches(rows === null ? null : matchesFrom(rows));
    this.selection = prune(this.selection, (key) => this.exists(key));
    if (this.visible) this.draw(null);
  }

  private clickRow(index: number, mods: Modifiers): void {
    this.select(click(this.selection, this.rows.shown, index, mods));
    if (index === MOST_RECENT) this.table.scrollToEnd();
  }

  /** Stops following Most Recent, so a new connection does not replace the request being edited. */
  private pinShown(): void {
    const shown = shownId(this.selection, this.rows.shown);
    if (this.selection.follow && shown !== null) this.select(selectOnly(shown));
  }

  private select(selection: Selection<RowKey>): void {
    this.selection = selection;
    this.update(null, false);
  }

  private selectPendingResend(): void {
    if (this.pendingSelect === null || !this.options.source.record(this.pendingSelect)) return;
    const key = rowKey(this.pendingSelect, 0);
    this.selection = selectOnly(key);
    this.pendingSelect = null;
    const index = this.rows.shown.indexOf(key);
    if (index >= 0) this.table.reveal(index);
  }

  private selectReplacementOfRemoved(): void {
    if (this.removedAt === null || this.selection.ids.size > 0 || this.selection.follow) return;
    const rows = this.rows.shown;
    const key = rows.at(Math.min(this.removedAt, rows.length - 1));
    this.selection = key === undefined ? FOLLOW : selectOnly(key);
    this.removedAt = null;
  }

  private updateButtons(rowCount: number, shown: RowKey | null): void {
    const { actions } = this;
    actions.enable("remove-selected", this.selection.ids.size > 0);
    actions.enable("remove-all", this.options.source.ids().length > 0);
    actions.enable("save", rowCount > 0);
    actions.enable("resend", shown !== null);
    actions.enable("mock-from-row", this.mockTarget(shown) !== null);
    actions.enable("compare", this.compareTargets() !== null);
  }

  /** The two selected exchanges, when exactly two exchange rows are selected. */
  private compareTargets() {
    return this.selection.ids.size === 2 ? compareTargets(this.selectedRows().refs) : null;
  }

  private compare(): void {
    const targets = this.compareTargets();
    if (targets !== null) openCompare(this.options.session, ...targets);
  }

  private report(what: string, error: unknown): void {
    this.options.status.error(`${what}: ${errorText(error)}`);
  }

  /** The selected rows in table order, as the shell names them, with their connections' ids. */
  private selectedRows(): { ids: number[]; refs: RowRef[]; first: number } {
    const rows = this.rows.shown;
    const indexes = selectedIndexes(this.selection, rows);
    return { ...this.refsOf(indexes.map((i) => [rows.conn(i), rows.place(i)])), first: indexes[0] ?? -1 };
  }

  private refsOf(places: Array<[number, number]>): { ids: number[]; refs: RowRef[] } {
    const ids: number[] = [];
    const refs: RowRef[] = [];
    for (const [id, k] of places) {
      const record = this.options.source.record(id);
      if (!record) continue;
      if (ids[ids.length - 1] !== id) ids.push(id);
      refs.push(rowRef(record, k));
    }
    return { ids, refs };
  }

  private async removeSelected(): Promise<void> {
    const { ids, first } = this.selectedRows();
    if (ids.length === 0) return;
    this.removedAt = first;
    try {
      await ipc.removeConnections(ids);
    } catch (error) {
      this.removedAt = null;
      this.report("Could not remove the rows", error);
    }
  }

  private async removeAll(): Promise<void> {
    const ids = [...this.options.source.ids()];
    if (ids.length === 0) return;
    this.select(FOLLOW);
    try {
      await ipc.removeConnections(ids);
    } catch (error) {
      this.report("Could not remove the rows", error);
    }
  }

  /**
   * Saves the selected rows; without a selection, the rows a filter shows, or every connection.
   * Rows narrow text, HAR and curl to their exchanges; a session holds whole connections.
   */
  private async save(): Promise<void> {
    let ids: number[];
    let refs: RowRef[] | null = null;
    if (this.selection.ids.size > 0) {
      ({ ids, refs } = this.selectedRows());
    } else if (this.rows.filtered) {
      const rows = this.rows.shown;
      ({ ids, refs } = this.refsOf(Array.from({ length: rows.length }, (_, i) => [rows.conn(i), rows.place(i)])));
    } else {
      ids = [...this.options.source.ids()];
    }
    if (ids.length === 0) return;
    const format = this.actions.format;
    // The outcome of an earlier save must not stand for this one while its dialog is open or
    // while a large capture is written.
    const status = this.options.status;
    status.message(`Saving ${refs === null ? plural(ids.length, "connection") : plural(refs.length, "row")}…`);
    try {
      const result = await ipc.saveConnections(this.options.session, ids, format, refs);
      if (result === null) {
        status.message("");
        return;
      }
      for (const id of ids) this.saved.add(id);
      status.message(`Saved ${plural(result.count, savedUnit(format, refs))} to ${result.path}`);
    } catch (error) {
      this.report("Could not save", error);
    }
  }

  private async resend(): Promise<void> {
    const shown = shownId(this.selection, this.rows.shown);
    const target = shown === null ? null : this.targetOf(shown);
    if (target === null) return;
    const { record, exchange } = target;
    try {
      this.selectWhenShown(await ipc.resend(record.id, this.panes.request.editedText(), exchange));
    } catch (error) {
      this.report(`Could not resend #${record.id}`, error);
    }
  }

  /** The shown exchange when it is answered and the tab is live: what "Mock" makes a rule of. */
  private mockTarget(shown: RowKey | null): { id: number; exchange: number } | null {
    const target = shown === null || this.options.session !== null ? null : this.targetOf(shown);
    if (target === null || target.exchange === null) return null;
    const exchange = rowExchange(target.record, target.exchange);
    return exchange?.status == null ? null : { id: target.record.id, exchange: target.exchange };
  }

  private async mock(): Promise<void> {
    const target = this.mockTarget(shownId(this.selection, this.rows.shown));
    if (target === null) return;
    try {
      const listener = await ipc.mockFromRow(target.id, target.exchange);
      const rules = JSON.parse(listener.config.rules?.text ?? "[]") as Array<{ when: string }>;
      const port = listener.local_addr ?? `port ${listener.config.port}`;
      this.options.status.message(
        `Rule ${rules.length} of ${port}: mock for "${rules[rules.length - 1]?.when ?? ""}", from its next connection on`,
      );
    } catch (error) {
      this.report(`Could not mock #${target.id}`, error);
    }
  }

  private switchLayout(): void {
    const { settings } = this.options;
    settings.update({ layout: settings.current.layout === "side" ? "stacked" : "side" });
  }
}
