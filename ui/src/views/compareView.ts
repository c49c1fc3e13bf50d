/**
 * "Compare": two exchanges side by side in a modal view, their requests and then their
 * responses, as the shell's `compare` aligns them (numbered lines, removed/added/changed rows,
 * changed words marked). Its options (headers to ignore, JSON key order, bodies as sent) ask
 * again as they change. Captured text goes in as text only.
 */
import { compareOptions, exchangeName, KIND_MARKS, type ExchangeRef } from "../compare";
import { el, setText } from "../dom";
import { errorText } from "../format";
import type { DiffLine, DiffRow, DiffRows } from "../generated/ipc";
import { ipc } from "../ipc";

/** Typing in the headers field asks again once it pauses this long. */
const TYPING_MS = 300;

/** One side of a row: its line number and its text, changed words marked. */
function side(line: DiffLine | null, which: "old" | "new"): HTMLElement[] {
  if (line === null) return [el("span", { class: `diff-num ${which}` }), el("span", { class: `diff-text ${which} empty` })];
  return [
    el("span", { class: `diff-num ${which}` }, String(line.number)),
    el(
      "span",
      { class: `diff-text ${which}` },
      ...line.parts.map((part) => (part.changed ? el("mark", { class: "diff-word" }, part.text) : part.text)),
    ),
  ];
}

function diffRow(row: DiffRow): HTMLElement {
  return el(
    "div",
    { class: `diff-row diff-${row.kind}`, "data-kind": row.kind, role: "row" },
    el("span", { class: "diff-mark", "aria-hidden": "true" }, KIND_MARKS[row.kind]),
    ...side(row.old, "old"),
    ...side(row.new, "new"),
  );
}

/** A part of the view: "Requests" or "Responses" and their rows. */
function section(title: string, testid: string, rows: DiffRows): HTMLElement {
  const note = rows.same
    ? `The ${title.toLowerCase()} are the same.`
    : rows.cut
      ? `Only the first ${rows.rows.length} rows are shown.`
      : null;
  return el(
    "section",
    { class: "diff-section", "data-testid": testid },
    el("h3", {}, title),
    note && el("p", { class: "diff-note" }, note),
    el("div", { class: "diff-rows", role: "table", "aria-label": title }, ...rows.rows.map(diffRow)),
  );
}

/** Opens the Compare view of exchanges `left` and `right` of a tab (`session` null: live). */
export function openCompare(session: number | null, left: ExchangeRef, right: ExchangeRef): void {
  const ignore = el("input", {
    type: "text",
    id: "compare-ignore-headers",
    "data-testid": "compare-ignore-headers",
    placeholder: "Date, Set-Cookie",
    spellcheck: "false",
  });
  const keyOrder = el("input", { type: "checkbox", "data-testid": "compare-key-order" });
  const raw = el("input", { type: "checkbox", "data-testid": "compare-raw" });
  const close = el("button", { type: "button", "data-testid": "compare-close" }, "Close");
  const status = el("p", { class: "diff-status", "data-testid": "compare-status", role: "status" });
  const body = el("div", { class: "diff-body" });
  const dialog = el(
    "dialog",
    { class: "modal compare", "data-testid": "diff-view", "aria-label": "Compare" },
    el("h2", {}, `Compare ${exchangeName(left)} with ${exchangeName(right)}`),
    el(
      "div",
      { class: "toolbar diff-options" },
      el("label", { class: "inline-field", for: ignore.id }, "Ignore headers", ignore),
      el("label", { class: "check", title: "JSON objects with their keys sorted" }, keyOrder, "Ignore JSON key order"),
      el("label", { class: "check", title: "Bodies decoded but not indented" }, raw, "Bodies as sent"),
      el("span", { class: "spacer" }),
      close,
    ),
    status,
    body,
  );

  /** Only the newest answer is drawn: an older one may arrive after it. */
  let asked = 0;
  const run = async () => {
    const mine = ++asked;
    setText(status, "Comparing…");
    try {
      const options = compareOptions(ignore.value, keyOrder.checked, raw.checked);
      const result = await ipc.compare(session, left, right, options);
      if (mine !== asked) return;
      setText(status, "");
      body.replaceChildren(
        section("Requests", "diff-requests", result.request),
        section("Responses", "diff-responses", result.response),
      );
    } catch (error) {
      if (mine === asked) setText(status, `Could not compare: ${errorText(error)}`);
    }
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  ignore.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => void run(), TYPING_MS);
  });
  keyOrder.addEventListener("change", () => void run());
  raw.addEventListener("change", () => void run());
  const done = () => {
    clearTimeout(typing);
    asked++;
    dialog.close();
    dialog.remove();
  };
  close.addEventListener("click", done);
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault();
    done();
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  void run();
}
