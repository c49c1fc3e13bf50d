/** Command errors shown in words next to the field they name, or in one place for the rest. */
import { el, setText } from "../dom";
import type { CommandError, FormField } from "../types";

/** A place for an error in words, hidden until there is one: a `p` of its own or a `span` in a line. */
export function errorNote(tag: "p" | "span", testid: string): HTMLElement {
  return el(tag, { class: "field-error", "data-testid": testid, role: "alert", hidden: true });
}

/** The slots for the errors of `fields`, by field; each is placed right after its field. */
export function errorSlots<F extends FormField>(...fields: F[]): Record<F, HTMLElement> {
  const slots = fields.map((field) => [field, errorNote("span", `error-${field}`)]);
  return Object.fromEntries(slots) as Record<F, HTMLElement>;
}

export class FieldErrors {
  constructor(
    private readonly slots: Partial<Record<FormField, HTMLElement>>,
    private readonly general: HTMLElement,
  ) {}

  show(error: CommandError): void {
    this.clear();
    const slot = (error.field && this.slots[error.field]) || this.general;
    setText(slot, error.message);
    slot.hidden = false;
  }

  clear(): void {
    for (const slot of [...Object.values(this.slots), this.general]) {
      slot.hidden = true;
      setText(slot, "");
    }
  }
}
