/**
 * The engine's state as the window knows it, kept in step with Rust by events.
 *
 * `reduce` applies one event: no I/O, no DOM, deterministic, so it is tested in Node. It updates
 * the state in place and notes what changed, because copying 100,000 rows per event would make
 * every event O(n). `Store` adds the protocol from docs/ipc.md: subscribe, load the snapshot,
 * drop buffered events it already covers, reload on `lagged`, and hand the views one batch of
 * changes per animation frame.
 */
import { SharedParts } from "./compact";
import { exchangesOf, rowCount, rowKey, type RowKey } from "./rows";
import type { ConnectionRecord, EngineEvent, EventBatch, ListenerInfo, PausedMessage, Snapshot } from "./types";

export type EngineState = {
  /** The last event applied (or the snapshot's seq). */
  seq: number;
  listeners: Map<number, ListenerInfo>;
  records: Map<number, ConnectionRecord>;
  /** Per listener, its connection ids in arrival order: its table shows their rows (rows.ts). */
  rows: Map<number, number[]>;
  /** Bytes relayed by all known connections, [client -> server, server -> client]. */
  bytes: [number, number];
  /** Why recording is stopped (relaying goes on), while it is. */
  recording: string | null;
  /** Messages waiting at breakpoints, by id, oldest first. */
  paused: Map<number, PausedMessage>;
  /** The same, by the row (connection, exchange) they belong to: tables look them up per row. */
  pausedRows: Map<RowKey, PausedMessage>;
  /** What records have alike, held once (compact.ts). */
  parts: SharedParts;
};

/** What changed since the views last looked. */
export type Changes = {
  /** A snapshot replaced everything: views re-read it all. */
  resync: boolean;
  /** Listeners added or changed. */
  listeners: Set<number>;
  removedListeners: Set<number>;
  /** Listeners whose table gained or lost rows (connections, or exchanges of a connection). */
  rowLists: Set<number>;
  /**
   * Listeners whose rows changed other than by connections arriving at the end: a connection
   * gained or lost exchange rows, or connections were removed. Their tables rebuild their rows;
   * the others only append.
   */
  reshaped: Set<number>;
  /** Connections whose row count (exchanges) changed: tables splice just their rows. */
  resized: Set<number>;
  /** Connections opened or changed (not removed ones). */
  records: Set<number>;
  /** Recording stopped or resumed. */
  recording: boolean;
  /** Listeners whose paused messages came or went. */
  paused: Set<number>;
  /** Messages that paused (by event) and still wait, in order: the window announces them. */
  newlyPaused: number[];
};

const NO_ROWS: readonly number[] = [];
const RETRY_MS = 2000;

export function emptyChanges(): Changes {
  return {
    resync: false,
    listeners: new Set(),
    removedListeners: new Set(),
    rowLists: new Set(),
    reshaped: new Set(),
    resized: new Set(),
    records: new Set(),
    recording: false,
    paused: new Set(),
    newlyPaused: [],
  };
}

export function stateFromSnapshot(snapshot: Snapshot): EngineState {
  const state: EngineState = {
    seq: snapshot.seq,
    listeners: new Map(snapshot.listeners.map((l) => [l.id, l])),
    records: new Map(),
    rows: new Map(),
    bytes: [0, 0],
    recording: null,
    paused: new Map(),
    pausedRows: new Map(),
    parts: new SharedParts(),
  };
  const ignored = emptyChanges();
  for (const record of snapshot.connections) putRecord(state, record, ignored);
  for (const message of snapshot.paused) pause(state, message, ignored);
  return state;
}

/** The messages of `listener` waiting at breakpoints, oldest first. O(all paused). */
export function pausedOf(state: EngineState, listener: number): PausedMessage[] {
  return [...state.paused.values()].filter((message) => message.listener === listener);
}

export function rowsOf(state: EngineState, listener: number): readonly number[] {
  return state.rows.get(listener) ?? NO_ROWS;
}

