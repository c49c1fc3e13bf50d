import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyEvents, emptyChanges, pausedOf, progressed, reduce, rowsOf, stateFromSnapshot, Store } from "../src/store";
import type { EventBatch, Snapshot } from "../src/types";
import { exchange, listener, opened, pausedMessage, record } from "./fixtures";

const empty = (seq = 0): Snapshot => ({ seq, listeners: [], connections: [], paused: [] });

describe("reduce", () => {
  test("opened connections append to their listener's rows in arrival order", () => {
    const state = stateFromSnapshot(empty());
    const changes = emptyChanges();
    applyEvents(
      state,
      [opened(1, record(5)), opened(2, record(7, { listener: 2 })), opened(3, record(6))],
      changes,
    );
    assert.deepEqual(rowsOf(state, 1), [5, 6]);
    assert.deepEqual(rowsOf(state, 2), [7]);
    assert.deepEqual([...changes.rowLists].sort(), [1, 2]);
    assert.equal(state.seq, 3);
  });

  test("progress updates a record's bytes and the totals without adding a row", () => {
    const state = stateFromSnapshot({ ...empty(), connections: [record(1, { bytes: [10, 20] })] });
    const changes = emptyChanges();
    reduce(state, { seq: 1, kind: "connection_progress", id: 1, bytes: [15, 120] }, changes);
    assert.deepEqual(state.records.get(1)?.bytes, [15, 120]);
    assert.deepEqual(state.bytes, [15, 120]);
    assert.deepEqual(rowsOf(state, 1), [1]);
    assert.equal(changes.rowLists.size, 0);
    assert.ok(changes.records.has(1));
  });

  test("progress for an unknown connection is ignored", () => {
    const state = stateFromSnapshot(empty());
    reduce(state, { seq: 1, kind: "connection_progress", id: 9, bytes: [1, 1] }, emptyChanges());
    assert.equal(state.records.size, 0);
    assert.deepEqual(state.bytes, [0, 0]);
  });

  test("a changed record replaces the old one and its bytes count once", () => {
    const state = stateFromSnapshot({ ...empty(), connections: [record(1, { bytes: [10, 0] })] });
    reduce(
      state,
      { seq: 1, kind: "connection_changed", record: record(1, { bytes: [10, 50], state: { kind: "done" } }) },
      emptyChanges(),
    );
    assert.equal(state.records.get(1)?.state.kind, "done");
    assert.deepEqual(state.bytes, [10, 50]);
    assert.deepEqual(rowsOf(state, 1), [1]);
  });

  test("removed connections leave their rows, their listener's list and the totals", () => {
    const state = stateFromSnapshot({
      ...empty(),
      connections: [record(1, { bytes: [1, 1] }), record(2, { bytes: [2, 2] }), record(3, { bytes: [4, 4] })],
    });
    const changes = emptyChanges();
    reduce(state, { seq: 1, kind: "connections_removed", ids: [1, 3, 99] }, changes);
    assert.deepEqual(rowsOf(state, 1), [2]);
    assert.deepEqual([...state.records.keys()], [2]);
    assert.deepEqual(state.bytes, [2, 2]);
    assert.ok(changes.rowLists.has(1));
    assert.ok(changes.reshaped.has(1));
  });

  test("a removed listener keeps its connections until they are removed", () => {
    const state = stateFromSnapshot({ seq: 0, listeners: [listener(1)], connections: [record(1)], paused: [] });
    const changes = emptyChanges();
    reduce(state, { seq: 1, kind: "listener_removed", id: 1 }, changes);
    assert.equal(state.listeners.size, 0);
    assert.deepEqual(rowsOf(state, 1), [1]);
    assert.ok(changes.removedListeners.has(1));
  });

  test("events at or below the state's seq are already in it and are skipped", () => {
    const state = stateFromSnapshot(empty(10));
    applyEvents(state, [opened(9, record(1)), opened(10, record(2)), opened(11, record(3))], emptyChanges());
    assert.deepEqual(rowsOf(state, 1), [3]);
    assert.equal(state.seq, 11);
  });
});

describe("paused messages", () => {
  test("pause and resume events keep the paused list, by id and by row; the new ones are noted", () => {
    const state = stateFromSnapshot({ ...empty(), paused: [pausedMessage(1, 4)] });
    assert.equal(state.pausedRows.get("4:0")?.id, 1);
    const changes = emptyChanges();
    applyEvents(
      state,
      [
        { seq: 1, kind: "message_paused", message: pausedMessage(2, 5, { exchange: 3, phase: "response" }) },
        { seq: 2, kind: "message_paused", message: pausedMessage(3, 6, { listener: 2 }) },
        { seq: 3, kind: "message_resumed", id: 1, how: "continued unchanged" },
        { seq: 4, kind: "message_resumed", id: 3, how: "dropped (the connection was closed)" },
        { seq: 5, kind: "message_resumed", id: 99, how: "continued unchanged" },
      ],
      changes,
    );
    assert.deepEqual([...state.paused.keys()], [2]);
    assert.deepEqual([...state.pausedRows.keys()], ["5:3"]);
    assert.deepEqual(pausedOf(state, 1).map((m) => m.id), [2]);
    assert.deepEqual(pausedOf(state, 2), []);
    assert.deepEqual([...changes.paused].sort(), [1, 2]);
    assert.deepEqual(changes.newlyPaused, [2], "one that already went on is not announced");
  });

  test("a lagged reload replaces the paused list with the snapshot's", async () => {
    const source = fakeSource([{ ...empty(20), paused: [pausedMessage(7, 1)] }]);
    const store = new Store(
      source,
      (run) => run(),
      () => {},
    );
    await store.connect(async () => ({ ...empty(1), paused: [pausedMessage(3, 2)] }));
    source.push({ events: [{ seq: 2, kind: "message_paused", message: pausedMessage(4, 3) }], lagged: false });
    assert.deepEqual([...store.state.paused.keys()], [3, 4]);
    source.push({ events: [], lagged: true });
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual([...store.state.paused.keys()], [7]);
    assert.deepEqual([...store.state.pausedRows.keys()], ["1:0"]);
  });
});

