/** Command errors shown in words next to the field they name, or in one place for the rest. */
import { el, setText } from "../dom";
import type { CommandError, FormField } from "../types";

/** The slot for a field's error, placed right after the field. */
export function errorSlot(field: FormField): HTMLElement {
  return el("span", { class: "field-error", "data-testid": `error-${field}`, role: "alert", hidden: true });
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
