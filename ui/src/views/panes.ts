/**
 * The request and response panes of the shown connection. Each reads pages of a view from Rust
 * (read_view), shows the first and appends more on demand, and re-reads its last page while the
 * connection still grows. A WebSocket message selected under its exchange takes the pane of its
 * direction (read_message_view). Captured text is set as text nodes only: it is hostile.
 */
import { el, setText } from "../dom";
import { errorText, formatBytes, messageArrow, truncationText } from "../format";
import { ipc } from "../ipc";
import type { Layout, SettingsKeeper } from "../settings";
import { exchangesOf } from "../rows";
import { throttle } from "../timing";
import {
  VIEW_KINDS,
  type ConnectionRecord,
  type Direction,
  type MessageRow,
  type ViewKind,
  type ViewPage,
} from "../types";
import { resetSplit, splitter } from "./splitter";

/**
 * What the panes show: a connection's whole streams, or one of its exchanges (`exchange` index);
 * with `message`, that WebSocket message of the exchange in the pane of its direction.
 */
export type PaneTarget = {
  session: number | null;
  record: ConnectionRecord;
  exchange: number | null;
  message?: MessageRow | null;
};

type Page = { offset: number; next: number | null; node: Text };

const VIEW_LABELS: Record<ViewKind, string> = {
  raw: "Raw",
  xml: "XML",
  json: "JSON",
  hex: "Hex",
  grpc: "gRPC",
  auto: "Auto",
};
/** Editing loads the whole request into a textarea; past this it would only freeze the window. */
const EDIT_LIMIT_CHARS = 8 * 1024 * 1024;
/** Live panes re-read at most this often, whatever the event rate. */
const REFRESH_MS = 400;

type PaneName = "request" | "response";

/** The list of views (Raw, XML, …) a pane can show its bytes as. */
const viewSelect = (name: PaneName, view: ViewKind) =>
  el(
    "select",
    { "data-testid": `${name}-view`, "aria-label": `${name} view` },
    ...VIEW_KINDS.map((kind) => el("option", { value: kind, selected: kind === view }, VIEW_LABELS[kind])),
  );

/** Shown in the pane's head when recording stopped before the connection ended. */
const truncatedMark = (name: PaneName) =>
  el(
    "span",
    {
      class: "badge warn",
      "data-testid": `${name}-truncated`,
      title: "The capture cap stopped recording; relaying went on",
      hidden: true,
    },
    "recording stopped",
  );

/**
 * Which side of a changed message the pane shows: what the client sent or received (the
 * capture), or what the server got or sent (kept beside it when a rule or breakpoint changed it).
 */
const sideSelect = (name: PaneName) =>
  el(
    "select",
    {
      "data-testid": `${name}-side`,
      "aria-label": `${name} side`,
      title: "TCPMon changed this message on purpose (a rule or a breakpoint)",
      hidden: true,
    },
    el("option", { value: "client" }, name === "request" ? "As the client sent it" : "As the client got it"),
    el("option", { value: "server" }, name === "request" ? "As the server got it" : "As the server sent it"),
  );

const editButton = () =>
  el(
    "button",
    { type: "button", class: "small", "data-testid": "edit-request", title: "Edit the request, then Resend it" },
    "Edit",
  );

export class MessagePane {
  readonly root: HTMLElement;
  private target: PaneTarget | null = null;
  private pages: Page[] = [];
  /** Bumped whenever what the pane shows changes, so late answers for the old one are dropped. */
  private generation = 0;
  /** Reads run one at a time, so a refresh and a "load more" never interleave. */
  private queue: Promise<void> = Promise.resolve();
  private editing = false;
  private readonly index: 0 | 1;
  private readonly select: HTMLSelectElement;
  /** Shown when TCPMon changed the message: the client's side (the capture) or the server's. */
  private readonly side: HTMLSelectElement;
  private readonly resolvedView: HTMLElement;
  private readonly size: HTMLElement;
  private readonly truncatedMark: HTMLElement;
  /** Why recording stopped, in words, under the head. */
  private readonly truncation: HTMLElement;
  private readonly note: HTMLElement;
  private readonly failure: HTMLElement;
  private readonly text: HTMLPreElement;
  private readonly editor: HTMLTextAreaElement;
  private readonly loadMore: HTMLButtonElement;
  private readonly editButton: HTMLButtonElement | null;

