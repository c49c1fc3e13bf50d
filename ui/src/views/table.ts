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
  exchangeDurationMs,
  exchangeHost,
  exchangeLook,
  exchangeUrl,
  formatBytes,
  formatClock,
  formatCount,
  formatInstant,
  requestText,
  rowWarning,
  spanTip,
  stateLook,
  statusClass,
  exchangeStatusText,
  grpcStatus,
  targetText,
  tlsMark,
  websocketText,
  eventsText,
} from "../format";
import { rowCount, rowExchange, type RowKey, type RowList } from "../rows";
import { MOST_RECENT, type Modifiers, type Selection } from "../selection";
import type { ConnectionRecord, Exchange, PausedMessage } from "../types";
import { revealScrollTop, visibleRange } from "../virtual";

/** The one source of the row height: the stylesheet reads it from --row-h, set below. */
const ROW_HEIGHT = 24;
const OVERSCAN = 8;
/** The header and "Most Recent" rows pinned above the data rows. */
const PINNED_ROWS = 2;

/** The rows a table shows (rows.ts), the records they come from, and what waits at a breakpoint. */
export type RowSource = {
  rows(): RowList;
  record(id: number): ConnectionRecord | undefined;
  /** The message of row k of connection `id` paused at a breakpoint, if one is (live tabs). */
  paused?(id: number, k: number): PausedMessage | undefined;
};

/**
 * One row as the columns see it: an exchange of a connection, or a connection without any, and
 * what is off about it (rowWarning).
 */
type RowView = {
  record: ConnectionRecord;
  exchange: Exchange | null;
  warning: string | null;
  paused: PausedMessage | undefined;
};

type Column = {
  title: string;
  tip: string;
  className: string;
  text(row: RowView, nowMicros: number): string;
  /** The cell's tooltip, when it says more than the text. */
  tooltip?(row: RowView): string;
};

const COLUMNS: Column[] = [
  { title: "#", tip: "Connection number", className: "c-id num", text: ({ record }) => String(record.id) },
  {
    title: "State",
    tip: "How far the exchange (or the connection) got",
    className: "c-state",
    text: (row) => (row.paused ? `⏸ paused ${row.paused.phase}` : look(row).label),
    tooltip: (row) =>
      row.paused
        ? `Paused at rule ${row.paused.rule}: select the row to edit it, then continue, drop or respond`
        : look(row).title,
  },
  {
    title: "Time",
    tip: "When the request began (a raw connection: when it was accepted)",
    className: "c-time",
    text: ({ record, exchange }) => formatClock(exchange?.request.first_at ?? record.accepted_at),
    tooltip: ({ record, exchange }) => formatInstant(exchange?.request.first_at ?? record.accepted_at),
  },
  { title: "Client", tip: "Who connected", className: "c-client", text: ({ record }) => clientText(record) },
  {
    title: "Host",
    tip: "The request's Host (a raw connection: where the bytes went); 🔒: TLS on the connection",
    // c-target: the class of this column's predecessor, Target Host, kept for existing selectors.
    className: "c-host c-target",
    text: ({ record, exchange }) =>
      tlsMark(record) + (exchange ? exchangeHost(exchange, record) : targetText(record)),
    tooltip: ({ record }) => `Connection to ${targetText(record)}`,
  },
  { title: "Method", tip: "", className: "c-method", text: ({ exchange }) => exchange?.method ?? "" },
  {
    title: "URL",
    tip: "The request's URL (a raw connection: raw)",
    className: "c-url",
    text: ({ record, exchange }) => (exchange ? exchangeUrl(exchange, record) + wsSuffix(exchange) : requestText(record)),
    tooltip: ({ record, exchange }) =>
      exchange ? exchangeUrl(exchange, record) + wsSuffix(exchange) : requestText(record),
  },
  {
    title: "Status",
    tip: "Response status (interim 1xx first); ⚠ marks a note on the exchange, or a recording that stopped",
    className: "c-status",
    text: ({ exchange, warning }) =>
      [exchange ? exchangeStatusText(exchange) : "", warning !== null ? "⚠" : ""].filter((t) => t !== "").join(" "),
    tooltip: ({ exchange, warning }) => [exchange?.reason, grpcTip(exchange), warning].filter((t) => t && t !== "").join(" — "),
  },
  {
    title: "Req",
    tip: "Request body size (a raw connection: bytes client → server)",
    className: "c-req-size num",
    text: ({ record, exchange }) => formatBytes(exchange ? exchange.request.body_len : record.bytes[0]),
    tooltip: ({ record, exchange }) =>
      exchange ? spanTip("Request", exchange.request) : `${formatCount(record.bytes[0])} B client → server`,
  },
  {
    title: "Resp",
    tip: "Response body size (a raw connection: bytes server → client)",
    className: "c-resp-size num",
    text: ({ record, exchange }) =>
      exchange
        ? exchange.response
          ? formatBytes(exchange.response.body_len)
          : ""
        : formatBytes(record.bytes[1]),
    tooltip: ({ record, exchange }) =>
      exchange ? spanTip("Response", exchange.response) : `${formatCount(record.bytes[1])} B server → client`,
  },
  {
    title: "Duration",
    tip: "Milliseconds from the request's first byte to the response's last (a raw connection: accept to close)",
    className: "c-duration num",
    text: ({ record, exchange }, now) =>
      `${formatCount(exchange ? exchangeDurationMs(record, exchange, now) : elapsedMs(record, now))} ms`,
  },
];
/** After a WebSocket's URL, its counts: " · WebSocket 6↑ 6↓, closed 1000"; after an event
 * stream's, " · events 3"; after an HTTP/2 stream's, " · HTTP/2". */
