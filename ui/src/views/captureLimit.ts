/**
 * The capture limit, in the Admin tab: a size as typed ("500MiB", "2GB"; empty: none), which
 * Rust parses and applies to the live capture at once (set_capture_limit), and which is kept
 * with the settings when it is valid (Rust applies the saved one as the app starts).
 */
import { el, setText } from "../dom";
import { formatBytes } from "../format";
import { ipc } from "../ipc";
import type { SettingsKeeper } from "../settings";
import type { CommandError } from "../types";
import { errorNote } from "./fieldErrors";

export class CaptureLimitField {
  readonly root: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly error = errorNote("span", "error-capture_limit");
  private readonly state = el("span", { class: "muted", "data-testid": "capture-limit-state" });
  /** The text last tried (or being tried), so Enter and then leaving the field try once. */
  private applied: string | null = null;

  constructor(
    private readonly settings: SettingsKeeper,
    /** Called with the limit in force once Rust took it. */
    private readonly onApplied: (limit: number | null) => void,
  ) {
    this.input = el("input", {
      type: "text",
      id: "capture-limit",
      "data-testid": "capture-limit",
      size: 12,
      spellcheck: "false",
      autocomplete: "off",
      placeholder: "none, e.g. 500MiB",
    });
    this.input.value = settings.current.capture_limit;
    this.input.addEventListener("change", () => void this.apply());
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void this.apply();
    });
    this.root = el(
      "section",
      { class: "capture-settings", "data-testid": "capture-settings" },
      el("h3", {}, "Capture"),
      el(
        "div",
        { class: "form-row" },
        el("label", { for: "capture-limit" }, "Capture limit"),
        el("div", { class: "form-value" }, this.input, this.state, this.error),
      ),
      el(
        "p",
        { class: "muted hint" },
        "Past the limit, and while the disk has less than 1 GiB free, TCPMon stops recording " +
          "(relaying goes on) and says so on the status line. Removing rows makes room again.",
      ),
    );
  }

  /** Applies what the settings hold, as the window starts: a bad saved value is shown, not lost. */
  applySaved(): Promise<void> {
    return this.settings.current.capture_limit.trim() === "" ? Promise.resolve() : this.apply();
  }

  private async apply(): Promise<void> {
    const text = this.input.value.trim();
    if (text === this.applied) return;
    this.applied = text;
    try {
      const limit = await ipc.setCaptureLimit(text);
      this.error.hidden = true;
      this.input.removeAttribute("aria-invalid");
      setText(this.state, limit === null ? "no limit" : `recording stops at ${formatBytes(limit)}`);
      this.settings.update({ capture_limit: text });
      this.onApplied(limit);
    } catch (error) {
      // Kept in `applied`: the same text gets the same answer; an edit tries again.
      this.error.hidden = false;
      setText(this.error, (error as CommandError).message);
      this.input.setAttribute("aria-invalid", "true");
      setText(this.state, "");
    }
  }
}
