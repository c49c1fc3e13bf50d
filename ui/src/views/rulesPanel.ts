/**
 * The listener form's Rules panel: an ordered list of "when SEARCH then ACTION" rules, each
 * enabled on its own, imported from and exported to the JSON file `tcpmon-cli --rules` reads
 * (through Rust's dialogs and parser). Rust checks them when the listener starts; an error
 * that names a rule is shown on that rule.
 */
import { el, setText } from "../dom";
import { ipc } from "../ipc";
import {
  ACTION_FIELDS,
  PHASED,
  RULE_ACTIONS,
  emptyFields,
  newRule,
  rowsFromText,
  ruleIndex,
  textFromRows,
  type RuleAction,
  type RuleField,
  type RuleRow,
} from "../rules";
import type { CommandError } from "../types";

const button = (testid: string, label: string, title?: string) =>
  el("button", { type: "button", class: "small", "data-testid": testid, title }, label);

const option = (value: string, label = value) => el("option", { value }, label);

export class RulesPanel {
  readonly root: HTMLElement;
  private rows: RuleRow[] = [];
  private folder = "";
  private readonly list = el("div", { class: "rules-list", "data-testid": "rules-list" });
  /** Where the last export went. */
  private readonly note = el("span", { class: "muted", "data-testid": "rules-exported" });

  /**
   * `slot` is the `rules` field's error place, moved onto the rule an error names; `changed`
   * is told of changes no input event reports (add, move, remove, import).
   */
  constructor(
    private readonly slot: HTMLElement,
    private readonly changed: () => void,
    private readonly showError: (error: CommandError) => void,
  ) {
    const add = button("rule-add", "Add rule");
    add.addEventListener("click", () => this.update(() => this.rows.push(newRule())));
    const importButton = button("rules-import", "Import…", "Read a rules file (tcpmon-cli --rules' JSON)");
    importButton.addEventListener("click", () => void this.importFile());
    const exportButton = button("rules-export", "Export…", "Write these rules as a file tcpmon-cli --rules reads");
    exportButton.addEventListener("click", () => void this.exportFile());
    this.root = el(
      "fieldset",
      { "data-testid": "rules-panel", class: "rules-panel" },
      el("legend", {}, "Rules"),
      this.list,
      el("div", { class: "form-actions" }, add, importButton, exportButton, this.note, slot),
      el(
        "p",
        { class: "muted hint" },
        "When a request (or response) matches the search expression, then the action: the edits of " +
          "every enabled rule that matches apply in order, the first matching mock or map answers. " +
          "HTTP/1 only: HTTP/2 and WebSocket traffic pass untouched.",
      ),
    );
  }

  /** The rules as the rules file's text ("" for none), and the folder of their body files. */
  get values(): { rules: string; rules_folder: string } {
    return { rules: textFromRows(this.rows), rules_folder: this.folder };
  }

  /** Shows these rules; text the panel cannot read leaves it empty. */
  set(rules: string, folder: string): void {
    try {
      this.rows = rowsFromText(rules);
    } catch {
      this.rows = [];
    }
    this.folder = folder;
    this.draw();
  }

  /** Puts the `rules` error slot on the rule `error` names, or under the list. */
  place(error: CommandError): void {
    const index = ruleIndex(error.message);
    const row = index === null ? undefined : this.list.children[index];
    (row?.querySelector(".rule-error-slot") ?? this.root.querySelector(".form-actions"))!.append(this.slot);
  }

  private update(change: () => void): void {
    change();
    this.draw();
    this.changed();
  }

  private draw(): void {
    this.root.querySelector(".form-actions")!.append(this.slot);
    this.list.replaceChildren(...this.rows.map((rule, i) => this.ruleRow(rule, i)));
  }

