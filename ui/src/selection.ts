/**
 * Which rows of a connection table are selected, as pure functions of the row list, so the
 * desktop conventions (click, Ctrl/Cmd-click toggles, Shift-click extends, arrows move) are
 * tested without a DOM. Rows are connection ids in table order; "Most Recent" is the
 * pseudo-row above them, index -1 here.
 */

export type Selection = {
  ids: ReadonlySet<number>;
  /** Where Shift extends from. */
  anchor: number | null;
  /** The row the keyboard is on; the panes show it. */
  lead: number | null;
  /** "Most Recent" is selected: the panes follow the newest connection. */
  follow: boolean;
};

export type Modifiers = { toggle: boolean; extend: boolean };

export const MOST_RECENT = -1;

export const FOLLOW: Selection = { ids: new Set(), anchor: null, lead: null, follow: true };

export function selectOnly(id: number): Selection {
  return { ids: new Set([id]), anchor: id, lead: id, follow: false };
}

function range(rows: readonly number[], from: number, to: number): Set<number> {
  return new Set(rows.slice(Math.min(from, to), Math.max(from, to) + 1));
}

/** A click on row `index` (MOST_RECENT for the pseudo-row). */
export function click(sel: Selection, rows: readonly number[], index: number, mods: Modifiers): Selection {
  if (index === MOST_RECENT) return FOLLOW;
  const id = rows[index];
  if (id === undefined) return sel;
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
export function move(
  sel: Selection,
  rows: readonly number[],
  delta: number,
  extend: boolean,
): { selection: Selection; index: number } {
  const from = sel.follow || sel.lead === null ? MOST_RECENT : rows.indexOf(sel.lead);
  const lowest = extend ? 0 : MOST_RECENT;
  const index = Math.max(lowest, Math.min(rows.length - 1, from + delta));
  if (index === MOST_RECENT || rows.length === 0) return { selection: FOLLOW, index: MOST_RECENT };
  const id = rows[index]!;
  if (!extend) return { selection: selectOnly(id), index };
  const anchor = sel.anchor !== null && rows.includes(sel.anchor) ? sel.anchor : id;
  return {
    selection: { ids: range(rows, rows.indexOf(anchor), index), anchor, lead: id, follow: false },
    index,
  };
}

/** The connection the panes show: the newest one while following, else the lead. */
export function shownId(sel: Selection, rows: readonly number[]): number | null {
  if (sel.follow) return rows.length === 0 ? null : rows[rows.length - 1]!;
  return sel.lead !== null && sel.ids.has(sel.lead) ? sel.lead : null;
}

/** Drops ids that no longer exist (after a removal or a resync). O(selected). */
export function prune(sel: Selection, exists: (id: number) => boolean): Selection {
  if (sel.follow) return sel;
  const ids = new Set([...sel.ids].filter(exists));
  if (ids.size === sel.ids.size) return sel;
  const keep = (id: number | null) => (id !== null && ids.has(id) ? id : null);
  return { ids, anchor: keep(sel.anchor), lead: keep(sel.lead), follow: false };
}

/** The selected ids in table order (ids grow in accept order). */
export function selectedIds(sel: Selection): number[] {
  return [...sel.ids].sort((a, b) => a - b);
}
