/**
 * "Export CA certificate...", in the Admin tab: Rust asks where (a native dialog) and writes
 * TCPMon's local CA certificate there, for the clients of TLS listeners to trust.
 */
import { el, setText } from "../dom";
import { ipc } from "../ipc";
import type { CommandError } from "../types";
import { errorNote } from "./fieldErrors";

export class CaExportSection {
  readonly root: HTMLElement;
  private readonly result = el("span", { class: "muted", "data-testid": "export-ca-result" });
  private readonly error = errorNote("span", "export-ca-error");

  constructor() {
    const button = el("button", { type: "button", "data-testid": "export-ca" }, "Export CA certificate...");
    button.addEventListener("click", () => void this.export(button));
    this.root = el(
      "section",
      { class: "ca-settings", "data-testid": "ca-settings" },
      el("h3", {}, "HTTPS"),
      el("div", { class: "form-actions" }, button, this.result, this.error),
      el(
        "p",
        { class: "muted hint" },
        "Clients of a TLS listener trust TCPMon once they trust this certificate " +
          "(curl --cacert FILE; the system, browsers and Java: see docs/https.md). " +
          "A .der or .cer name writes DER, any other PEM.",
      ),
    );
  }

  private async export(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this.error.hidden = true;
    try {
      const path = await ipc.exportCa();
      if (path !== null) setText(this.result, `Wrote ${path}`);
    } catch (error) {
      setText(this.result, "");
      setText(this.error, (error as CommandError).message);
      this.error.hidden = false;
    } finally {
      button.disabled = false;
    }
  }
}