describe("recording", () => {
  test("recording_changed says why recording stopped, and null that it resumed", () => {
    const state = stateFromSnapshot(empty());
    assert.equal(state.recording, null);
    let changes = emptyChanges();
    reduce(state, { seq: 1, kind: "recording_changed", stopped: "the disk is full" }, changes);
    assert.equal(state.recording, "the disk is full");
    assert.equal(changes.recording, true);
    changes = emptyChanges();
    reduce(state, { seq: 2, kind: "recording_changed", stopped: "the disk is full" }, changes);
    assert.equal(changes.recording, false, "no news");
    reduce(state, { seq: 3, kind: "recording_changed", stopped: null }, changes);
    assert.equal(state.recording, null);
    assert.equal(changes.recording, true);
  });

  test("the status poll tells the store too, and a snapshot reload keeps what it knows", async () => {
    const source = fakeSource([{ seq: 20, listeners: [], connections: [], paused: [] }]);
    const store = new Store(
      source,
      (run) => run(),
      () => {},
    );
    await store.connect(async () => empty(0));
    const seen: boolean[] = [];
    store.onChange((changes) => seen.push(changes.recording));
    store.setRecording("the capture limit of 1 MiB was reached");
    store.setRecording("the capture limit of 1 MiB was reached");
    assert.deepEqual(seen, [true], "one change, one frame");
    source.push({ events: [], lagged: true });
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(source.loads, 1);
    assert.equal(store.state.recording, "the capture limit of 1 MiB was reached");
  });
});

/** A fake shell: hands out snapshots on request and lets the test push batches. */
function fakeSource(snapshots: Snapshot[]) {
  let handler: (batch: EventBatch) => void = () => {};
  let loads = 0;
  return {
    subscribe: async (h: (batch: EventBatch) => void) => {
      handler = h;
    },
    snapshot: async () => snapshots[Math.min(loads++, snapshots.length - 1)]!,
    push: (batch: EventBatch) => handler(batch),
    get loads() {
      return loads;
    },
  };
}

describe("Store", () => {
  test("events buffered while the snapshot loads are dropped up to its seq, newer ones applied", async () => {
    const source = fakeSource([]);
    const store = new Store(
      source,
      (run) => run(),
      () => {},
    );
    let release!: (s: Snapshot) => void;
    const connecting = store.connect(() => new Promise((resolve) => (release = resolve)));
    await Promise.resolve();
    source.push({
      events: [opened(4, record(1)), opened(5, record(2)), opened(6, record(3))],
      lagged: false,
    });
    release({ seq: 5, listeners: [], connections: [record(1), record(2)], paused: [] });
    await connecting;
    assert.deepEqual(rowsOf(store.state, 1), [1, 2, 3]);
    assert.equal(store.state.seq, 6);
  });

  test("a lagged batch reloads the snapshot instead of applying a gap", async () => {
    const source = fakeSource([{ seq: 20, listeners: [], connections: [record(1), record(8)], paused: [] }]);
    const store = new Store(
      source,
      (run) => run(),
      () => {},
    );
    await store.connect(async () => empty(0));
    source.push({ events: [opened(19, record(7)), opened(21, record(9))], lagged: true });
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(source.loads, 1);
    assert.deepEqual(rowsOf(store.state, 1), [1, 8, 9]);
  });

  test("views get one merged set of changes per scheduled frame", async () => {
    const source = fakeSource([]);
    const frames: Array<() => void> = [];
    const store = new Store(
      source,
      (run) => frames.push(run),
      () => {},
    );
    await store.connect(async () => empty(0));
    frames.splice(0).forEach((run) => run());
    const seen: number[][] = [];
    store.onChange((changes) => seen.push([...changes.records]));
    source.push({ events: [opened(1, record(1))], lagged: false });
    source.push({ events: [opened(2, record(2))], lagged: false });
    assert.equal(frames.length, 1);
    frames[0]!();
    assert.deepEqual(seen, [[1, 2]]);
  });

  test("flush hands the pending changes over now, without waiting for the frame", async () => {
    const source = fakeSource([]);
    const frames: Array<() => void> = [];
    const store = new Store(
      source,
      (run) => frames.push(run),
      () => {},
    );
    await store.connect(async () => ({ seq: 1, listeners: [listener(3)], connections: [], paused: [] }));
    const seen: boolean[] = [];
    store.onChange((changes) => seen.push(changes.resync));
    store.flush();
    assert.deepEqual(seen, [true], "the snapshot's resync, at once");
    frames.splice(0).forEach((run) => run());
    assert.deepEqual(seen, [true, false], "the late frame has nothing left to say");
    source.push({ events: [opened(2, record(1))], lagged: false });
    assert.equal(frames.length, 1, "later changes are scheduled again");
  });

  test("a failed snapshot load is reported in words and retried", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const source = fakeSource([{ seq: 3, listeners: [], connections: [record(4)], paused: [] }]);
    const errors: string[] = [];
    const store = new Store(
      source,
      (run) => run(),
      (m) => errors.push(m),
    );
    await assert.rejects(store.connect(() => Promise.reject({ kind: "io", message: "shell not ready" })));
    assert.match(errors[0]!, /shell not ready/);
    t.mock.timers.tick(5000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(source.loads, 1);
    assert.deepEqual(rowsOf(store.state, 1), [4]);
  });
});

