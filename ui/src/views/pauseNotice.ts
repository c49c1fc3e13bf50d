/**
 * The notice above the tabs when a message pauses at a breakpoint ("Request paused at rule 2:
 * POST /orders HTTP/1.1"): it names the newest waiting message, and a click opens it in the
 * editor. It goes when nothing waits any more; Dismiss hides it until the next message pauses.
 */
import { el, setText } from "../dom";
import { newestPaused, pausedTitle } from "../paused";
import type { Changes, EngineState } from "../store";
import type { PausedMessage } from "../types";

export class PauseNotice {
  readonly root: HTMLElement;
  private readonly open: HTMLButtonElement;
  private shown: PausedMessage | null = null;
  private dismissed = false;

  constructor(onOpen: (message: PausedMessage) => void) {
    this.open = el("button", {
      type: "button",
      class: "link notice-title",
      "data-testid": "paused-notice-open",
      title: "Open it in the paused-message editor",
    });
    this.open.addEventListener("click", () => {
      if (this.shown) onOpen(this.shown);
    });
    const dismiss = el(
      "button",
      { type: "button", class: "small", "data-testid": "paused-notice-dismiss", title: "Hide until the next pause" },
      "Dismiss",
    );
    dismiss.addEventListener("click", () => {
      this.dismissed = true;
      this.root.hidden = true;
    });
    this.root = el(
      "section",
      { class: "notice notice-head", "data-testid": "paused-notice", role: "status", hidden: true },
      el("span", { "aria-hidden": "true" }, "⏸"),
      this.open,
      el("span", { class: "spacer" }),
      dismiss,
    );
  }

  /** Follows the store: a new pause shows the notice again; the newest waiting message is named. */
  update(changes: Changes, state: EngineState): void {
    if (!changes.resync && changes.paused.size === 0) return;
    if (changes.newlyPaused.length > 0) this.dismissed = false;
    this.shown = newestPaused(state.paused);
    this.root.hidden = this.shown === null || this.dismissed;
    if (this.shown === null) return;
    const more = state.paused.size - 1;
    setText(this.open, pausedTitle(this.shown) + (more > 0 ? ` (and ${more} more)` : ""));
  }
}