  constructor(
    private readonly direction: Direction,
    private view: ViewKind,
    onViewChange: (view: ViewKind) => void,
    /** Makes the pane editable; called as editing starts. */
    private readonly onEdit: (() => void) | null,
  ) {
    this.index = direction === "client_to_server" ? 0 : 1;
    const name: PaneName = this.index === 0 ? "request" : "response";
    this.select = viewSelect(name, view);
    this.select.addEventListener("change", () => {
      this.view = this.select.value as ViewKind;
      onViewChange(this.view);
      this.reload();
    });
    this.side = sideSelect(name);
    this.side.addEventListener("change", () => this.reload());
    this.resolvedView = el("span", { class: "resolved-view muted" });
    this.size = el("span", { class: "muted" });
    this.truncatedMark = truncatedMark(name);
    this.editButton = onEdit ? editButton() : null;
    this.editButton?.addEventListener("click", () =>
      this.editing ? this.stopEdit() : void this.startEdit(),
    );
    this.truncation = el("div", { class: "pane-note", "data-testid": `${name}-truncation`, hidden: true });
    this.note = el("div", { class: "pane-note", "data-testid": `${name}-note`, hidden: true });
    this.failure = el("div", { class: "pane-note error", "data-testid": `${name}-failure`, hidden: true });
    this.text = el("pre", { class: "pane-text", tabindex: 0 });
    this.editor = el("textarea", {
      class: "pane-text editor",
      "data-testid": `${name}-editor`,
      spellcheck: "false",
      hidden: true,
      "aria-label": "Edited request",
    });
    this.loadMore = el(
      "button",
      { type: "button", class: "small load-more", "data-testid": `${name}-load-more`, hidden: true },
      "Load more",
    );
    this.loadMore.addEventListener("click", () => this.loadNext());
    this.root = this.layout(name);
    this.show(null);
  }

  private layout(name: PaneName): HTMLElement {
    return el(
      "section",
      { class: "pane", "data-testid": `${name}-pane`, "aria-label": name },
      el(
        "header",
        { class: "pane-head" },
        el("span", { class: "pane-title" }, name === "request" ? "Request" : "Response"),
        this.size,
        this.truncatedMark,
        el("span", { class: "spacer" }),
        this.editButton,
        this.side,
        this.resolvedView,
        this.select,
      ),
      this.failure,
      this.truncation,
      this.note,
      el("div", { class: "pane-body" }, this.text, this.editor, this.loadMore),
    );
  }

  /** Shows a connection, or the placeholder for none. The same connection only updates its facts. */
  show(target: PaneTarget | null): void {
    const same =
      target !== null &&
      this.target !== null &&
      target.session === this.target.session &&
      target.record.id === this.target.record.id &&
      target.exchange === this.target.exchange &&
      this.messageOf(target)?.index === this.messageOf(this.target)?.index;
    this.target = target;
    const changed = target !== null && this.changed(target);
    if (!same || (!changed && this.side.value === "server")) this.side.value = "client";
    this.side.hidden = !changed;
    if (!same) {
      this.stopEdit();
      this.reload();
    }
    this.drawFacts();
  }

  /** Re-reads the last page when it reached the end of what was recorded: the connection grew. */
  refresh(): void {
    if (this.target === null || this.editing || this.messageOf(this.target) !== null) return;
    this.read(() => {
      const last = this.lastPage();
      if (last === undefined) return { offset: 0, replaceLast: false };
      return last.next === null ? { offset: last.offset, replaceLast: true } : null;
    });
  }

  /**
   * The edited request text as typed, or null when the user did not edit (resend the captured
   * bytes). Rust gives it back the line ends of the capture (a textarea only has LF).
   */
  editedText(): string | null {
    return this.editing ? this.editor.value : null;
  }

  focus(): void {
    this.text.focus();
  }

  private reload(): void {
    this.generation += 1;
    this.pages = [];
    this.text.replaceChildren();
    this.note.hidden = true;
    this.showTruncation(false);
    this.resolvedView.textContent = "";
    this.loadMore.hidden = true;
    this.text.classList.toggle("placeholder", this.target === null);
    if (this.target === null) this.text.textContent = "Waiting for connection…";
    else this.read(() => (this.pages.length === 0 ? { offset: 0, replaceLast: false } : null));
  }

