/**
 * The paused-message editor: shown over the panes while the shown row's request or response
 * waits at a breakpoint. Its text (head and, when text, body) is edited and sent on with
 * Continue, the connection closed with Drop, or a response typed (or loaded from a file) sent in
 * its place with Respond. Rust turns the text into bytes and refuses what cannot be sent; the
 * message then stays paused and the editor says why. It closes when the message goes on.
 */
import { el, setText } from "../dom";
import { errorText } from "../format";
import { ipc } from "../ipc";
import { pausedTitle, RESPOND_TEMPLATE } from "../paused";
import type { Decision, PausedMessage } from "../types";
import { errorNote } from "./fieldErrors";

export class PausedEditor {
  readonly root: HTMLElement;
  private readonly title = el("span", { class: "paused-title", "data-testid": "paused-title" });
  private readonly kept = el("p", { class: "paused-kept", "data-testid": "paused-body-kept", hidden: true });
  private readonly text: HTMLTextAreaElement;
  private readonly respondBox: HTMLElement;
  private readonly response: HTMLTextAreaElement;
  private readonly error = errorNote("p", "error-paused");
  private readonly buttons: HTMLButtonElement[] = [];
  /** The message shown; null while hidden. */
  private message: PausedMessage | null = null;
  /** The caret goes in the text once it is loaded (asked for while it loads). */
  private focusWhenLoaded = false;

  /** `onEdit`: the user typed (the view stops following new rows, so this one stays). */
  constructor(onEdit: () => void) {
    this.text = el("textarea", {
      class: "paused-text mono",
      "data-testid": "paused-text",
      rows: 8,
      spellcheck: "false",
      "aria-label": "The paused message, editable",
    });
    this.response = el("textarea", {
      class: "paused-text mono",
      "data-testid": "respond-text",
      rows: 5,
      spellcheck: "false",
      "aria-label": "The response to send instead",
    });
    for (const area of [this.text, this.response]) area.addEventListener("input", onEdit);
    const continueButton = this.button("continue", "Continue", "Send it on, as edited", "primary", () =>
      this.decide({ kind: "continue", edited: this.text.value }),
    );
    const drop = this.button("drop", "Drop", "Close the client's connection; nothing goes on", "", () =>
      this.decide({ kind: "drop" }),
    );
    const respond = this.button("respond", "Respond…", "Answer the client with a response typed here", "", () =>
      this.openRespond(),
    );
    const load = this.button(
      "respond-load",
      "Load from file…",
      "Read the response (or only its body) from a file",
      "",
      () => void this.loadResponse(),
    );
    const send = this.button("respond-send", "Send response", "Answer with this response instead", "primary", () =>
      this.decide({ kind: "respond", response: this.response.value }),
    );
    this.respondBox = el(
      "div",
      { class: "paused-respond", "data-testid": "respond-box", hidden: true },
      this.response,
      el("div", { class: "paused-actions" }, load, send),
    );
    this.root = el(
      "section",
      { class: "paused-editor", "data-testid": "paused-editor", "aria-label": "Paused message", hidden: true },
      el("div", { class: "paused-head" }, el("span", { "aria-hidden": "true" }, "⏸"), this.title),
      this.kept,
      this.text,
      el("div", { class: "paused-actions" }, continueButton, drop, respond),
      this.respondBox,
      this.error,
    );
  }

  /** Shows `message` (undefined hides the editor); the same message again keeps what was typed. */
  show(message: PausedMessage | undefined): void {
    this.root.hidden = message === undefined;
    if (message?.id === this.message?.id) return;
    this.message = message ?? null;
    if (message === undefined) return;
    setText(this.title, pausedTitle(message));
    this.kept.hidden = true;
    this.text.value = "";
    this.text.disabled = true;
    this.focusWhenLoaded = false;
    this.respondBox.hidden = true;
    this.response.value = "";
    this.showError(null);
    void this.load(message.id);
  }

  /** Puts the caret in the text (the user came from the notice), once it is there. */
  focus(): void {
    if (this.text.disabled) this.focusWhenLoaded = true;
    else this.text.focus();
  }

  private async load(id: number): Promise<void> {
    try {
      const view = await ipc.pausedMessage(id);
      if (this.message?.id !== id) return;
      this.text.value = view.text;
      this.text.disabled = false;
      if (this.focusWhenLoaded) this.text.focus();
      this.kept.hidden = view.body_kept === null;
      setText(this.kept, view.body_kept === null ? "" : `Body not shown: ${view.body_kept}`);
    } catch (error) {
      if (this.message?.id === id) this.showError(`Could not read it: ${errorText(error)}`);
    }
  }

  private openRespond(): void {
    if (this.respondBox.hidden && this.response.value === "") this.response.value = RESPOND_TEMPLATE;
    this.respondBox.hidden = false;
    this.response.focus();
  }

  private async loadResponse(): Promise<void> {
    try {
      const text = await ipc.loadResponse();
      if (text !== null) this.response.value = text;
      this.showError(null);
    } catch (error) {
      this.showError(errorText(error));
    }
  }

  /** Sends the decision; the editor closes when the engine says the message went on. */
  private async decide(decision: Decision): Promise<void> {
    const message = this.message;
    if (message === null) return;
    this.enable(false);
    try {
      await ipc.resumePaused(message.id, decision);
      if (this.message?.id === message.id) this.showError(null);
    } catch (error) {
      if (this.message?.id === message.id) this.showError(errorText(error));
    } finally {
      this.enable(true);
    }
  }

  private button(testid: string, label: string, title: string, tone: string, run: () => void): HTMLButtonElement {
    const button = el("button", { type: "button", class: `small ${tone}`.trim(), "data-testid": testid, title }, label);
    button.addEventListener("click", run);
    this.buttons.push(button);
    return button;
  }

  private enable(on: boolean): void {
    for (const button of this.buttons) button.disabled = !on;
  }

  private showError(text: string | null): void {
    this.error.hidden = text === null;
    setText(this.error, text ?? "");
  }
}
