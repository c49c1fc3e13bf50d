/**
 * The toolbar under a tab's table: Remove Selected and Remove All (live tabs), Save with its
 * format, Resend and Mock (live tabs), Compare (two exchange rows selected), Switch Layout and,
 * for tabs that may close, Close.
 */
import { el } from "../dom";
import type { SettingsKeeper } from "../settings";
import type { SaveFormat } from "../types";

const SAVE_LABELS: Record<SaveFormat, string> = {
  session: "Session",
  text: "TCPMon text",
  har: "HAR",
  curl: "curl",
};

/** What the buttons do; `close` is null for a tab that stays (the Sender). */
export type RowActionHandlers = {
  removeSelected: () => void;
  removeAll: () => void;
  save: () => void;
  resend: () => void;
  mock: () => void;
  compare: () => void;
  switchLayout: () => void;
  close: (() => void) | null;
};

/** The buttons that can be greyed out, by test id. */
export type RowActionButton = "remove-selected" | "remove-all" | "save" | "resend" | "mock-from-row" | "compare";

export class RowActions {
  readonly root: HTMLElement;
  private readonly buttons: Record<string, HTMLButtonElement> = {};
  private readonly saveFormat: HTMLSelectElement;
  /** Stops following the settings' save format. */
  readonly dispose: () => void;

  /** `live`: the rows can be removed and resent (not a session's). */
  constructor(settings: SettingsKeeper, live: boolean, handlers: RowActionHandlers) {
    this.saveFormat = el(
      "select",
      { "data-testid": "save-format", "aria-label": "Save format", title: "What Save writes" },
      ...(Object.keys(SAVE_LABELS) as SaveFormat[]).map((format) =>
        el("option", { value: format, selected: settings.current.save_format === format }, SAVE_LABELS[format]),
      ),
    );
    this.saveFormat.addEventListener("change", () => settings.update({ save_format: this.format }));
    this.dispose = settings.onChange((s) => (this.saveFormat.value = s.save_format));
    this.root = this.layout(live, handlers);
  }

  /** The format Save writes. */
  get format(): SaveFormat {
    return this.saveFormat.value as SaveFormat;
  }

  enable(button: RowActionButton, on: boolean): void {
    const b = this.buttons[button];
    if (b) b.disabled = !on;
  }

  private layout(live: boolean, on: RowActionHandlers): HTMLElement {
    const button = (testid: string, label: string, title: string, run: () => void) => {
      const b = el("button", { type: "button", "data-testid": testid, title }, label);
      b.addEventListener("click", run);
      this.buttons[testid] = b;
      return b;
    };
    return el(
      "div",
      { class: "toolbar actions" },
      live &&
        button(
          "remove-selected",
          "Remove Selected",
          "Remove the connections of the selected rows (Delete)",
          on.removeSelected,
        ),
      live && button("remove-all", "Remove All", "Remove every row of this tab", on.removeAll),
      live && el("span", { class: "divider" }),
      el(
        "span",
        { class: "joined" },
        button(
          "save",
          "Save",
          "Save the selected rows, or all shown when none is selected (Ctrl+S): a session, " +
            "TCPMon text, HAR or curl commands",
          on.save,
        ),
        this.saveFormat,
      ),
      live && button("resend", "Resend", "Send the shown request again, as edited (Ctrl+R)", on.resend),
      live &&
        button(
          "mock-from-row",
          "Mock",
          "Mock from this row: answer this method and path with this response from the next connection on, " +
            "without the target (a rule added to this listener)",
          on.mock,
        ),
      button(
        "compare",
        "Compare",
        "Compare the two selected exchanges: requests and responses side by side (Ctrl-click to pick two)",
        on.compare,
      ),
      button("switch-layout", "Switch Layout", "Panes side by side or stacked (Ctrl+L)", on.switchLayout),
      el("span", { class: "spacer" }),
      on.close && button("close-tab", "Close", "Close this tab", on.close),
    );
  }
}
