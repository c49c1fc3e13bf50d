/**
 * The messages of the shown exchange once it became a WebSocket, or the events of its event
 * stream (each a message from the server, its type as its kind): a collapsible list under the
 * table, a row per message (time, direction, kind, size, preview). A WebSocket can carry
 * 100,000 messages, so the list is virtualised (fixed-height rows, virtual.ts) and its rows are
 * read from Rust a chunk at a time, only those in view. New messages come as the exchange's
 * counts grow. A live WebSocket also gets the Send box (wsSend.ts). Captured text is set as
 * text only: it is hostile.
 */
import { el, setText } from "../dom";
import { eventsText, formatBytes, formatClock, formatInstant, messageArrow, websocketText } from "../format";
import { ipc } from "../ipc";
import { exchangesOf } from "../rows";
import type { ConnectionRecord, MessageRow, WebSocketSummary } from "../types";
import { revealScrollTop, visibleRange } from "../virtual";
import { WsSendBox } from "./wsSend";

const ROW_HEIGHT = 22;
const OVERSCAN = 10;
/** Rows asked of Rust at once (it gives at most 1,000). */
const CHUNK = 200;
/** Chunks kept read; past it the one farthest from the view goes (scrolling through 100,000
 * messages keeps a few thousand rows, not all). */
const CHUNKS_KEPT = 32;
/** The list grows with its rows up to this height, then scrolls. */
const MAX_HEIGHT = 8 * ROW_HEIGHT;
/** A chunk Rust had not read to its end yet is asked again after this long. */
const RETRY_MS = 300;

/** An exchange that became a WebSocket or answered an event stream, in a session (null: the
 * live capture). */
export type WsExchange = { session: number | null; record: ConnectionRecord; exchange: number };

/** What the list says of an exchange's messages: how many, the summary's words, and whether it
 * is a WebSocket (which can be sent into). */
type Counts = { count: number; text: string; websocket: boolean };

/** The messages of `record`'s exchange `exchange`, or null when it carries none. */
function countsOf(record: ConnectionRecord, exchange: number): Counts | null {
  const shown = exchangesOf(record)[exchange];
  if (shown?.websocket) {
    const ws = shown.websocket;
    const by = closer(ws);
    const text = by === "" ? websocketText(ws) : `${websocketText(ws)} by ${by}`;
    return { count: ws.to_server.messages + ws.to_client.messages, text, websocket: true };
  }
  if (shown?.sse) return { count: shown.sse.events, text: eventsText(shown.sse), websocket: false };
  return null;
}

