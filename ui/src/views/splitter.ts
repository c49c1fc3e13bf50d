/** A draggable divider between two flex children, sizing the first as a share of the parent. */
import { el } from "../dom";

const MIN_SHARE = 10;
const MAX_SHARE = 90;

/**
 * Returns the divider element to place after `first`. `vertical()` says whether the parent
 * stacks its children (drag up/down) or lays them side by side (drag left/right).
 */
export function splitter(first: HTMLElement, vertical: () => boolean): HTMLElement {
  const handle = el("div", { class: "splitter", role: "separator", "aria-label": "Resize" });
  handle.addEventListener("pointerdown", (down) => {
    down.preventDefault();
    handle.setPointerCapture(down.pointerId);
    const box = handle.parentElement!.getBoundingClientRect();
    const onMove = (move: PointerEvent) => {
      const share = vertical()
        ? ((move.clientY - box.top) / box.height) * 100
        : ((move.clientX - box.left) / box.width) * 100;
      first.style.flexBasis = `${Math.min(MAX_SHARE, Math.max(MIN_SHARE, share))}%`;
    };
    const onUp = () => {
      handle.removeEventListener("pointermove", onMove);
      handle.removeEventListener("pointerup", onUp);
    };
    handle.addEventListener("pointermove", onMove);
    handle.addEventListener("pointerup", onUp);
  });
  return handle;
}

/** Puts the divider back in the middle (Apache's Switch Layout does the same). */
export function resetSplit(first: HTMLElement): void {
  first.style.flexBasis = "";
}