/** Applies one event to `state` in place and notes the change in `changes`. */
export function reduce(state: EngineState, event: EngineEvent, changes: Changes): void {
  switch (event.kind) {
    case "listener_changed":
      state.listeners.set(event.listener.id, event.listener);
      changes.listeners.add(event.listener.id);
      changes.removedListeners.delete(event.listener.id);
      break;
    case "listener_removed":
      state.listeners.delete(event.id);
      changes.removedListeners.add(event.id);
      changes.listeners.delete(event.id);
      break;
    case "connection_opened":
    case "connection_changed":
      putRecord(state, event.record, changes);
      break;
    case "connection_progress": {
      const record = state.records.get(event.id);
      if (record) putRecord(state, progressed(record, event), changes);
      break;
    }
    case "connections_removed":
      removeRecords(state, event.ids, changes);
      break;
    case "recording_changed":
      setRecording(state, event.stopped, changes);
      break;
    case "message_paused":
      pause(state, event.message, changes);
      changes.newlyPaused.push(event.message.id);
      break;
    case "message_resumed":
      resume(state, event.id, changes);
      break;
  }
}

function pause(state: EngineState, message: PausedMessage, changes: Changes): void {
  state.paused.set(message.id, message);
  state.pausedRows.set(rowKey(message.connection, message.exchange), message);
  changes.paused.add(message.listener);
}

function resume(state: EngineState, id: number, changes: Changes): void {
  const message = state.paused.get(id);
  if (!message) return;
  state.paused.delete(id);
  const key = rowKey(message.connection, message.exchange);
  if (state.pausedRows.get(key)?.id === id) state.pausedRows.delete(key);
  changes.paused.add(message.listener);
  const at = changes.newlyPaused.indexOf(id);
  if (at >= 0) changes.newlyPaused.splice(at, 1);
}

type Progress = Extract<EngineEvent, { kind: "connection_progress" }>;

/**
 * A record after a progress event: new byte counts and, when the event carries them, its
 * exchanges from `exchanges_from` on replaced (earlier ones are unchanged and kept).
 */
export function progressed(record: ConnectionRecord, event: Progress): ConnectionRecord {
  if (event.exchanges_from === undefined && event.exchanges === undefined) {
    return { ...record, bytes: event.bytes };
  }
  const kept = exchangesOf(record).slice(0, event.exchanges_from ?? 0);
  return { ...record, bytes: event.bytes, exchanges: kept.concat(event.exchanges ?? []) };
}

/** Applies the events newer than `state.seq`, in order; older ones are already in the state. */
export function applyEvents(state: EngineState, events: readonly EngineEvent[], changes: Changes): void {
  for (const event of events) {
    if (event.seq <= state.seq) continue;
    reduce(state, event, changes);
    state.seq = event.seq;
  }
}

/** Notes why recording is stopped (null: it records). */
export function setRecording(state: EngineState, stopped: string | null, changes: Changes): void {
  if (state.recording === stopped) return;
  state.recording = stopped;
  changes.recording = true;
}

/** Adds or replaces a record; a new one is appended to its listener's rows. O(1). */
function putRecord(state: EngineState, record: ConnectionRecord, changes: Changes): void {
  const previous = state.records.get(record.id);
  if (previous) {
    state.bytes[0] -= previous.bytes[0];
    state.bytes[1] -= previous.bytes[1];
    if (rowCount(previous) !== rowCount(record)) {
      changes.rowLists.add(record.listener);
      changes.reshaped.add(record.listener);
      changes.resized.add(record.id);
    }
  } else {
    let rows = state.rows.get(record.listener);
    if (!rows) state.rows.set(record.listener, (rows = []));
    rows.push(record.id);
    changes.rowLists.add(record.listener);
  }
  state.bytes[0] += record.bytes[0];
  state.bytes[1] += record.bytes[1];
  state.records.set(record.id, state.parts.share(record));
  changes.records.add(record.id);
}

