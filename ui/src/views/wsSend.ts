/**
 * "Send message" on a live WebSocket: text, or binary typed as hex, toward the server or toward
 * the client. TCPMon frames it and writes it between two messages (send_websocket); it then
 * comes in the message list like any other, marked as sent by TCPMon.
 */
import { el, setText } from "../dom";
import { errorText } from "../format";
import { ipc } from "../ipc";
import type { Direction, SendKind } from "../types";

/** The live WebSocket exchange the box sends into. */
export type SendTarget = { id: number; exchange: number };

const PLACEHOLDERS: Record<SendKind, string> = {
  text: "Message text (Ctrl+Enter sends)",
  binary: "Bytes in hex, e.g. 01 02 ff (Ctrl+Enter sends)",
};

export class WsSendBox {
  readonly root: HTMLElement;
  private readonly direction: HTMLSelectElement;
  private readonly kind: HTMLSelectElement;
  private readonly text: HTMLTextAreaElement;
  private readonly button: HTMLButtonElement;
  private readonly note: HTMLElement;
  private target: SendTarget | null = null;
  /** The last WebSocket offered: a refresh that hides the box for a moment keeps its note. */
  private last: SendTarget | null = null;

  constructor() {
    this.direction = el(
      "select",
      { "data-testid": "ws-send-direction", "aria-label": "Send toward" },
      el("option", { value: "client_to_server" satisfies Direction }, "→ to the server"),
      el("option", { value: "server_to_client" satisfies Direction }, "← to the client"),
    );
    this.kind = el(
      "select",
      { "data-testid": "ws-send-kind", "aria-label": "Message kind" },
      el("option", { value: "text" satisfies SendKind }, "Text"),
      el("option", { value: "binary" satisfies SendKind }, "Binary (hex)"),
    );
    this.text = el("textarea", {
      class: "ws-send-text",
      "data-testid": "ws-send-text",
      rows: 2,
      spellcheck: "false",
      "aria-label": "Message to send",
      placeholder: PLACEHOLDERS.text,
    });
    this.button = el("button", { type: "button", class: "small", "data-testid": "ws-send" }, "Send");
    this.note = el("div", { class: "pane-note", "data-testid": "ws-send-note", role: "status", hidden: true });
    this.root = el(
      "div",
      { class: "ws-send", "data-testid": "ws-send-box", hidden: true },
      el("div", { class: "ws-send-row" }, this.direction, this.kind, this.text, this.button),
      this.note,
    );
    this.kind.addEventListener("change", () => {
      this.text.placeholder = PLACEHOLDERS[this.kind.value as SendKind];
    });
    this.button.addEventListener("click", () => void this.send());
    this.text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.send();
      }
    });
  }

  /** Offers sending into `target`; null hides the box (no live WebSocket shown). */
  show(target: SendTarget | null): void {
    this.target = target;
    this.root.hidden = target === null;
    if (target === null) return;
    if (!this.sendsInto(target, this.last)) this.showNote(null, false);
    this.last = target;
  }

  private async send(): Promise<void> {
    const target = this.target;
    if (target === null || this.button.disabled) return;
    const direction = this.direction.value as Direction;
    this.button.disabled = true;
    this.showNote(null, false);
    try {
      await ipc.sendWebsocket(target.id, target.exchange, direction, this.kind.value as SendKind, this.text.value);
      if (!this.sendsInto(target, this.last)) return;
      this.text.value = "";
      this.showNote(`Sent ${direction === "client_to_server" ? "to the server" : "to the client"}`, false);
    } catch (error) {
      if (this.sendsInto(target, this.last)) this.showNote(`Not sent: ${errorText(error)}`, true);
    } finally {
      this.button.disabled = false;
    }
  }

  /** Whether `target` is `other` (the exchange shown may have changed meanwhile). */
  private sendsInto(target: SendTarget | null, other: SendTarget | null): boolean {
    return target !== null && target.id === other?.id && target.exchange === other?.exchange;
  }

  private showNote(text: string | null, isError: boolean): void {
    this.note.hidden = text === null;
    this.note.classList.toggle("error", isError);
    setText(this.note, text ?? "");
  }
}
