/** The Admin tab's "Reopen listeners from last time": a Reopen button per listener, each used once. */
import { el, setText } from "../dom";
import { ipc } from "../ipc";
import { describeForm } from "../listenerForm";
import type { CommandError, ListenerForm, ListenerInfo } from "../types";

export class ReopenOffer {
  readonly root: HTMLElement;
  private readonly list = el("ul", { class: "reopen-list" });

  /** `onAdded`: a listener was opened again. */
  constructor(private readonly onAdded: (info: ListenerInfo) => void) {
    this.root = el(
      "section",
      { class: "reopen", "data-testid": "reopen", hidden: true },
      el("h3", {}, "Reopen listeners from last time"),
      this.list,
    );
  }

  /** Offers buttons that open these listeners again, each once. */
  offer(forms: ListenerForm[]): void {
    this.list.replaceChildren(...forms.map((form) => this.item(form)));
    this.root.hidden = forms.length === 0;
  }

  private item(form: ListenerForm): HTMLElement {
    const button = el(
      "button",
      { type: "button", class: "small", "data-testid": "reopen-listener" },
      "Reopen",
    );
    const error = el("span", { class: "field-error", role: "alert", hidden: true });
    const item = el("li", {}, button, el("span", { class: "mono" }, describeForm(form)), error);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        this.onAdded(await ipc.addListener(form));
        item.remove();
        this.root.hidden = this.list.childElementCount === 0;
      } catch (e) {
        error.hidden = false;
        setText(error, (e as CommandError).message);
        button.disabled = false;
      }
    });
    return item;
  }
}
