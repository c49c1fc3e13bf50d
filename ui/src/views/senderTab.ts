/**
 * The Sender tab (Apache TCPMon had one): compose an HTTP request (method, http:// URL, headers,
 * body; a SOAP helper) and send it. Rust sends it in the background and captures it like any
 * connection, under listener id 0, so the table and panes below show what went out and what came
 * back, exactly as a listener tab would. The tab cannot be closed.
 */
import { el } from "../dom";
import { ipc } from "../ipc";
import { applySoap, buildRequest, METHODS, URL_EXAMPLE, type SenderValues } from "../sender";
import type { SettingsKeeper } from "../settings";
import { rowsOf, type Store } from "../store";
import type { CommandError } from "../types";
import { ConnectionsView } from "./connectionsView";
import { FieldErrors, errorNote, errorSlots } from "./fieldErrors";
import type { StatusLine } from "./statusLine";

/** The listener id the shell captures the Sender's connections under. */
export const SENDER_LISTENER = 0;

/** The method list's entry that reveals a free-text method field. */
const OTHER = "other";

/** Bodies larger than this are not remembered between runs (settings stay small). */
const REMEMBERED_BODY_CHARS = 64 * 1024;

export type SenderDeps = { store: Store; settings: SettingsKeeper; status: StatusLine };

export class SenderTab {
  readonly panel: HTMLElement;
  readonly view: ConnectionsView;
  private readonly method: HTMLSelectElement;
  private readonly otherMethod: HTMLInputElement;
  private readonly url: HTMLInputElement;
  private readonly headers: HTMLTextAreaElement;
  private readonly body: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly errors: FieldErrors;

  constructor(private readonly deps: SenderDeps) {
    const { store, settings } = deps;
    this.view = new ConnectionsView({
      session: null,
      source: {
        ids: () => rowsOf(store.state, SENDER_LISTENER),
        record: (id) => {
          const record = store.state.records.get(id);
          return record?.listener === SENDER_LISTENER ? record : undefined;
        },
      },
      settings,
      status: deps.status,
      live: true,
      onClose: null,
    });

    this.method = el(
      "select",
      { id: "sender-method", "data-testid": "sender-method", "aria-label": "Method" },
      ...METHODS.map((m) => el("option", { value: m }, m)),
      el("option", { value: OTHER }, "Other…"),
    );
    this.otherMethod = el("input", {
      type: "text",
      class: "sender-other-method",
      "data-testid": "sender-method-other",
      "aria-label": "Method (free text)",
      placeholder: "METHOD",
      size: 10,
      spellcheck: "false",
      autocomplete: "off",
      hidden: true,
    });
    this.url = el("input", {
      type: "text",
      id: "sender-url",
      class: "sender-url",
      "data-testid": "sender-url",
      "aria-label": "URL",
      placeholder: URL_EXAMPLE,
      title: "http:// only: the Sender speaks plain HTTP",
      spellcheck: "false",
      autocomplete: "off",
    });
    this.headers = el("textarea", {
      id: "sender-headers",
      class: "sender-text",
      "data-testid": "sender-headers",
      placeholder: "Name: value, one per line\nAccept: application/json",
      spellcheck: "false",
      rows: 5,
    });
    this.body = el("textarea", {
      id: "sender-body",
      class: "sender-text",
      "data-testid": "sender-body",
      placeholder: "Request body (sent as UTF-8)",
      spellcheck: "false",
      rows: 5,
    });
    const soap = el(
      "button",
      {
        type: "button",
        "data-testid": "sender-soap",
        title:
          'POST with Content-Type: text/xml and SOAPAction: "" (unless there are such headers), ' +
          "and a SOAP 1.1 envelope when the body is empty",
      },
      "SOAP",
    );
    soap.addEventListener("click", () => {
      this.fill(applySoap(this.values()));
      this.remember();
    });
    this.sendButton = el(
      "button",
      {
        type: "submit",
        class: "primary",
        "data-testid": "sender-send",
        title: "Send (Enter in the URL, Ctrl+Enter anywhere in the form)",
      },
      "Send",
    );

    const slots = errorSlots("method", "url", "headers", "body");
    const formError = errorNote("p", "sender-error");
    this.errors = new FieldErrors(slots, formError);

    const box = (label: string, input: HTMLTextAreaElement, slot: HTMLElement) =>
      el("div", { class: "sender-box" }, el("label", { for: input.id }, label), input, slot);
    const form = el(
      "form",
      { class: "sender-form", "data-testid": "sender-form", novalidate: true, "aria-label": "Compose a request" },
      el(
        "div",
        { class: "sender-line" },
        this.method,
        this.otherMethod,
        this.url,
        soap,
        this.sendButton,
      ),
      el("div", { class: "sender-line-errors" }, slots.method, slots.url),
      el(
        "div",
        { class: "sender-boxes" },
        box("Headers", this.headers, slots.headers),
        box("Body", this.body, slots.body),
      ),
      formError,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send();
    });
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.send();
      }
    });
    form.addEventListener("input", () => this.remember());
    this.method.addEventListener("change", () => {
      this.syncMethod();
      if (this.method.value === OTHER) this.otherMethod.focus();
      this.remember();
    });

    this.panel = el(
      "section",
      { class: "sender", "data-testid": "sender-panel", "data-listener-id": SENDER_LISTENER },
      form,
      el(
        "div",
        { class: "toolbar sender-bar" },
        el("span", { class: "section-title" }, "Sent requests"),
        el("span", { class: "spacer" }),
        this.view.searchBox,
      ),
      this.view.root,
    );
    this.fill(settings.current.sender);
  }

  private values(): SenderValues {
    return {
      method: this.method.value === OTHER ? this.otherMethod.value : this.method.value,
      url: this.url.value,
      headers: this.headers.value,
      body: this.body.value,
    };
  }

  private fill(values: SenderValues): void {
    const method = values.method.trim();
    const known = (METHODS as readonly string[]).includes(method);
    this.method.value = known ? method : OTHER;
    this.otherMethod.value = known ? "" : method;
    this.url.value = values.url;
    this.headers.value = values.headers;
    this.body.value = values.body;
    this.syncMethod();
  }

  private syncMethod(): void {
    this.otherMethod.hidden = this.method.value !== OTHER;
  }

  private remember(): void {
    const values = this.values();
    if (values.body.length > REMEMBERED_BODY_CHARS) values.body = "";
    this.deps.settings.update({ sender: values });
  }

  /** Checks what the window can, then asks Rust to send; errors go next to their field. */
  private async send(): Promise<void> {
    this.errors.clear();
    const built = buildRequest(this.values());
    if ("error" in built) {
      this.errors.show(built.error);
      return;
    }
    const { request } = built;
    this.sendButton.disabled = true;
    try {
      const id = await ipc.sendRequest(request);
      this.view.selectWhenShown(id);
      this.deps.status.message(`Sending ${request.method} ${request.url} (#${id})`);
    } catch (error) {
      this.errors.show(error as CommandError);
    } finally {
      this.sendButton.disabled = false;
    }
  }
}
