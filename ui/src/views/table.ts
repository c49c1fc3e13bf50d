/**
 * The connection table, virtualised: whatever the number of rows, the DOM holds only the rows in
 * view (plus a few), absolutely placed in a spacer as tall as all rows. Rows have one fixed
 * height, so positions are arithmetic (virtual.ts). The header and the "Most Recent" pseudo-row
 * stay pinned above the rows. The table draws a selection; it does not decide one.
 */
import { el, setText } from "../dom";
import {
  clientText,
  elapsedMs,
  formatBytes,
  formatCount,
  formatTime,
  requestText,
  stateLook,
  targetText,
} from "../format";
import { MOST_RECENT, type Modifiers, type Selection } from "../selection";
import type { ConnectionRecord } from "../types";
import { revealScrollTop, visibleRange } from "../virtual";

/** The one source of the row height: the stylesheet reads it from --row-h, set below. */
const ROW_HEIGHT = 24;
const OVERSCAN = 8;
/** The header and "Most Recent" rows pinned above the data rows. */
const PINNED_ROWS = 2;

/** The rows a table shows: connection ids in order, and their records. */
export type RowSource = {
  ids(): readonly number[];
  record(id: number): ConnectionRecord | undefined;
};

type Column = {
  title: string;
  tip: string;
  className: string;
  text(record: ConnectionRecord, nowMicros: number): string;
};

const COLUMNS: Column[] = [
  { title: "#", tip: "Connection number", className: "c-id num", text: (r) => String(r.id) },
  { title: "State", tip: "", className: "c-state", text: (r) => stateLook(r.state).label },
  {
    title: "Time",
    tip: "When the connection was accepted",
    className: "c-time",
    text: (r) => formatTime(r.accepted_at),
  },
  { title: "Request Host", tip: "The client", className: "c-client", text: clientText },
  { title: "Target Host", tip: "Where the bytes went", className: "c-target", text: targetText },
  { title: "Request...", tip: "The first request line", className: "c-request", text: requestText },
  {
    title: "Elapsed Time",
    tip: "Milliseconds from accept to close",
    className: "c-elapsed num",
    text: (r, now) => `${formatCount(elapsedMs(r, now))} ms`,
  },
  {
    title: "Sent",
    tip: "Bytes client → server",
    className: "c-sent num",
    text: (r) => formatBytes(r.bytes[0]),
  },
  {
    title: "Received",
    tip: "Bytes server → client",
    className: "c-received num",
    text: (r) => formatBytes(r.bytes[1]),
  },
];
const STATE_COLUMN = 1;
const REQUEST_COLUMN = 5;

function rowElement(className: string, texts: string[]): HTMLElement {
  return el(
    "div",
    { class: `row ${className}`, role: "row" },
    ...texts.map((text, i) => el("span", { class: `cell ${COLUMNS[i]!.className}`, role: "gridcell" }, text)),
  );
}

export class ConnectionTable {
  readonly root: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly body: HTMLElement;
  private readonly mostRecent: HTMLElement;
  /** The row elements on screen, in row order; reused as the view scrolls. */
  private pool: HTMLElement[] = [];
  /** The record each pooled row last drew, to skip unchanged rows. */
  private drawn = new WeakMap<HTMLElement, ConnectionRecord>();
  private selection: Selection | null = null;
  private shown: number | null = null;
  /** Whether the view sits at the bottom, so new rows keep it there (like a terminal). */
  private pinnedToEnd = true;
  private lastCount = 0;

