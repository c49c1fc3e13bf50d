/**
 * The protobuf schema, in the Admin tab: the path of a .proto file (its imports found in its
 * folder) or of a FileDescriptorSet, which Rust loads (set_proto_file) for the gRPC view to
 * name fields with. Kept with the settings when it loads; a bad file's reason shows by the field.
 */
import { el, setText } from "../dom";
import { ipc } from "../ipc";
import type { SettingsKeeper } from "../settings";
import type { CommandError } from "../types";
import { errorNote } from "./fieldErrors";

export class ProtoFileField {
  readonly root: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly error = errorNote("span", "error-proto_file");
  private readonly state = el("span", { class: "muted", "data-testid": "proto-file-state" });
  /** The path last tried (or being tried), so Enter and then leaving the field load it once. */
  private applied: string | null = null;

  constructor(private readonly settings: SettingsKeeper) {
    this.input = el("input", {
      type: "text",
      id: "proto-file",
      "data-testid": "proto-file",
      size: 40,
      spellcheck: "false",
      autocomplete: "off",
      placeholder: "none, e.g. /home/me/api/shop.proto",
    });
    this.input.value = settings.current.proto_file;
    this.input.addEventListener("change", () => void this.apply());
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void this.apply();
    });
    this.root = el(
      "section",
      { class: "proto-settings", "data-testid": "proto-settings" },
      el("h3", {}, "gRPC"),
      el(
        "div",
        { class: "form-row" },
        el("label", { for: "proto-file" }, "Protobuf schema"),
        el("div", { class: "form-value" }, this.input, this.state, this.error),
      ),
      el(
        "p",
        { class: "muted hint" },
        "The gRPC view decodes messages without a schema (field numbers, as protoc --decode_raw); " +
          "with a .proto file or a descriptor set (protoc --descriptor_set_out) it shows field " +
          "names, the call's path picking the types.",
      ),
    );
  }

  /** Loads the saved schema as the window starts: a file that went bad is shown, not lost. */
  applySaved(): Promise<void> {
    return this.settings.current.proto_file.trim() === "" ? Promise.resolve() : this.apply();
  }

  private async apply(): Promise<void> {
    const path = this.input.value.trim();
    if (path === this.applied) return;
    this.applied = path;
    try {
      const services = await ipc.setProtoFile(path);
      this.error.hidden = true;
      this.input.removeAttribute("aria-invalid");
      setText(this.state, path === "" ? "" : `services: ${services.join(", ") || "none"}`);
      this.settings.update({ proto_file: path });
    } catch (error) {
      // Kept in `applied`: the same path gets the same answer; an edit tries again.
      this.error.hidden = false;
      setText(this.error, (error as CommandError).message);
      this.input.setAttribute("aria-invalid", "true");
      setText(this.state, "");
    }
  }
}
