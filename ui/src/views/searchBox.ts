/**
 * A tab's search box: the query field (searched by LiveSearch as typing pauses), the count of
 * rows it lets through, and why a query was refused.
 */
import { el, setText } from "../dom";
import { formatCount, plural } from "../format";
import { LiveSearch, type SearchOutcome } from "../search";
import type { RowRef } from "../types";

const SEARCH_HELP =
  "Filter rows. Terms all must match: method:POST status:404 status:4xx host:text path:text " +
  "header:Name header:Name=text body:text ws:text /regex/ word; -term negates. Ctrl+F here, Escape clears.";

export class SearchBox {
  /** The box with its count and error, for the tab to place in its toolbar. */
  readonly root: HTMLElement;
  private readonly input = el("input", {
    type: "search",
    class: "search-input",
    "data-testid": "search",
    placeholder: "Filter: method:POST status:4xx body:text /re/ -word",
    "aria-label": "Filter rows",
    title: SEARCH_HELP,
    spellcheck: "false",
    autocomplete: "off",
  });
  private readonly count = el("span", { class: "search-count muted", "data-testid": "search-count", hidden: true });
  private readonly error = el("span", {
    class: "field-error search-error",
    "data-testid": "search-error",
    role: "alert",
    hidden: true,
  });
  private readonly search: LiveSearch;

  /**
   * `run` searches (ipc.search); `onMatches` gets the rows an accepted query matches, null for
   * all rows (an empty box). A refused query leaves the rows as the last good one filtered them.
   */
  constructor(run: (query: string) => Promise<RowRef[]>, onMatches: (rows: RowRef[] | null) => void) {
    this.root = el("span", { class: "search", "data-testid": "search-box" }, this.input, this.count, this.error);
    this.search = new LiveSearch(run, (outcome) => {
      if (this.showOutcome(outcome)) onMatches(outcome.rows);
    });
    const onType = () => this.search.type(this.input.value);
    this.input.addEventListener("input", onType);
    this.input.addEventListener("search", onType);
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") this.search.flush();
      if (e.key === "Escape" && this.input.value !== "") {
        // The first Escape clears the box; the next one goes back to the rows (keyboard.ts).
        e.preventDefault();
        e.stopPropagation();
        this.input.value = "";
        this.search.type("");
      }
    });
  }

  /** The query in force; "" when every row shows. */
  get query(): string {
    return this.search.query;
  }

  /** Rows arrived or changed: with a filter active, search again (throttled). */
  stale(): void {
    this.search.stale();
  }

  /** Ctrl+F: into the box, its text selected. */
  focus(): void {
    this.input.focus();
    this.input.select();
  }

  /** "N of M rows" while a filter hides some; nothing otherwise. */
  showCount(filtered: boolean, shown: number, all: number): void {
    this.count.hidden = !filtered;
    setText(this.count, filtered ? `${formatCount(shown)} of ${plural(all, "row")}` : "");
  }

  dispose(): void {
    this.search.dispose();
  }

  /** Shows the query's error, if any; true when the query was accepted. */
  private showOutcome({ query, error }: SearchOutcome): boolean {
    this.error.hidden = error === null;
    setText(this.error, error?.message ?? "");
    this.input.classList.toggle("invalid", error !== null);
    this.input.setAttribute("aria-invalid", String(error !== null));
    if (error !== null) return false;
    this.root.dataset.query = query;
    return true;
  }
}
