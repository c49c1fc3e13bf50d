/**
 * Records as the window keeps them: one per connection, 100,000 in a busy tab, each parsed from
 * its own event. What most records have alike (a state without words, no truncation, no
 * exchanges, one of a few targets) is shared rather than held once per record. Shared parts are
 * frozen: a record is changed here once, as it arrives and before anything else holds it, and
 * after that only replaced, never changed in place (store.ts).
 */
import type { ConnectionRecord, ConnectionState } from "./types";

type Target = NonNullable<ConnectionRecord["target"]>;

const NOT_TRUNCATED: [boolean, boolean] = Object.freeze([false, false]) as [boolean, boolean];
/** The one empty exchange list (rows.ts reads it for records without any). */
export const NO_EXCHANGES: ConnectionRecord["exchanges"] = Object.freeze([]) as unknown as ConnectionRecord["exchanges"];
/** Targets remembered at most: a proxy reaching ever new origins must not grow the map forever. */
const MAX_TARGETS = 4096;
/** The states that are only a kind, one object each. */
const STATES = new Map<string, ConnectionState>(
  (["connecting", "active", "client_done", "server_done", "done"] as const).map((kind) => [kind, Object.freeze({ kind })]),
);

export class SharedParts {
  private readonly targets = new Map<string, Target>();

  /** `record` with its common parts replaced by shared ones; the same object, changed. */
  share(record: ConnectionRecord): ConnectionRecord {
    if (record.state.kind !== "failed") record.state = STATES.get(record.state.kind) ?? record.state;
    if (!record.truncated[0] && !record.truncated[1]) record.truncated = NOT_TRUNCATED;
    if (record.exchanges?.length === 0) record.exchanges = NO_EXCHANGES;
    if (record.target) record.target = this.target(record.target);
    return record;
  }

  private target(target: Target): Target {
    const key = `${target.port} ${target.host}`;
    const known = this.targets.get(key);
    if (known) return known;
    if (this.targets.size >= MAX_TARGETS) this.targets.clear();
    this.targets.set(key, Object.freeze(target));
    return target;
  }
}
