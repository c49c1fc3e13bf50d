/**
 * The arithmetic of a virtualised list with fixed-height rows: which rows a viewport shows and
 * where to scroll to reveal one. Pure, so it is tested without layout.
 */

export type RowRange = { first: number; last: number };

/**
 * The rows drawn for a viewport of `height` px scrolled to `scrollTop`, with `overscan` extra
 * rows each side so fast scrolling does not flash blank. `last < first` when there are none.
 */
export function visibleRange(
  scrollTop: number,
  height: number,
  rowHeight: number,
  count: number,
  overscan: number,
): RowRange {
  if (count === 0 || height <= 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.ceil((scrollTop + height) / rowHeight) - 1 + overscan);
  return { first: Math.min(first, count - 1), last };
}

/** The scrollTop that brings row `index` fully into view, or null when it already is. */
export function revealScrollTop(
  index: number,
  scrollTop: number,
  height: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return top + rowHeight - height;
  return null;
}