  private lastPage(): Page | undefined {
    return this.pages[this.pages.length - 1];
  }

  private loadNext(): void {
    this.read(() => {
      const next = this.lastPage()?.next;
      return next === undefined || next === null ? null : { offset: next, replaceLast: false };
    });
  }

  /** Whether TCPMon changed `target`'s message in this pane's direction (its server side is kept). */
  private changed(target: PaneTarget): boolean {
    const { record, exchange } = target;
    return (
      exchange !== null &&
      this.messageOf(target) === null &&
      (record.server_side ?? []).some((s) => s.exchange === exchange && s.direction === this.direction)
    );
  }

  /** The WebSocket message `target` shows in this pane, if any. */
  private messageOf(target: PaneTarget): MessageRow | null {
    const message = target.message ?? null;
    return message !== null && message.direction === this.direction ? message : null;
  }

  /** One page of the target's message in this pane's direction, rendered as `view`, from `offset`. */
  private readPage(target: PaneTarget, view: ViewKind, offset: number): Promise<ViewPage> {
    const message = this.messageOf(target);
    if (message !== null && target.exchange !== null) {
      return ipc.readMessageView({
        session: target.session,
        id: target.record.id,
        exchange: target.exchange,
        index: message.index,
        view,
        offset,
      });
    }
    if (this.side.value === "server" && target.exchange !== null) {
      return ipc.readServerSide({
        session: target.session,
        id: target.record.id,
        direction: this.direction,
        exchange: target.exchange,
        view,
        offset,
      });
    }
    return ipc.readView({
      session: target.session,
      id: target.record.id,
      direction: this.direction,
      view,
      offset,
      exchange: target.exchange,
    });
  }

  /**
   * Queues one page read. `plan` runs when the read's turn comes, against the pages loaded by
   * then, and says which page to read and whether it replaces the last one (null: nothing to do).
   */
  private read(plan: () => { offset: number; replaceLast: boolean } | null): void {
    const generation = this.generation;
    const target = this.target!;
    this.queue = this.queue.then(async () => {
      const step = generation === this.generation ? plan() : null;
      if (step === null) return;
      try {
        const page = await this.readPage(target, this.view, step.offset);
        if (generation !== this.generation) return;
        const last = this.lastPage();
        if (step.replaceLast && last) {
          last.node.data = page.text;
          last.next = page.next_offset;
        } else {
          const node = document.createTextNode(page.text);
          this.text.append(node);
          this.pages.push({ offset: page.offset, next: page.next_offset, node });
        }
        this.showNote(page.note, false);
        this.text.classList.toggle("hex", page.view === "hex");
        setText(this.resolvedView, page.view === this.view ? "" : `shown as ${VIEW_LABELS[page.view]}`);
        this.showTruncation(page.truncated || target.record.truncated[this.index]);
        this.loadMore.hidden = page.next_offset === null;
        if (page.next_offset !== null) {
          setText(
            this.loadMore,
            `Load more (${formatBytes(page.next_offset)} of ${formatBytes(page.total)} shown)`,
          );
        }
      } catch (error) {
        if (generation === this.generation)
          this.showNote(`Could not read this view: ${errorText(error)}`, true);
      }
    });
  }

  /** Marks (or unmarks) this direction as no longer recorded, with the record's reason. */
  private showTruncation(truncated: boolean): void {
    const text = truncated ? truncationText(this.target?.record.truncation) : "";
    this.truncatedMark.hidden = !truncated;
    this.truncation.hidden = !truncated;
    setText(this.truncation, text);
    if (truncated) this.truncatedMark.title = text;
  }

  private showNote(text: string | null, isError: boolean): void {
    this.note.hidden = text === null;
    this.note.classList.toggle("error", isError);
    setText(this.note, text ?? "");
  }

  /** Facts that come with the record rather than the view: size, truncation, failure reason. */
  private drawFacts(): void {
    const record = this.target?.record;
    setText(this.size, this.target ? this.sizeText(this.target) : "");
    if (record?.truncated[this.index]) this.showTruncation(true);
    const reason = this.index === 1 && record?.state.kind === "failed" ? record.state.reason : null;
    this.failure.hidden = reason === null;
    setText(this.failure, reason === null ? "" : `Failed: ${reason}`);
    if (this.editButton) this.editButton.disabled = !record || this.messageOf(this.target!) !== null;
  }