function wsSuffix(exchange: Exchange): string {
  if (exchange.websocket) return ` · ${websocketText(exchange.websocket)}`;
  if (exchange.sse) return ` · ${eventsText(exchange.sse)}`;
  return exchange.h2 ? " · HTTP/2" : "";
}

/** A gRPC call's status for the Status column's tooltip: "grpc-status 5 NOT_FOUND". */
function grpcTip(exchange: Exchange | null): string {
  const grpc = exchange ? grpcStatus(exchange) : null;
  return grpc ? `grpc-status ${grpc.code} ${grpc.name}` : "";
}

const STATE_COLUMN = 1;
const STATUS_COLUMN = 7;

function look({ record, exchange }: RowView) {
  return exchange ? exchangeLook(record, exchange) : stateLook(record.state);
}

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
  private selection: Selection<RowKey> | null = null;
  private shown: RowKey | null = null;
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
      COLUMNS.map((_, i) => (i === 2 ? "Most Recent" : i === 0 ? "" : "---")),
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

  setSelection(selection: Selection<RowKey>, shown: RowKey | null): void {
    this.selection = selection;
    this.shown = shown;
  }

  /** Redraws the rows in view; cheap enough to call on every change and every second. */
  render(): void {
    const ids = this.rows.rows();
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
    this.pool.forEach((row, n) => {
      const index = first + n;
      const id = ids.conn(index);
      const k = ids.place(index);
      const record = this.rows.record(id);
      if (row.dataset.index !== String(index)) {
        row.dataset.index = String(index);
        row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      }
      if (record) this.drawRow(row, record, k, now);
      this.drawSelection(row, ids.at(index)!);
    });
    const following = this.selection?.follow ?? false;
    this.mostRecent.classList.toggle("selected", following);
    this.mostRecent.setAttribute("aria-selected", String(following));
  }

  /**
   * Draws row `k` of `record`; skips a row that shows the same finished record as before. A
   * paused message's row is redrawn whole when it pauses or goes on.
   */
  private drawRow(row: HTMLElement, record: ConnectionRecord, k: number, now: number): void {
    const place = String(k);
    const paused = this.rows.paused?.(record.id, k);
    const pausedMark = paused?.phase ?? "";
    const same = this.drawn.get(row) === record && row.dataset.place === place;
    if (same && record.closed_at !== null && row.dataset.paused === pausedMark) return;
    const fresh = !same || row.dataset.paused !== pausedMark;
    this.drawn.set(row, record);
    row.dataset.place = place;
    row.dataset.paused = pausedMark;
    const exchange = rowExchange(record, k);
    const warning = rowWarning(record, exchange, k === rowCount(record) - 1);
    const view: RowView = { record, exchange, warning, paused };
    const cells = row.children;
    COLUMNS.forEach((column, i) => setText(cells[i]!, column.text(view, now)));
    // Everything below depends on the record only, not on the time: once per record.
    if (!fresh) return;
    row.dataset.id = String(record.id);
    row.dataset.conn = String(record.id);
    if (view.exchange) row.dataset.exchange = place;
    else delete row.dataset.exchange;
    COLUMNS.forEach((column, i) => {
      const title = column.tooltip?.(view) ?? "";
      if (title === "") cells[i]!.removeAttribute("title");
      else cells[i]!.setAttribute("title", title);
    });
    const tone = paused ? "paused" : look(view).tone;
    cells[STATE_COLUMN]!.className = `cell ${COLUMNS[STATE_COLUMN]!.className} tone-${tone}`;
    const status = statusClass(view.exchange?.status ?? null);
    cells[STATUS_COLUMN]!.className = `cell ${COLUMNS[STATUS_COLUMN]!.className}${status ? ` st-${status}` : ""}`;
    row.classList.toggle("resent", record.resend_of !== null);
    row.classList.toggle("cont", k > 0);
    row.classList.toggle("raw", view.exchange === null);
    row.classList.toggle("noted", view.warning !== null);
    // A rule or a breakpoint changed a message: the panes show either side.
    const changed = view.exchange !== null && (record.server_side ?? []).some((s) => s.exchange === k);
    row.classList.toggle("changed", changed);
    const mocked = view.exchange !== null && (record.rules ?? []).some((r) => r.exchange === k && r.action === "mock");
    row.classList.toggle("mocked", mocked);
    row.classList.toggle("paused", paused !== undefined);
  }

  private drawSelection(row: HTMLElement, id: RowKey): void {
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
