/**
 * The rows of a connection table: one per HTTP exchange, or one for a whole connection that has
 * none (a raw stream, or no complete request head yet). Rows of one connection are adjacent and
 * in exchange order, connections in arrival order.
 *
 * A row is (connection id, k), k its place among its connection's rows: k is the exchange index
 * when the connection has exchanges, and 0 for the single row of one that has none. So the row
 * of a connection keeps its key when its first exchange is recognised. Pure (no DOM), and built
 * for 100,000 rows: two flat number arrays, appended to in place while connections arrive,
 * spliced where a connection gains exchange rows, and rebuilt (O(rows), ~25 ms for 100,000)
 * only when connections go or too many change at once.
 */
import { NO_EXCHANGES } from "./compact";
import type { KeyList } from "./selection";
import type { ConnectionRecord, Exchange, RowRef } from "./types";

/** "id:k": a row's identity, for selections. */
export type RowKey = string;

/** A record's exchanges; a record from an older shell or session may have none at all. */
export function exchangesOf(record: ConnectionRecord): readonly Exchange[] {
  return record.exchanges ?? NO_EXCHANGES;
}

/** How many rows a connection takes: one per exchange, at least one. */
export function rowCount(record: ConnectionRecord): number {
  return Math.max(1, exchangesOf(record).length);
}

export const rowKey = (id: number, k: number): RowKey => `${id}:${k}`;

export function parseRowKey(key: RowKey): { id: number; k: number } {
  const colon = key.indexOf(":");
  return { id: Number(key.slice(0, colon)), k: Number(key.slice(colon + 1)) };
}

/** What row k of `record` is for the shell: [id, exchange index] or [id, null]. */
export function rowRef(record: ConnectionRecord, k: number): RowRef {
  return [record.id, exchangesOf(record).length > 0 ? k : null];
}

/** The exchange row k shows, or null for a connection without exchanges. */
export function rowExchange(record: ConnectionRecord, k: number): Exchange | null {
  return exchangesOf(record)[k] ?? null;
}

/** More connections than this resized at once: rebuilding is cheaper than splicing each. */
const SPLICE_LIMIT = 256;
/** A connection with more rows than this is not spliced in (spread arguments have limits). */
const SPLICE_ROWS = 4096;

/** Search matches by connection: the row places k that matched. */
export type Matches = ReadonlyMap<number, ReadonlySet<number>>;

export function matchesFrom(rows: readonly RowRef[]): Matches {
  const matches = new Map<number, Set<number>>();
  for (const [id, exchange] of rows) {
    let ks = matches.get(id);
    if (!ks) matches.set(id, (ks = new Set()));
    ks.add(exchange ?? 0);
  }
  return matches;
}

export class RowList implements KeyList<RowKey> {
  private readonly conns: number[] = [];
  private readonly ks: number[] = [];

  get length(): number {
    return this.conns.length;
  }

  /** The connection id of row `index`. */
  conn(index: number): number {
    return this.conns[index]!;
  }

  /** The place of row `index` among its connection's rows. */
  place(index: number): number {
    return this.ks[index]!;
  }

  at(index: number): RowKey | undefined {
    return index >= 0 && index < this.conns.length ? rowKey(this.conns[index]!, this.ks[index]!) : undefined;
  }

  /** Where a row is, or -1. A scan of one number array: well under a millisecond for 100,000 rows. */
  indexOf(key: RowKey): number {
    const { id, k } = parseRowKey(key);
    const first = this.conns.indexOf(id);
    if (first < 0) return -1;
    // A filtered list may lack some of the connection's rows: look among those it has.
    for (let i = first; i < this.conns.length && this.conns[i] === id; i++) {
      if (this.ks[i] === k) return i;
    }
    return -1;
  }

  /** Appends the `count` rows of connection `id` that `keep` accepts (all without one). */
  push(id: number, count: number, keep?: (id: number, k: number) => boolean): void {
    for (let k = 0; k < count; k++) if (!keep || keep(id, k)) this.pushRow(id, k);
  }

  /**
   * Replaces connection `id`'s rows by its `count` rows that `keep` accepts, where they are.
   * Returns false when the list holds no row of it.
   */
  replaceConnection(id: number, count: number, keep?: (id: number, k: number) => boolean): boolean {
    const last = this.conns.lastIndexOf(id);
    if (last < 0) return false;
    let first = last;
    while (first > 0 && this.conns[first - 1] === id) first -= 1;
    const ks: number[] = [];
    for (let k = 0; k < count; k++) if (!keep || keep(id, k)) ks.push(k);
    this.conns.splice(first, last - first + 1, ...ks.map(() => id));
    this.ks.splice(first, last - first + 1, ...ks);
    return true;
  }

