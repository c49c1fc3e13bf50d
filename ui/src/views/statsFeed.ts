/**
 * The status line's figures: the store's counts at every change, and the capture's size, limit
 * and recording state polled from Rust (`status`) every two seconds.
 */
import { ipc } from "../ipc";
import type { Store } from "../store";
import { SENDER_LISTENER } from "./senderTab";
import type { StatusLine } from "./statusLine";

const STATUS_POLL_MS = 2000;

export class StatsFeed {
  /** The capture log's size; null until a poll answers, and after one fails. */
  private capture: number | null = null;
  private captureLimit: number | null = null;

  constructor(
    private readonly store: Store,
    private readonly status: StatusLine,
  ) {}

  /** Polls now and then every STATUS_POLL_MS. */
  start(): void {
    void this.poll();
    setInterval(() => void this.poll(), STATUS_POLL_MS);
  }

  /** Shows the figures as they stand. */
  show(): void {
    const state = this.store.state;
    this.status.stats({
      running: [...state.listeners.values()].filter((l) => l.running && l.id !== SENDER_LISTENER).length,
      connections: state.records.size,
      bytes: state.bytes,
      capture: this.capture,
      limit: this.captureLimit,
      recording: state.recording,
    });
  }

  /** Asks Rust for the capture's figures, then shows them. */
  async poll(): Promise<void> {
    try {
      const figures = await ipc.status();
      this.capture = figures.capture_bytes;
      this.captureLimit = figures.capture_limit ?? null;
      this.store.setRecording(figures.recording_stopped ?? null);
    } catch {
      this.capture = null;
    }
    this.show();
  }
}
