/**
 * The Compare view's pure parts: which two rows it compares, the options as the shell takes
 * them, and what a row of the comparison is called on screen. The view (views/compareView.ts)
 * only lays them out.
 */
import type { CompareOptions, DiffRowKind } from "./generated/ipc";
import type { RowRef } from "./types";

/** An exchange as `compare` names it: connection id and exchange index. */
export type ExchangeRef = [number, number];

/** The two exchanges to compare, in table order, when exactly two exchange rows are picked. */
export function compareTargets(refs: readonly RowRef[]): [ExchangeRef, ExchangeRef] | null {
  if (refs.length !== 2) return null;
  const [a, b] = refs as [RowRef, RowRef];
  if (a[1] === null || b[1] === null) return null;
  return [
    [a[0], a[1]],
    [b[0], b[1]],
  ];
}

/** Header names as typed ("Date, Set-Cookie", or one a line): commas and whitespace part them. */
export function headerNames(text: string): string[] {
  return text.split(/[\s,]+/).filter((name) => name !== "");
}

/** The options the form shows, as `compare` takes them. */
export function compareOptions(ignoreHeaders: string, ignoreKeyOrder: boolean, raw: boolean): CompareOptions {
  return { ignore_headers: headerNames(ignoreHeaders), ignore_key_order: ignoreKeyOrder, raw };
}

/** The mark a row's kind gets in front of its lines (besides its colour), for the colour-blind. */
export const KIND_MARKS: Record<DiffRowKind, string> = {
  same: " ",
  removed: "-",
  added: "+",
  changed: "~",
};

/** An exchange's name in the view's title: "#3 exchange 2". */
export function exchangeName([id, index]: ExchangeRef): string {
  return `#${id} exchange ${index + 1}`;
}