  constructor(
    private readonly rows: RowSource,
    onRowClick: (index: number, mods: Modifiers) => void,
  ) {
    const header = el(
      "div",
      { class: "row head", role: "row" },
      ...COLUMNS.map((c) =>
        el("span", { class: `cell ${c.className}`, role: "columnheader", title: c.tip || null }, c.title),
      ),
    );
    this.mostRecent = rowElement(
      "most-recent",
      COLUMNS.map((_, i) => (i === 2 ? "Most Recent" : "---")),
    );
    this.mostRecent.dataset.testid = "most-recent-row";
    this.mostRecent.dataset.index = String(MOST_RECENT);
    this.body = el("div", { class: "rows" });
    this.scroller = el(
      "div",
      {
        class: "table-scroller",
        role: "grid",
        tabindex: 0,
        "aria-label": "Connections",
        "data-testid": "connection-table",
      },
      header,
      this.mostRecent,
      this.body,
    );
    this.root = el("div", { class: "table" }, this.scroller);
    this.root.style.setProperty("--row-h", `${ROW_HEIGHT}px`);

    this.scroller.addEventListener("click", (e) => {
      const row = (e.target as Element).closest<HTMLElement>(".row[data-index]");
      if (!row) return;
      onRowClick(Number(row.dataset.index), { toggle: e.ctrlKey || e.metaKey, extend: e.shiftKey });
    });
    let frame = 0;
    this.scroller.addEventListener("scroll", () => {
      this.pinnedToEnd = this.atEnd();
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), this.render()));
    });
    new ResizeObserver(() => this.render()).observe(this.scroller);
  }

  setSelection(selection: Selection, shown: number | null): void {
    this.selection = selection;
    this.shown = shown;
  }

  /** Redraws the rows in view; cheap enough to call on every change and every second. */
  render(): void {
    const ids = this.rows.ids();
    if (ids.length !== this.lastCount) {
      this.body.style.height = `${ids.length * ROW_HEIGHT}px`;
      this.scroller.setAttribute("aria-rowcount", String(ids.length + 1));
      if (this.pinnedToEnd && ids.length > this.lastCount)
        this.scroller.scrollTop = this.scroller.scrollHeight;
      this.lastCount = ids.length;
    }
    const { first, last } = visibleRange(
      this.scroller.scrollTop,
      this.viewportHeight(),
      ROW_HEIGHT,
      ids.length,
      OVERSCAN,
    );
    const needed = Math.max(0, last - first + 1);
    while (this.pool.length < needed) {
      const row = rowElement(
        "",
        COLUMNS.map(() => ""),
      );
      row.dataset.testid = "connection-row";
      this.body.append(row);
      this.pool.push(row);
    }
    for (const row of this.pool.splice(needed)) row.remove();

    const now = Date.now() * 1000;
    this.pool.forEach((row, k) => {
      const index = first + k;
      const id = ids[index]!;
      const record = this.rows.record(id);
      if (row.dataset.index !== String(index)) {
        row.dataset.index = String(index);
        row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      }
      if (record) this.drawRecord(row, record, now);
      this.drawSelection(row, id);
    });
    const following = this.selection?.follow ?? false;
    this.mostRecent.classList.toggle("selected", following);
    this.mostRecent.setAttribute("aria-selected", String(following));
  }

  private drawRecord(row: HTMLElement, record: ConnectionRecord, now: number): void {
    if (this.drawn.get(row) === record && record.closed_at !== null) return;
    this.drawn.set(row, record);
    row.dataset.id = String(record.id);
    const cells = row.children;
    COLUMNS.forEach((column, i) => setText(cells[i]!, column.text(record, now)));
    const look = stateLook(record.state);
    cells[STATE_COLUMN]!.className = `cell ${COLUMNS[STATE_COLUMN]!.className} tone-${look.tone}`;
    cells[STATE_COLUMN]!.setAttribute("title", look.title);
    cells[REQUEST_COLUMN]!.setAttribute("title", requestText(record));
    row.classList.toggle("resent", record.resend_of !== null);
  }

  private drawSelection(row: HTMLElement, id: number): void {
    const selected = this.selection?.ids.has(id) ?? false;
    row.classList.toggle("selected", selected);
    row.classList.toggle("shown", id === this.shown);
    row.setAttribute("aria-selected", String(selected));
  }

  /** Scrolls so row `index` is in view (the pinned "Most Recent" row always is). */
  reveal(index: number): void {
    // "Most Recent" follows the newest row, as a click on it does.
    if (index === MOST_RECENT) return this.scrollToEnd();
    const top = revealScrollTop(index, this.scroller.scrollTop, this.viewportHeight(), ROW_HEIGHT);
    if (top !== null) this.scroller.scrollTop = top;
  }

  scrollToEnd(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** How many rows one PageUp/PageDown moves. */
  pageRows(): number {
    return Math.max(1, Math.floor(this.viewportHeight() / ROW_HEIGHT) - 1);
  }

  focus(): void {
    this.scroller.focus({ preventScroll: true });
  }

  /** The height left for data rows under the pinned ones. */
  private viewportHeight(): number {
    return this.scroller.clientHeight - PINNED_ROWS * ROW_HEIGHT;
  }

  private atEnd(): boolean {
    const s = this.scroller;
    return s.scrollTop + s.clientHeight >= s.scrollHeight - ROW_HEIGHT / 2;
  }
}
