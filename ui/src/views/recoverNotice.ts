/**
 * The notice at start about captures a crash left behind (a crash, or a kill, skips the clean
 * exit that removes the capture log): each can be opened read-only, as a session tab, or
 * discarded; Later puts the notice away (the captures stay, and are offered again at the next
 * start). Not modal: the window works around it.
 */
import { el, setText } from "../dom";
import { errorText, leftCaptureText, leftCapturesTitle } from "../format";
import { ipc } from "../ipc";
import type { LeftCapture, OpenedSession } from "../types";
import { ask } from "./dialog";

export class RecoverNotice {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly list: HTMLElement;

  constructor(
    captures: readonly LeftCapture[],
    private readonly onOpened: (opened: OpenedSession) => void,
  ) {
    this.title = el("p", { class: "notice-title" });
    this.list = el("ul", { class: "notice-list" }, ...captures.map((c) => this.item(c)));
    const later = el(
      "button",
      {
        type: "button",
        class: "small",
        "data-testid": "recover-later",
        title: "Hide this notice; the captures stay and are offered again at the next start",
      },
      "Later",
    );
    later.addEventListener("click", () => this.close());
    this.root = el(
      "section",
      { class: "notice", "data-testid": "recover-notice", role: "region", "aria-label": "Captures left by a crash" },
      el("div", { class: "notice-head" }, this.title, el("span", { class: "spacer" }), later),
      this.list,
    );
    this.update();
  }

  private item(capture: LeftCapture): HTMLElement {
    const open = el(
      "button",
      { type: "button", class: "small primary", "data-testid": "recover-open", title: "Open it read-only in a tab" },
      "Open",
    );
    const discard = el(
      "button",
      { type: "button", class: "small", "data-testid": "recover-discard", title: "Remove it for good" },
      "Discard",
    );
    const error = el("span", { class: "field-error", role: "alert", hidden: true });
    const item = el(
      "li",
      { "data-testid": "recover-item", title: capture.path },
      el("span", { class: "mono" }, leftCaptureText(capture)),
      open,
      discard,
      error,
    );
    const fail = (what: string, e: unknown) => {
      error.hidden = false;
      setText(error, `${what}: ${errorText(e)}`);
    };
    open.addEventListener("click", async () => {
      open.disabled = true;
      error.hidden = true;
      try {
        this.onOpened(await ipc.openLeftCapture(capture.path));
        setText(open, "Opened");
      } catch (e) {
        open.disabled = false;
        fail("Could not open it", e);
      }
    });
    discard.addEventListener("click", async () => {
      const confirmed = await ask({
        title: "Discard this capture?",
        message:
          `The capture of ${leftCaptureText(capture)} is removed for good; ` +
          "save it from its tab first (Open) to keep any of it.",
        confirm: "Discard",
      });
      if (!confirmed) return;
      discard.disabled = true;
      try {
        await ipc.discardLeftCapture(capture.path);
        item.remove();
        this.update();
      } catch (e) {
        discard.disabled = false;
        fail("Could not discard it", e);
      }
    });
    return item;
  }

  /** The count in the title; gone with the last capture. */
  private update(): void {
    const count = this.list.childElementCount;
    setText(this.title, `${leftCapturesTitle(count)}:`);
    if (count === 0) this.close();
  }

  private close(): void {
    this.root.remove();
  }
}
