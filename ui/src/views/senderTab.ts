/**
 * The Sender tab (Apache TCPMon had one): compose an HTTP request (method, http:// URL, headers,
 * body; a SOAP helper) and send it. Rust sends it in the background and captures it like any
 * connection, under listener id 0, so the table and panes below show what went out and what came
 * back, exactly as a listener tab would. The tab cannot be closed.
 */
import { el } from "../dom";
import { ipc } from "../ipc";
import { buildRequest, type SenderValues } from "../sender";
import type { SettingsKeeper } from "../settings";
import type { Store } from "../store";
import type { CommandError } from "../types";
import { ConnectionsView, listenerSource } from "./connectionsView";
import { SenderForm } from "./senderForm";
import type { StatusLine } from "./statusLine";

/** The listener id the shell captures the Sender's connections under. */
export const SENDER_LISTENER = 0;

/** Bodies larger than this are not remembered between runs (settings stay small). */
const REMEMBERED_BODY_CHARS = 64 * 1024;

export type SenderDeps = { store: Store; settings: SettingsKeeper; status: StatusLine };

export class SenderTab {
  readonly panel: HTMLElement;
  readonly view: ConnectionsView;
  private readonly form: SenderForm;

  constructor(private readonly deps: SenderDeps) {
    const { store, settings } = deps;
    this.view = new ConnectionsView({
      session: null,
      source: listenerSource(store, SENDER_LISTENER),
      settings,
      status: deps.status,
      live: true,
      onClose: null,
    });
    this.form = new SenderForm({ send: () => void this.send(), changed: (values) => this.remember(values) });
    this.panel = el(
      "section",
      { class: "sender", "data-testid": "sender-panel", "data-listener-id": SENDER_LISTENER },
      this.form.root,
      el(
        "div",
        { class: "toolbar sender-bar" },
        el("span", { class: "section-title" }, "Sent requests"),
        el("span", { class: "spacer" }),
        this.view.searchBox,
      ),
      this.view.root,
    );
    this.form.fill(settings.current.sender);
  }

  private remember(values: SenderValues): void {
    if (values.body.length > REMEMBERED_BODY_CHARS) values.body = "";
    this.deps.settings.update({ sender: values });
  }

  /** Checks what the window can, then asks Rust to send; errors go next to their field. */
  private async send(): Promise<void> {
    const { errors, sendButton } = this.form;
    errors.clear();
    const built = buildRequest(this.form.values());
    if ("error" in built) {
      errors.show(built.error);
      return;
    }
    const { request } = built;
    sendButton.disabled = true;
    try {
      const id = await ipc.sendRequest(request);
      this.view.selectWhenShown(id);
      this.deps.status.message(`Sending ${request.method} ${request.url} (#${id})`);
    } catch (error) {
      errors.show(error as CommandError);
    } finally {
      sendButton.disabled = false;
    }
  }
}