export class WsMessages {
  readonly root: HTMLDetailsElement;
  private readonly summary: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly sendBox = new WsSendBox();
  private target: WsExchange | null = null;
  /** Messages in the list: the exchange's count, or more when Rust has read more. */
  private total = 0;
  /** Rows read, by chunk number. */
  private readonly chunks = new Map<number, MessageRow[]>();
  private readonly loading = new Set<number>();
  /** Bumped when the exchange changes, so late answers for the old one are dropped. */
  private generation = 0;
  private selected: MessageRow | null = null;
  /** Whether the view sits at the bottom, so new messages keep it there. */
  private pinnedToEnd = true;
  private pool: HTMLElement[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;

  /**
   * `onSelect`: the selected message changed (the panes show it). `live`: a live tab, whose
   * open WebSockets can be sent into.
   */
  constructor(
    private readonly onSelect: () => void,
    private readonly live: boolean,
  ) {
    this.summary = el("summary", { "data-testid": "ws-summary" });
    this.spacer = el("div", { class: "ws-rows" });
    this.scroller = el(
      "div",
      { class: "ws-list", role: "listbox", tabindex: 0, "aria-label": "Messages", "data-testid": "ws-list" },
      this.spacer,
    );
    this.root = el(
      "details",
      { class: "ws-messages", "data-testid": "ws-messages", open: true, hidden: true },
      this.summary,
      this.scroller,
      this.sendBox.root,
    );
    this.scroller.addEventListener("scroll", () => {
      const { scrollTop, clientHeight, scrollHeight } = this.scroller;
      this.pinnedToEnd = scrollTop + clientHeight >= scrollHeight - 2;
      this.render();
    });
    this.scroller.addEventListener("click", (e) => {
      const row = (e.target as Element).closest<HTMLElement>(".ws-message-row[data-index]");
      if (row) this.select(Number(row.dataset.index));
    });
    this.scroller.addEventListener("keydown", (e) => {
      const step = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
      if (step === 0 || this.total === 0) return;
      // The arrows move through the messages here, not through the table's rows.
      e.preventDefault();
      e.stopPropagation();
      const at = this.selected === null ? (step > 0 ? -1 : this.total) : this.selected.index;
      this.select(Math.min(this.total - 1, Math.max(0, at + step)));
    });
    this.root.addEventListener("toggle", () => this.render());
  }

  /** The message the panes should show, or null. */
  selectedMessage(): MessageRow | null {
    return this.selected;
  }

  /**
   * Shows the messages of `target` (null, or an exchange that is no WebSocket nor event stream:
   * hides the list). The same exchange with more messages reads on.
   */
  show(target: WsExchange | null): void {
    const counts = target === null ? null : countsOf(target.record, target.exchange);
    const same =
      target !== null &&
      this.target !== null &&
      target.session === this.target.session &&
      target.record.id === this.target.record.id &&
      target.exchange === this.target.exchange;
    this.root.hidden = counts === null;
    if (counts === null || target === null) {
      if (this.target !== null) this.reset(null);
      return;
    }
    if (!same) this.reset(target);
    this.target = target;
    const open = this.live && target.session === null && target.record.state.kind === "active";
    this.sendBox.show(open && counts.websocket ? { id: target.record.id, exchange: target.exchange } : null);
    setText(this.summary, counts.text);
    const count = Math.max(counts.count, this.total);
    if (!same || count !== this.total) this.grow(count);
  }

  dispose(): void {
    clearTimeout(this.retry);
  }

  private reset(target: WsExchange | null): void {
    this.generation += 1;
    this.target = target;
    this.total = 0;
    this.chunks.clear();
    this.loading.clear();
    this.selected = null;
    this.pinnedToEnd = true;
    this.scroller.scrollTop = 0;
    clearTimeout(this.retry);
  }

  /** The list now holds `count` messages: the chunk that was the last is read again. */
  private grow(count: number): void {
    const last = Math.floor(Math.max(0, this.total - 1) / CHUNK);
    if ((this.chunks.get(last)?.length ?? CHUNK) < CHUNK) this.chunks.delete(last);
    this.total = count;
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    this.scroller.style.height = `${Math.min(MAX_HEIGHT, Math.max(1, count) * ROW_HEIGHT)}px`;
    if (this.pinnedToEnd && this.selected === null) this.scroller.scrollTop = this.scroller.scrollHeight;
    this.render();
  }

  private select(index: number): void {
    const row = this.rowAt(index);
    if (row === undefined) return;
    this.selected = row;
    const top = revealScrollTop(index, this.scroller.scrollTop, this.scroller.clientHeight, ROW_HEIGHT);
    if (top !== null) this.scroller.scrollTop = top;
    this.render();
    this.onSelect();
  }

  private rowAt(index: number): MessageRow | undefined {
    return this.chunks.get(Math.floor(index / CHUNK))?.[index % CHUNK];
  }

  /** Draws the rows in view, reading the chunks not read yet. */
  private render(): void {
    if (this.root.hidden || !this.root.open) return;
    const { first, last } = visibleRange(
      this.scroller.scrollTop,
      this.scroller.clientHeight || MAX_HEIGHT,
      ROW_HEIGHT,
      this.total,
      OVERSCAN,
    );
    for (let chunk = Math.floor(first / CHUNK); last >= first && chunk <= Math.floor(last / CHUNK); chunk++) {
      if (!this.chunks.has(chunk)) void this.load(chunk);
    }
    const count = Math.max(0, last - first + 1);
    while (this.pool.length < count) {
      const row = messageRowElement();
      this.pool.push(row);
      this.spacer.append(row);
    }
    for (const row of this.pool.splice(count)) row.remove();
    this.pool.forEach((row, i) => this.drawRow(row, first + i));
  }

  private drawRow(element: HTMLElement, index: number): void {
    const row = this.rowAt(index);
    element.dataset.index = String(index);
    element.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    element.setAttribute("aria-selected", String(this.selected?.index === index));
    element.classList.toggle("loading", row === undefined);
    const [time, dir, kind, size, preview] = Array.from(element.children) as HTMLElement[];
    setText(time!, row ? formatClock(row.at) : "");
    time!.title = row ? formatInstant(row.at) : "";
    element.classList.toggle("injected", row?.injected ?? false);
    setText(dir!, row ? messageArrow(row.direction) : "");
    const toward = row?.direction === "client_to_server" ? "to the server" : "to the client";
    dir!.title = row ? `${toward}${row.injected ? ", sent by TCPMon" : ""}` : "";
    setText(kind!, row?.opcode ?? "");
    setText(size!, row ? `${formatBytes(row.size)}${row.compressed ? " ⇲" : ""}` : "");
    size!.title = row?.compressed ? "sent deflated (permessage-deflate): the wire size" : "";
    const marks = `${row?.injected ? "[sent by TCPMon] " : ""}${row?.problem ? `⚠ ${row.problem} ` : ""}${
      row?.id != null ? `id ${row.id} · ` : ""
    }`;
    setText(preview!, row ? `${marks}${row.preview}` : "…");
  }

  /** Keeps chunk `chunk`'s rows, letting go of the one farthest from it when too many are kept. */
  private keep(chunk: number, rows: MessageRow[]): void {
    this.chunks.set(chunk, rows);
    if (this.chunks.size <= CHUNKS_KEPT) return;
    const selected = this.selected === null ? -1 : Math.floor(this.selected.index / CHUNK);
    let farthest = chunk;
    for (const c of this.chunks.keys()) {
      if (c !== selected && Math.abs(c - chunk) > Math.abs(farthest - chunk)) farthest = c;
    }
    this.chunks.delete(farthest);
  }

  private async load(chunk: number): Promise<void> {
    const target = this.target;
    if (target === null || this.loading.has(chunk)) return;
    this.loading.add(chunk);
    const generation = this.generation;
    try {
      const page = await ipc.exchangeMessages(target.session, target.record.id, target.exchange, chunk * CHUNK, CHUNK);
      if (generation !== this.generation) return;
      this.keep(chunk, page.rows);
      if (page.total > this.total) this.grow(page.total);
      // Rust had not read as far as the counts: ask again shortly.
      if (page.rows.length < CHUNK && chunk * CHUNK + page.rows.length < this.total) {
        clearTimeout(this.retry);
        this.retry = setTimeout(() => {
          this.chunks.delete(chunk);
          this.render();
        }, RETRY_MS);
      }
    } catch {
      // The list shows "…" for rows it could not read; the next count change asks again.
    } finally {
      if (generation === this.generation) this.loading.delete(chunk);
    }
    if (generation === this.generation) this.render();
  }
}

/** Who sent the first close, in words, or "" when none did. */
function closer(ws: WebSocketSummary): string {
  if (ws.close === null) return "";
  return ws.close[0] === "client_to_server" ? "the client" : "the server";
}

function messageRowElement(): HTMLElement {
  return el(
    "div",
    { class: "ws-message-row", role: "option", "data-testid": "ws-message-row" },
    el("span", { class: "ws-time" }),
    el("span", { class: "ws-dir" }),
    el("span", { class: "ws-kind" }),
    el("span", { class: "ws-size num" }),
    el("span", { class: "ws-preview" }),
  );
}