  /** The message's size: an exchange's on the wire (and its body), else the whole direction's. */
  private sizeText(target: PaneTarget): string {
    const { record, exchange } = target;
    const message = this.messageOf(target);
    if (message !== null) {
      const deflated = message.compressed ? ", deflated" : "";
      const id = message.id === null ? "" : `, id ${message.id}`;
      return `message ${message.index + 1} ${messageArrow(message.direction)} ${message.opcode}, ${formatBytes(message.size)}${deflated}${id}`;
    }
    if (exchange === null) return formatBytes(record.bytes[this.index]);
    const ex = exchangesOf(record)[exchange];
    const span = ex ? (this.index === 0 ? ex.request : ex.response) : null;
    if (!span) return "";
    const body = span.body_len > 0 ? ` (body ${formatBytes(span.body_len)})` : "";
    return `${formatBytes(span.end - span.start)}${body}`;
  }

  /** Loads the whole captured request as raw text into the editor. */
  private async startEdit(): Promise<void> {
    const target = this.target;
    if (target === null || this.messageOf(target) !== null) return;
    this.onEdit?.();
    const generation = this.generation;
    let text = "";
    let offset: number | null = 0;
    try {
      while (offset !== null && text.length <= EDIT_LIMIT_CHARS) {
        const page = await this.readPage(target, "raw", offset);
        text += page.text;
        offset = page.next_offset;
      }
    } catch (error) {
      this.showNote(`Cannot edit: ${errorText(error)}`, true);
      return;
    }
    if (offset !== null) {
      this.showNote("Cannot edit: the request is too large to edit here", true);
      return;
    }
    if (generation !== this.generation) return;
    this.editing = true;
    this.editor.value = text;
    this.editor.hidden = false;
    this.text.hidden = true;
    this.loadMore.hidden = true;
    this.select.disabled = true;
    setText(this.editButton!, "Discard edits");
    this.editor.focus();
  }

  private stopEdit(): void {
    if (!this.editing) return;
    this.editing = false;
    this.editor.hidden = true;
    this.text.hidden = false;
    this.select.disabled = false;
    setText(this.editButton!, "Edit");
    this.loadMore.hidden = this.lastPage()?.next == null;
  }
}

/** The two panes, side by side or stacked (a setting shared by all tabs), with a divider. */
export class Panes {
  readonly root: HTMLElement;
  readonly request: MessagePane;
  readonly response: MessagePane;
  /** Call when the shown connection changed: re-reads at most every REFRESH_MS. */
  readonly refreshSoon: () => void;
  private layout: Layout | null = null;
  /** Stops following the layout setting, once the tab is closed. */
  readonly dispose: () => void;

  /** `onEdit`: the request can be edited (for Resend); called as editing starts. */
  constructor(settings: SettingsKeeper, onEdit: (() => void) | null) {
    const { views } = settings.current;
    this.request = new MessagePane(
      "client_to_server",
      views.request,
      (request) => settings.update({ views: { ...settings.current.views, request } }),
      onEdit,
    );
    this.response = new MessagePane(
      "server_to_client",
      views.response,
      (response) => settings.update({ views: { ...settings.current.views, response } }),
      null,
    );
    this.root = el("div", { class: "panes" });
    this.root.append(
      this.request.root,
      splitter(this.request.root, () => this.root.classList.contains("stacked")),
      this.response.root,
    );
    this.refreshSoon = throttle(() => {
      this.request.refresh();
      this.response.refresh();
    }, REFRESH_MS);
    this.applyLayout(settings.current.layout);
    this.dispose = settings.onChange((s) => this.applyLayout(s.layout));
  }

  show(target: PaneTarget | null): void {
    this.request.show(target);
    this.response.show(target);
  }

  private applyLayout(layout: Layout): void {
    if (layout === this.layout) return;
    this.layout = layout;
    this.root.classList.toggle("stacked", layout === "stacked");
    this.root.classList.toggle("side", layout === "side");
    resetSplit(this.request.root);
  }
}