  private ruleRow(rule: RuleRow, i: number): HTMLElement {
    const enabled = el("input", { type: "checkbox", "data-testid": "rule-enabled", title: "Enabled" });
    enabled.checked = rule.enabled;
    enabled.addEventListener("change", () => (rule.enabled = enabled.checked));
    const when = el("input", {
      type: "text",
      class: "mono",
      "data-testid": "rule-when",
      size: 28,
      spellcheck: "false",
      autocomplete: "off",
      placeholder: "method:POST path:/orders",
      "aria-label": `Rule ${i + 1}: when`,
    });
    when.value = rule.when;
    when.addEventListener("input", () => (rule.when = when.value));
    const phase = el("select", { "data-testid": "rule-phase", "aria-label": "On" }, option("request"), option("response"));
    phase.value = rule.on;
    phase.disabled = !PHASED.includes(rule.action);
    phase.addEventListener("change", () => (rule.on = phase.value as RuleRow["on"]));
    const action = el(
      "select",
      { "data-testid": "rule-action", "aria-label": "Then" },
      ...RULE_ACTIONS.map((a) => option(a)),
    );
    action.value = rule.action;
    action.addEventListener("change", () =>
      this.update(() => {
        rule.action = action.value as RuleAction;
        rule.fields = emptyFields(rule.action);
        if (!PHASED.includes(rule.action)) rule.on = "request";
      }),
    );
    const move = (by: number) => () =>
      this.update(() => this.rows.splice(i + by, 0, ...this.rows.splice(i, 1)));
    const up = button("rule-up", "↑", "Earlier: checked before the rules below");
    up.disabled = i === 0;
    up.addEventListener("click", move(-1));
    const down = button("rule-down", "↓", "Later");
    down.disabled = i === this.rows.length - 1;
    down.addEventListener("click", move(1));
    const remove = button("rule-remove", "✕", "Remove this rule");
    remove.addEventListener("click", () => this.update(() => this.rows.splice(i, 1)));
    return el(
      "div",
      { class: "rule", "data-testid": "rule" },
      el(
        "div",
        { class: "rule-line" },
        el("span", { class: "muted" }, `${i + 1}.`),
        enabled,
        el("span", {}, "when"),
        when,
        el("span", {}, "on"),
        phase,
        el("span", {}, "then"),
        action,
        up,
        down,
        remove,
      ),
      el("div", { class: "rule-fields" }, ...ACTION_FIELDS[rule.action].map((f) => this.field(rule, f))),
      el("div", { class: "rule-error-slot" }),
    );
  }

  /** One of an action's fields, editing `rule.fields[field.key]`. */
  private field(rule: RuleRow, field: RuleField): HTMLElement {
    const testid = `rule-${field.key.toLowerCase()}`;
    if (field.kind === "check") {
      const box = el("input", { type: "checkbox", "data-testid": testid });
      box.checked = rule.fields[field.key] === "true";
      box.addEventListener("change", () => (rule.fields[field.key] = box.checked ? "true" : ""));
      return el("label", { class: "check" }, box, el("span", {}, field.label));
    }
    const attrs = { "data-testid": testid, class: "mono", spellcheck: "false", placeholder: field.placeholder ?? "" };
    const input =
      field.kind === "lines"
        ? el("textarea", { ...attrs, rows: 2, cols: 30 })
        : el("input", { ...attrs, type: "text", size: 20, autocomplete: "off" });
    input.value = rule.fields[field.key] ?? "";
    input.addEventListener("input", () => (rule.fields[field.key] = input.value));
    return el("label", { class: "rule-field" }, el("span", {}, field.label), input);
  }

  /** "Import…": the rules of a file Rust read and checked, instead of these. */
  private async importFile(): Promise<void> {
    try {
      const source = await ipc.importRules();
      if (source === null) return;
      this.update(() => {
        this.rows = rowsFromText(source.text);
        this.folder = source.folder;
      });
    } catch (error) {
      this.showError(error as CommandError);
    }
  }

  /** "Export…": these rules written where the user chooses, once Rust's parser takes them. */
  private async exportFile(): Promise<void> {
    try {
      setText(this.note, "");
      const path = await ipc.exportRules(textFromRows(this.rows) || "[]\n", this.folder);
      if (path !== null) setText(this.note, `Exported to ${path}`);
    } catch (error) {
      this.showError(error as CommandError);
    }
  }
}
