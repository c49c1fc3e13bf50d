/**
 * The Sender's form: method (a list, or free text after "Other…"), URL, SOAP and Send on one
 * line, the headers and body boxes under it, each with the place for its error.
 */
import { el } from "../dom";
import { applySoap, METHODS, URL_EXAMPLE, type SenderValues } from "../sender";
import { FieldErrors, errorNote, errorSlots } from "./fieldErrors";

/** The method list's entry that reveals a free-text method field. */
const OTHER = "other";

export type SenderFormHooks = {
  /** Submit, Enter in the URL or Ctrl+Enter anywhere in the form. */
  send: () => void;
  /** The user changed the form (typing, the method list, the SOAP helper). */
  changed: (values: SenderValues) => void;
};

const methodSelect = () =>
  el(
    "select",
    { id: "sender-method", "data-testid": "sender-method", "aria-label": "Method" },
    ...METHODS.map((m) => el("option", { value: m }, m)),
    el("option", { value: OTHER }, "Other…"),
  );

const otherMethodInput = () =>
  el("input", {
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

const urlInput = () =>
  el("input", {
    type: "text",
    id: "sender-url",
    class: "sender-url",
    "data-testid": "sender-url",
    "aria-label": "URL",
    placeholder: URL_EXAMPLE,
    title: "http:// or https:// (verified against the system's trusted certificates)",
    spellcheck: "false",
    autocomplete: "off",
  });

/** The headers or body box; `id` is its test id too. */
const textBox = (id: string, placeholder: string) =>
  el("textarea", { id, class: "sender-text", "data-testid": id, placeholder, spellcheck: "false", rows: 5 });

const soapButton = () =>
  el(
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

const sendButton = () =>
  el(
    "button",
    {
      type: "submit",
      class: "primary",
      "data-testid": "sender-send",
      title: "Send (Enter in the URL, Ctrl+Enter anywhere in the form)",
    },
    "Send",
  );

export class SenderForm {
  readonly root: HTMLFormElement;
  readonly sendButton = sendButton();
  readonly errors: FieldErrors;
  private readonly method = methodSelect();
  private readonly otherMethod = otherMethodInput();
  private readonly url = urlInput();
  private readonly headers = textBox("sender-headers", "Name: value, one per line\nAccept: application/json");
  private readonly body = textBox("sender-body", "Request body (sent as UTF-8)");

  constructor(private readonly hooks: SenderFormHooks) {
    const soap = soapButton();
    soap.addEventListener("click", () => {
      this.fill(applySoap(this.values()));
      hooks.changed(this.values());
    });
    const slots = errorSlots("method", "url", "headers", "body");
    const formError = errorNote("p", "sender-error");
    this.errors = new FieldErrors(slots, formError);
    const box = (label: string, input: HTMLTextAreaElement, slot: HTMLElement) =>
      el("div", { class: "sender-box" }, el("label", { for: input.id }, label), input, slot);
    this.root = el(
      "form",
      { class: "sender-form", "data-testid": "sender-form", novalidate: true, "aria-label": "Compose a request" },
      el("div", { class: "sender-line" }, this.method, this.otherMethod, this.url, soap, this.sendButton),
      el("div", { class: "sender-line-errors" }, slots.method, slots.url),
      el(
        "div",
        { class: "sender-boxes" },
        box("Headers", this.headers, slots.headers),
        box("Body", this.body, slots.body),
      ),
      formError,
    );
    this.listen();
  }

  values(): SenderValues {
    return {
      method: this.method.value === OTHER ? this.otherMethod.value : this.method.value,
      url: this.url.value,
      headers: this.headers.value,
      body: this.body.value,
    };
  }

  fill(values: SenderValues): void {
    const method = values.method.trim();
    const known = (METHODS as readonly string[]).includes(method);
    this.method.value = known ? method : OTHER;
    this.otherMethod.value = known ? "" : method;
    this.url.value = values.url;
    this.headers.value = values.headers;
    this.body.value = values.body;
    this.syncMethod();
  }

  private listen(): void {
    const { send, changed } = this.hooks;
    this.root.addEventListener("submit", (e) => {
      e.preventDefault();
      send();
    });
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        send();
      }
    });
    this.root.addEventListener("input", () => changed(this.values()));
    this.method.addEventListener("change", () => {
      this.syncMethod();
      if (this.method.value === OTHER) this.otherMethod.focus();
      changed(this.values());
    });
  }

  private syncMethod(): void {
    this.otherMethod.hidden = this.method.value !== OTHER;
  }
}
