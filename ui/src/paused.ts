/**
 * Messages paused at breakpoints, in words: what the notice, the tab's count and the editor say
 * about them. Pure, tested in Node.
 */
import { formatCount } from "./format";
import type { PausedMessage } from "./types";

/** What Respond's text starts as: a head to complete, then the body after the blank line. */
export const RESPOND_TEMPLATE = "HTTP/1.1 200 OK\nContent-Type: text/plain\n\n";

/** "Request paused at rule 2: POST /orders HTTP/1.1". */
export function pausedTitle(message: PausedMessage): string {
  const phase = message.phase === "request" ? "Request" : "Response";
  return `${phase} paused at rule ${message.rule}: ${message.summary}`;
}

/** A listener tab's count: "3 paused", or "" for none. */
export function pausedCount(count: number): string {
  return count === 0 ? "" : `${formatCount(count)} paused`;
}

/** The newest waiting message (the map is in pause order), or null when none waits. */
export function newestPaused(waiting: ReadonlyMap<number, PausedMessage>): PausedMessage | null {
  let newest: PausedMessage | null = null;
  for (const message of waiting.values()) newest = message;
  return newest;
}
