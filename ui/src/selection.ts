/**
 * Which rows of a connection table are selected, as pure functions of the row list, so the
 * desktop conventions (click, Ctrl/Cmd-click toggles, Shift-click extends, arrows move) are
 * tested without a DOM. A row is known by a key (the table uses "connection:row", see rows.ts;
 * tests use plain numbers); the list only has to say which key sits at an index and where a key
 * is, so it never has to be copied into an array. "Most Recent" is the pseudo-row above the
 * rows, index -1 here.
 */

/** The rows in table order: an array of keys satisfies it, and so does RowList. */
export interface KeyList<K> {
  readonly length: number;
  at(index: number): K | undefined;
  indexOf(key: K): number;
}

export type Selection<K = number> = {
  ids: ReadonlySet<K>;
  /** Where Shift extends from. */
  anchor: K | null;
  /** The row the keyboard is on; the panes show it. */
  lead: K | null;
  /** "Most Recent" is selected: the panes follow the newest row. */
  follow: boolean;
};

export type Modifiers = { toggle: boolean; extend: boolean };

export const MOST_RECENT = -1;

export const FOLLOW: Selection<never> = { ids: new Set(), anchor: null, lead: null, follow: true };

export function selectOnly<K>(id: K): Selection<K> {
  return { ids: new Set([id]), anchor: id, lead: id, follow: false };
}

function range<K>(rows: KeyList<K>, from: number, to: number): Set<K> {
  const out = new Set<K>();
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) out.add(rows.at(i)!);
  return out;
}

/** A click on row `index` (MOST_RECENT for the pseudo-row). */
export function click<K>(sel: Selection<K>, rows: KeyList<K>, index: number, mods: Modifiers): Selection<K> {
  if (index === MOST_RECENT) return FOLLOW;
  const id = rows.at(index);
  if (id === undefined || index < 0) return sel;
  const anchorIndex = sel.anchor === null ? -1 : rows.indexOf(sel.anchor);
  if (mods.extend && anchorIndex >= 0) {
    const ids = range(rows, anchorIndex, index);
    if (mods.toggle) for (const kept of sel.ids) ids.add(kept);
    return { ids, anchor: sel.anchor, lead: id, follow: false };
  }
  if (mods.toggle) {
    const ids = new Set(sel.ids);
    if (!ids.delete(id)) ids.add(id);
    return { ids, anchor: id, lead: id, follow: false };
  }
  return selectOnly(id);
}

/**
 * Moves the lead by `delta` rows (Up = -1, PageDown = +page, Home = -Infinity), extending the
 * selection from the anchor when `extend`. Moving above the first row selects "Most Recent".
 */
export function move<K>(
  sel: Selection<K>,
  rows: KeyList<K>,
  delta: number,
  extend: boolean,
): { selection: Selection<K>; index: number } {
  const from = sel.follow || sel.lead === null ? MOST_RECENT : rows.indexOf(sel.lead);
  const lowest = extend ? 0 : MOST_RECENT;
  const index = Math.max(lowest, Math.min(rows.length - 1, from + delta));
  if (index === MOST_RECENT || rows.length === 0) return { selection: FOLLOW, index: MOST_RECENT };
  const id = rows.at(index)!;
  if (!extend) return { selection: selectOnly(id), index };
  const anchorIndex = sel.anchor === null ? -1 : rows.indexOf(sel.anchor);
  const [anchor, start] = anchorIndex >= 0 ? [sel.anchor!, anchorIndex] : [id, index];
  return { selection: { ids: range(rows, start, index), anchor, lead: id, follow: false }, index };
}

/** The row the panes show: the newest one while following, else the lead. */
export function shownId<K>(sel: Selection<K>, rows: KeyList<K>): K | null {
  if (sel.follow) return rows.length === 0 ? null : rows.at(rows.length - 1)!;
  return sel.lead !== null && sel.ids.has(sel.lead) ? sel.lead : null;
}

/** Drops rows that no longer exist (after a removal, a resync or a new filter). O(selected). */
export function prune<K>(sel: Selection<K>, exists: (id: K) => boolean): Selection<K> {
  if (sel.follow) return sel;
  const ids = new Set([...sel.ids].filter(exists));
  if (ids.size === sel.ids.size) return sel;
  const keep = (id: K | null) => (id !== null && ids.has(id) ? id : null);
  return { ids, anchor: keep(sel.anchor), lead: keep(sel.lead), follow: false };
}

/** The selected ids in table order, for numeric ids that grow in table order. */
export function selectedIds(sel: Selection<number>): number[] {
  return [...sel.ids].sort((a, b) => a - b);
}

/**
 * The indexes of the selected rows that are in `rows`, ascending. Looks each key up when few
 * are selected, else walks the rows once, so neither a big list nor a big selection is slow.
 */
export function selectedIndexes<K>(sel: Selection<K>, rows: KeyList<K>): number[] {
  const out: number[] = [];
  if (sel.ids.size <= 64) {
    for (const id of sel.ids) {
      const index = rows.indexOf(id);
      if (index >= 0) out.push(index);
    }
    return out.sort((a, b) => a - b);
  }
  for (let i = 0; i < rows.length; i++) if (sel.ids.has(rows.at(i)!)) out.push(i);
  return out;
}
