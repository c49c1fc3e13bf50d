/** The status line: what the engine is doing, and the outcome of the last action, in words. */
import { el, setText } from "../dom";
import { captureText, formatBytes, plural, recordingText } from "../format";

export type Stats = {
  running: number;
  connections: number;
  bytes: [number, number];
  /** Size of the capture log on disk; null until the first status poll answers. */
  capture: number | null;
  /** The capture limit in force, in bytes; null: none. */
  limit: number | null;
  /** Why recording is stopped, while it is. */
  recording: string | null;
};

const MESSAGE_MS = 8000;

export class StatusLine {
  readonly root: HTMLElement;
  private readonly messageEl = el("span", {
    class: "status-message",
    "data-testid": "status-message",
    role: "status",
  });
  private readonly recordingEl = el("span", {
    class: "status-recording",
    "data-testid": "status-recording",
    role: "alert",
    hidden: true,
  });
  private readonly statsEl = el("span", { class: "status-stats", "data-testid": "status" });
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.root = el("footer", { class: "statusbar" }, this.messageEl, this.recordingEl, this.statsEl);
  }

  /** Shows an outcome; information fades after a while, errors stay until the next message. */
  message(text: string, tone: "info" | "error" = "info"): void {
    clearTimeout(this.timer);
    setText(this.messageEl, text);
    this.messageEl.classList.toggle("error", tone === "error");
    if (tone === "info") this.timer = setTimeout(() => setText(this.messageEl, ""), MESSAGE_MS);
  }

  error(text: string): void {
    this.message(text, "error");
  }

  stats({ running, connections, bytes, capture, limit, recording }: Stats): void {
    const parts = [
      `${plural(running, "listener")} running`,
      plural(connections, "connection"),
      `↑ ${formatBytes(bytes[0])}  ↓ ${formatBytes(bytes[1])}`,
      captureText(capture, limit),
    ];
    setText(this.statsEl, parts.join("  ·  "));
    this.recordingEl.hidden = recording === null;
    setText(this.recordingEl, recording === null ? "" : recordingText(recording));
    if (recording !== null) this.recordingEl.title = recordingText(recording);
  }
}
