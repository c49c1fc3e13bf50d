/**
 * Building DOM without markup strings. Text always goes in as text nodes, so captured traffic
 * can never become markup; attributes are plain values, and inline handlers or styles are
 * refused because the shell's CSP forbids them anyway.
 */

type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

/** `el("button", { class: "primary", "data-testid": "add" }, "Add")`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on") || name === "style") {
      throw new Error(`el(): "${name}" is not allowed, use addEventListener or a class`);
    }
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
  return node;
}

/** Sets an element's text; a no-op when unchanged, which keeps hot re-renders cheap. */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** True when plain keys (arrows, Delete) belong to a form control rather than to the row list. */
export function ownsKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return (
    target instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit"].includes(target.type)
  );
}
