/**
 * The app's shortcuts as a pure mapping from a key press to an action, so the bindings are tested
 * without a window. Ctrl and Cmd are the same; Ctrl shortcuts work inside the request editor too,
 * plain keys only outside form controls.
 */

export type KeyAction =
  | { kind: "move"; step: "row" | "page" | "end"; dir: 1 | -1; extend: boolean }
  | { kind: "resend" }
  | { kind: "save" }
  | { kind: "switch-layout" }
  | { kind: "remove-selected" }
  /** Ctrl+F: into the tab's search box. */
  | { kind: "find" }
  /** Enter: into the shown connection's response, to scroll and select its text by keyboard. */
  | { kind: "open" }
  /** Escape: back to the rows. */
  | { kind: "back" };

export type KeyPress = {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
};

const MOVES: Record<string, { step: "row" | "page" | "end"; dir: 1 | -1 }> = {
  ArrowUp: { step: "row", dir: -1 },
  ArrowDown: { step: "row", dir: 1 },
  PageUp: { step: "page", dir: -1 },
  PageDown: { step: "page", dir: 1 },
  Home: { step: "end", dir: -1 },
  End: { step: "end", dir: 1 },
};

const COMMANDS: Record<string, KeyAction> = {
  r: { kind: "resend" },
  s: { kind: "save" },
  l: { kind: "switch-layout" },
  f: { kind: "find" },
};

/** `inFormControl`: focus is in a text field, select or editor, which keeps plain keys. */
export function keyAction(press: KeyPress, inFormControl: boolean): KeyAction | null {
  if (press.altKey) return null;
  if (press.ctrlKey || press.metaKey) return COMMANDS[press.key.toLowerCase()] ?? null;
  if (press.key === "Escape") return { kind: "back" };
  if (inFormControl) return null;
  if (press.key === "Delete") return { kind: "remove-selected" };
  if (press.key === "Enter") return { kind: "open" };
  const move = MOVES[press.key];
  return move ? { kind: "move", ...move, extend: press.shiftKey } : null;
}
