/**
 * The timing of a tab's search box, without the DOM: a typed query is searched once typing
 * pauses; a query typed while a search runs waits for it and the stale answer is dropped; while
 * a filter is active, new or changed rows search again at most once per `rerunMs`, so a burst of
 * traffic costs the shell one search a second. The search itself is `run` (ipc.search).
 */
import type { CommandError, RowRef } from "./types";

/** What the box shows: all rows (`rows` null, no query), the matches, or why the query failed. */
export type SearchOutcome = { query: string; rows: RowRef[] | null; error: CommandError | null };

export type SearchOptions = { debounceMs?: number; rerunMs?: number };

export class LiveSearch {
  private current = "";
  /** Bumped by every new query: answers to older ones are dropped. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** Another search is wanted once the running one answers. */
  private again = false;
  private lastRun = -Infinity;
  /** The query in force was refused (a bad regex): new rows do not make it any better. */
  private failed = false;
  private readonly debounceMs: number;
  private readonly rerunMs: number;

  constructor(
    private readonly run: (query: string) => Promise<RowRef[]>,
    private readonly onOutcome: (outcome: SearchOutcome) => void,
    { debounceMs = 200, rerunMs = 1000 }: SearchOptions = {},
  ) {
    this.debounceMs = debounceMs;
    this.rerunMs = rerunMs;
  }

  /** The query in force (trimmed); "" when every row shows. */
  get query(): string {
    return this.current;
  }

  /** The box's text changed: search after a pause; an empty box shows every row at once. */
  type(text: string): void {
    const query = text.trim();
    if (query === this.current) return;
    this.current = query;
    this.generation += 1;
    this.failed = false;
    this.cancelTimer();
    if (query === "") {
      this.onOutcome({ query, rows: null, error: null });
      return;
    }
    this.timer = setTimeout(() => this.start(), this.debounceMs);
  }

  /** Rows arrived or changed: with a filter active, search again (throttled) so they show if they match. */
  stale(): void {
    if (this.current === "" || this.failed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastRun + this.rerunMs - Date.now());
    this.timer = setTimeout(() => this.start(), wait);
  }

  /** Enter in the box: search now rather than after the pause. */
  flush(): void {
    if (this.timer === undefined || this.current === "") return;
    this.cancelTimer();
    this.start();
  }

  dispose(): void {
    this.cancelTimer();
    this.generation += 1;
  }

  private cancelTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    this.timer = undefined;
    if (this.current === "") return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.lastRun = Date.now();
    const generation = this.generation;
    const query = this.current;
    const settle = (rows: RowRef[] | null, error: CommandError | null) => {
      this.running = false;
      if (generation === this.generation) {
        this.failed = error !== null;
        this.onOutcome({ query, rows, error });
      }
      if (!this.again) return;
      this.again = false;
      // A newer query starts at once; a re-run of the same one keeps to the throttle.
      if (generation !== this.generation) this.start();
      else this.stale();
    };
    this.run(query).then(
      (rows) => settle(rows, null),
      (error: CommandError) => settle(null, error),
    );
  }
}