  /** Appends one row. */
  pushRow(id: number, k: number): void {
    this.conns.push(id);
    this.ks.push(k);
  }
}

/** Builds the rows of connections `ids`, keeping those `keep` accepts. */
export function buildRows(
  ids: readonly number[],
  record: (id: number) => ConnectionRecord | undefined,
  keep?: (id: number, k: number) => boolean,
): RowList {
  const list = new RowList();
  for (const id of ids) {
    const r = record(id);
    if (r) list.push(id, rowCount(r), keep);
  }
  return list;
}

/**
 * A tab's rows, all of them and the ones a search filter lets through, kept in step with its
 * connection ids. `sync` appends in place while connections only arrive at the end of the same
 * id array, and rebuilds otherwise.
 */
export class TabRows {
  all = new RowList();
  /** The rows on screen: `all` without a filter. */
  shown: RowList = this.all;
  private source: readonly number[] | null = null;
  private consumed = 0;
  private matches: Matches | null = null;

  constructor(
    private readonly ids: () => readonly number[],
    private readonly record: (id: number) => ConnectionRecord | undefined,
  ) {}

  get filtered(): boolean {
    return this.matches !== null;
  }

  /**
   * Catches up with the connection ids. `reshaped`: an existing connection's row count changed
   * or connections went, so appending is not enough; `resized`, when known, names the
   * connections whose row count changed, and only their rows are replaced. Returns whether any
   * row came or went.
   */
  sync(reshaped: boolean, resized: ReadonlySet<number> | null = null): boolean {
    const ids = this.ids();
    const sameIds = ids === this.source && ids.length >= this.consumed;
    if (reshaped && !(sameIds && resized !== null && this.splice(ids, resized))) {
      this.rebuild(ids);
      return true;
    }
    if (sameIds) {
      if (ids.length === this.consumed) return reshaped;
      const keep = this.keep();
      for (let i = this.consumed; i < ids.length; i++) {
        const id = ids[i]!;
        const r = this.record(id);
        if (!r) continue;
        const count = rowCount(r);
        this.all.push(id, count);
        if (keep) this.shown.push(id, count, keep);
      }
      this.consumed = ids.length;
      return true;
    }
    this.rebuild(ids);
    return true;
  }

  private rebuild(ids: readonly number[]): void {
    this.source = ids;
    this.consumed = ids.length;
    this.all = buildRows(ids, this.record);
    this.refilter();
  }

  /**
   * Replaces the rows of the `resized` connections already listed (newer ones are appended
   * later with their new count). Returns false when a rebuild is the better (or only) way.
   */
  private splice(ids: readonly number[], resized: ReadonlySet<number>): boolean {
    if (resized.size > SPLICE_LIMIT) return false;
    // Arrivals since the last sync are not listed yet (ids are in arrival order, which is not
    // id order: a connection's merged events can bring it after a newer one).
    const arriving = new Set(ids.slice(this.consumed));
    const keep = this.keep();
    let refilter = false;
    for (const id of resized) {
      const record = arriving.has(id) ? undefined : this.record(id);
      if (!record) continue;
      const count = rowCount(record);
      if (count > SPLICE_ROWS) return false;
      if (!this.all.replaceConnection(id, count)) continue;
      if (!keep || this.shown.replaceConnection(id, count, keep)) continue;
      // None of its rows was shown: one that now passes needs its place found.
      for (let k = 0; k < count && !refilter; k++) refilter = keep(id, k);
    }
    if (refilter) this.refilter();
    return true;
  }

  /** Shows only the rows in `matches`; null shows all. */
  setMatches(matches: Matches | null): void {
    this.matches = matches;
    this.refilter();
  }

  /** Whether the filter lets row (id, k) through. */
  passes(id: number, k: number): boolean {
    return this.matches === null || (this.matches.get(id)?.has(k) ?? false);
  }

  private keep(): ((id: number, k: number) => boolean) | undefined {
    const matches = this.matches;
    return matches === null ? undefined : (id, k) => matches.get(id)?.has(k) ?? false;
  }

  private refilter(): void {
    const keep = this.keep();
    if (!keep) {
      this.shown = this.all;
      return;
    }
    const shown = new RowList();
    for (let i = 0; i < this.all.length; i++) {
      const id = this.all.conn(i);
      const k = this.all.place(i);
      if (keep(id, k)) shown.pushRow(id, k);
    }
    this.shown = shown;
  }
}

/** What rules (and breakpoints) did to exchange `index` of `record`, a phrase each. */
export function rulesOn(record: ConnectionRecord, index: number): string[] {
  return (record.rules ?? [])
    .filter((r) => r.exchange === index)
    .map((r) => `rule ${r.rule} ${r.action}: ${r.what}`);
}
