/** The window's keyboard shortcuts (keyboard.ts) delivered to the visible tab's connection view. */
import { ownsKeys } from "../dom";
import { keyAction } from "../keyboard";
import type { ConnectionsView } from "./connectionsView";
import { modalOpen } from "./dialog";

/** Listens for keys on the whole page; `activeView` is the visible tab's view, if it has one. */
export function routeShortcuts(activeView: () => ConnectionsView | undefined): void {
  document.addEventListener("keydown", (e) => {
    if (modalOpen()) return;
    const action = keyAction(e, ownsKeys(e.target));
    if (action === null) return;
    const view = activeView();
    // Ctrl+R/S/L would reload or save the page itself: always swallowed.
    const ctrl = action.kind === "resend" || action.kind === "save" || action.kind === "switch-layout";
    if (view || ctrl) e.preventDefault();
    view?.handleKey(action);
  });
}