describe("exchanges", () => {
  test("progress with exchanges keeps those before exchanges_from and replaces the rest", () => {
    const state = stateFromSnapshot({
      ...empty(),
      connections: [
        record(1, { exchanges: [exchange({ target: "/a" }), exchange({ target: "/b", response: null })] }),
      ],
    });
    const changes = emptyChanges();
    reduce(
      state,
      {
        seq: 1,
        kind: "connection_progress",
        id: 1,
        bytes: [10, 20],
        exchanges_from: 1,
        exchanges: [exchange({ target: "/b" }), exchange({ target: "/c", response: null })],
      },
      changes,
    );
    const after = state.records.get(1)!;
    assert.deepEqual(
      after.exchanges.map((e) => [e.target, e.response !== null]),
      [
        ["/a", true],
        ["/b", true],
        ["/c", false],
      ],
    );
    assert.deepEqual(after.bytes, [10, 20]);
    assert.ok(changes.rowLists.has(1), "a new row");
    assert.ok(changes.reshaped.has(1), "the connection's rows grew where they are");
    assert.deepEqual([...changes.resized], [1]);
  });

  test("progress that only updates an exchange changes no rows", () => {
    const state = stateFromSnapshot({ ...empty(), connections: [record(1, { exchanges: [exchange({ response: null })] })] });
    const changes = emptyChanges();
    reduce(
      state,
      { seq: 1, kind: "connection_progress", id: 1, bytes: [5, 5], exchanges_from: 0, exchanges: [exchange()] },
      changes,
    );
    assert.equal(state.records.get(1)!.exchanges[0]!.status, 200);
    assert.equal(changes.rowLists.size, 0);
    assert.equal(changes.reshaped.size, 0);
    assert.ok(changes.records.has(1));
  });

  test("progress without exchanges keeps them; the first exchange of a raw row keeps its one row", () => {
    const ex = exchange();
    const state = stateFromSnapshot({ ...empty(), connections: [record(1, { exchanges: [ex] }), record(2)] });
    const changes = emptyChanges();
    reduce(state, { seq: 1, kind: "connection_progress", id: 1, bytes: [9, 9] }, changes);
    assert.equal(state.records.get(1)!.exchanges[0], ex);
    reduce(
      state,
      { seq: 2, kind: "connection_progress", id: 2, bytes: [9, 0], exchanges_from: 0, exchanges: [ex] },
      changes,
    );
    assert.equal(changes.reshaped.size, 0, "one row before, one row after");
  });

  test("exchanges_from 0 with no exchanges turns a connection back into one raw row", () => {
    const record1 = record(1, { exchanges: [exchange(), exchange()] });
    const patched = progressed(record1, {
      seq: 1,
      kind: "connection_progress",
      id: 1,
      bytes: [1, 1],
      exchanges_from: 0,
      exchanges: [],
    });
    assert.deepEqual(patched.exchanges, []);
    assert.deepEqual(record1.exchanges.length, 2, "the old record is not changed");
  });

  test("a changed record with more exchanges marks its listener reshaped; a new one only appends", () => {
    const state = stateFromSnapshot({ ...empty(), connections: [record(1)] });
    const changes = emptyChanges();
    reduce(state, opened(1, record(2, { exchanges: [exchange(), exchange()] })), changes);
    assert.ok(changes.rowLists.has(1));
    assert.equal(changes.reshaped.size, 0);
    assert.equal(changes.resized.size, 0);
    reduce(state, { seq: 2, kind: "connection_changed", record: record(1, { exchanges: [exchange(), exchange()] }) }, changes);
    assert.ok(changes.reshaped.has(1));
    assert.ok(changes.resized.has(1));
    reduce(state, { seq: 3, kind: "connections_removed", ids: [1] }, changes);
    assert.equal(changes.resized.size, 0, "a removed connection is not resized");
  });
});
