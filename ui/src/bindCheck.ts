/**
 * Whether a bind address is loopback, as the engine decides it (check_bind, docs/ipc.md): the UI
 * has no address rule of its own, so its warnings never disagree with the listener.
 */
import { ipc } from "./ipc";
import type { BindCheck } from "./types";

export type BindChecker = (addr: string) => Promise<BindCheck>;

/** `ask`, once per address (answers never change), with the answers known so far at hand. */
export function cachedChecker(ask: BindChecker): {
  check: BindChecker;
  known: (addr: string) => BindCheck | undefined;
} {
  const pending = new Map<string, Promise<BindCheck>>();
  const answers = new Map<string, BindCheck>();
  const check = (addr: string): Promise<BindCheck> => {
    let answer = pending.get(addr);
    if (answer === undefined) {
      answer = ask(addr).then(
        (result) => {
          answers.set(addr, result);
          return result;
        },
        (error: unknown) => {
          pending.delete(addr); // asked again next time
          return { loopback: false, error: (error as { message?: string }).message ?? String(error) };
        },
      );
      pending.set(addr, answer);
    }
    return answer;
  };
  return { check, known: (addr) => answers.get(addr) };
}

/**
 * Checks what is typed `delayMs` after typing stops and calls `apply` with the answer for the
 * latest text only: an answer to text typed over since is dropped.
 */
export function watchTyping(
  check: BindChecker,
  apply: (result: BindCheck) => void,
  delayMs = 120,
): (addr: string) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;
  return (addr: string) => {
    const asked = ++latest;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void check(addr).then((result) => {
        if (asked === latest) apply(result);
      });
    }, delayMs);
  };
}

/** Whether an address reaches beyond this machine: loopback says no; not an address, no warning either. */
export const exposed = (result: BindCheck): boolean => !result.loopback && result.error === undefined;

/** The app's checker, through Rust. */
export const bindChecks = cachedChecker((addr) => ipc.checkBind(addr));
