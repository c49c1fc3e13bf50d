/** An in-page modal question (window.confirm would block the webview and cannot be styled). */
import { el } from "../dom";

type Question = { title: string; message: string; confirm: string; cancel?: string };

/** Resolves true when the user confirms; Escape, Cancel or closing answer false. */
export function ask({ title, message, confirm, cancel = "Cancel" }: Question): Promise<boolean> {
  const yes = el("button", { type: "button", class: "danger", "data-testid": "dialog-confirm" }, confirm);
  const no = el("button", { type: "button", "data-testid": "dialog-cancel" }, cancel);
  const dialog = el(
    "dialog",
    { class: "modal", "data-testid": "confirm-dialog", "aria-label": title },
    el("h2", {}, title),
    el("p", {}, message),
    el("div", { class: "modal-actions" }, no, yes),
  );
  document.body.append(dialog);
  dialog.showModal();
  no.focus();
  return new Promise((resolve) => {
    const answer = (value: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    yes.addEventListener("click", () => answer(true));
    no.addEventListener("click", () => answer(false));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      answer(false);
    });
  });
}

/** Whether a modal is up, during which the app's shortcuts stay quiet. */
export function modalOpen(): boolean {
  return document.querySelector("dialog[open]") !== null;
}