/** Removes records; each affected row list is filtered once, whatever the number of ids. */
function removeRecords(state: EngineState, ids: readonly number[], changes: Changes): void {
  const gone = new Set<number>();
  const listeners = new Set<number>();
  for (const id of ids) {
    const record = state.records.get(id);
    if (!record) continue;
    state.records.delete(id);
    state.bytes[0] -= record.bytes[0];
    state.bytes[1] -= record.bytes[1];
    gone.add(id);
    listeners.add(record.listener);
    changes.records.delete(id);
    changes.resized.delete(id);
  }
  for (const listener of listeners) {
    const kept = rowsOf(state, listener).filter((id) => !gone.has(id));
    state.rows.set(listener, kept);
    changes.rowLists.add(listener);
    changes.reshaped.add(listener);
  }
}

export type StoreSource = {
  subscribe(handler: (batch: EventBatch) => void): Promise<unknown>;
  /** Loads the snapshot after a `lagged` batch. */
  snapshot(): Promise<Snapshot>;
};

/** Schedules one flush; requestAnimationFrame in the window, something immediate in tests. */
export type Scheduler = (run: () => void) => void;

export class Store {
  state: EngineState = stateFromSnapshot({ seq: 0, listeners: [], connections: [], paused: [] });
  private pending = emptyChanges();
  private flushScheduled = false;
  /** Events that arrived while a snapshot was loading; null when none is. */
  private buffer: EngineEvent[] | null = null;
  private reloadAgain = false;
  private readonly views: Array<(changes: Changes, state: EngineState) => void> = [];

  constructor(
    private readonly source: StoreSource,
    private readonly schedule: Scheduler,
    private readonly onError: (message: string) => void,
  ) {}

  /** Calls `view` once per frame with everything that changed since the last call. */
  onChange(view: (changes: Changes, state: EngineState) => void): void {
    this.views.push(view);
  }

  /**
   * Subscribes first, then loads the first snapshot with `load` (the `startup` command), so no
   * event can fall between the two; events the snapshot already covers are dropped.
   */
  async connect(load: () => Promise<Snapshot>): Promise<void> {
    this.buffer = [];
    await this.source.subscribe((batch) => this.receive(batch));
    await this.loadSnapshot(load);
  }

  /**
   * Why recording is stopped, as the `status` command said (events say it too; snapshots do
   * not, so a window that missed the event learns it here).
   */
  setRecording(stopped: string | null): void {
    setRecording(this.state, stopped, this.pending);
    if (this.pending.recording) this.scheduleFlush();
  }

  private receive(batch: EventBatch): void {
    if (this.buffer) {
      for (const event of batch.events) this.buffer.push(event);
      this.reloadAgain ||= batch.lagged;
      return;
    }
    if (batch.lagged) {
      this.buffer = [...batch.events];
      this.loadSnapshot(() => this.source.snapshot()).catch(() => {}); // reported and retried inside
      return;
    }
    applyEvents(this.state, batch.events, this.pending);
    this.scheduleFlush();
  }

  /** Replaces the state by a snapshot plus the newer buffered events; retries until it works. */
  private async loadSnapshot(load: () => Promise<Snapshot>): Promise<void> {
    try {
      do {
        this.reloadAgain = false;
        const recording = this.state.recording;
        this.state = stateFromSnapshot(await load());
        this.state.recording = recording;
        load = () => this.source.snapshot();
      } while (this.reloadAgain);
    } catch (error) {
      this.onError(`Could not load the connection list: ${(error as { message?: string }).message ?? error}`);
      setTimeout(() => this.loadSnapshot(() => this.source.snapshot()).catch(() => {}), RETRY_MS);
      throw error;
    }
    const buffered = this.buffer ?? [];
    this.buffer = null;
    this.pending = emptyChanges();
    this.pending.resync = true;
    applyEvents(this.state, buffered, this.pending);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.schedule(() => this.flush());
  }

  /**
   * Hands the views what changed now rather than at the next frame. The window does this once
   * its views are registered: the first frame can come late (a busy machine), and until it has
   * run, the snapshot's resync is pending; a listener added meanwhile, whose tab opens from the
   * command's answer before its event arrives, would then be taken for one the snapshot lacks.
   */
  flush(): void {
    this.flushScheduled = false;
    const changes = this.pending;
    this.pending = emptyChanges();
    for (const view of this.views) view(changes, this.state);
  }
}
