/**
 * Composition root: builds the window, connects the store to the engine, and keeps one tab per
 * listener (and per opened session) in step with it. Views get their data through the store and
 * their commands through ipc.ts.
 */
import { el, ownsKeys } from "./dom";
import { listenerPort } from "./format";
import { ipc, subscribe } from "./ipc";
import { keyAction } from "./keyboard";
import { formFromListener } from "./listenerForm";
import { parseSettings, SettingsKeeper } from "./settings";
import { rowsOf, Store, type Changes, type EngineState } from "./store";
import type { CommandError, ListenerInfo, OpenedSession, Startup } from "./types";
import { AdminView } from "./views/admin";
import { CaptureLimitField } from "./views/captureLimit";
import type { ConnectionsView } from "./views/connectionsView";
import { ask, modalOpen } from "./views/dialog";
import { ListenerTab } from "./views/listenerTab";
import { RecoverNotice } from "./views/recoverNotice";
import { SENDER_LISTENER, SenderTab } from "./views/senderTab";
import { sessionTab } from "./views/sessionTab";
import { StatusLine } from "./views/statusLine";
import { TabBar } from "./views/tabs";

const STATUS_POLL_MS = 2000;
const ADMIN = "admin";
const SENDER = "sender";

const errorText = (error: unknown) => (error as CommandError).message ?? String(error);
const listenerKey = (id: number) => `listener-${id}`;

async function main(): Promise<void> {
  const status = new StatusLine();
  const tabs = new TabBar();
  const openButton = el(
    "button",
    { type: "button", "data-testid": "open-session", title: "Open a saved session or a HAR file, read-only" },
    "Open Session…",
  );
  /** Notices above the tabs (captures a crash left); empty most of the time. */
  const notices = el("div", { class: "notices" });
  document.body.replaceChildren(
    el(
      "div",
      { class: "app" },
      el("header", { class: "tabbar" }, tabs.strip, el("div", { class: "tabbar-actions" }, openButton)),
      notices,
      tabs.panels,
      status.root,
    ),
  );

  const store = new Store(
    { subscribe, snapshot: ipc.snapshot },
    (run) => requestAnimationFrame(run),
    (m) => status.error(m),
  );
  let startup = null as Startup | null;
  try {
    await store.connect(async () => (startup = await ipc.startup()).snapshot);
  } catch {
    // Reported on the status line; the store keeps retrying with `snapshot`.
  }
  const launchError = startup?.launch_error;
  if (launchError) status.error(`The listener from the command line did not start: ${launchError.message}`);
  const settings = new SettingsKeeper(parseSettings(startup?.settings ?? null), ipc.saveSettings, (m) =>
    status.error(m),
  );
  window.addEventListener("beforeunload", () => settings.flush());

  /** The connection view of every tab that has one, by tab key, for the keyboard. */
  const views = new Map<string, ConnectionsView>();
  const listenerTabs = new Map<number, ListenerTab>();
  /** Listeners whose tab the user closed: late events about them must not bring it back. */
  const dismissed = new Set<number>();

  const rememberOpenListeners = () =>
    settings.update({ open_listeners: [...listenerTabs.values()].map((t) => formFromListener(t.info)) });

  const admin = new AdminView(settings, (info) => {
    const tab = listenerTabs.get(info.id) ?? openListenerTab(info);
    tab.setInfo(info);
    tabs.select(listenerKey(info.id));
    rememberOpenListeners();
  });
  tabs.add({ key: ADMIN, title: "Admin", testid: "admin-tab", panel: admin.panel });
  // The Sender's connections are listener 0's: they show in its tab, never in a "Port" tab.
  const sender = new SenderTab({ store, settings, status });
  views.set(SENDER, sender.view);
  tabs.add({
    key: SENDER,
    title: "Sender",
    testid: "sender-tab",
    panel: sender.panel,
    onVisible: (visible) => sender.view.setVisible(visible),
  });
  const running = new Set([...store.state.listeners.values()].map((l) => String(listenerPort(l))));
  admin.offerReopen(settings.current.open_listeners.filter((form) => !running.has(form.port)));

  function removeView(key: string): void {
    views.get(key)?.dispose();
    views.delete(key);
    tabs.remove(key);
  }

  function addView(
    key: string,
    title: string,
    testid: string,
    panel: HTMLElement,
    view: ConnectionsView,
    onClose: () => void,
  ) {
    views.set(key, view);
    tabs.add({ key, title, testid, panel, onClose, onVisible: (visible) => view.setVisible(visible) });
  }

  function openListenerTab(info: ListenerInfo): ListenerTab {
    const key = listenerKey(info.id);
    const tab = new ListenerTab(info, {
      store,
      settings,
      status,
      onClose: () => void closeListener(info.id),
      onTitle: (title, tone) => {
        tabs.setTitle(key, title);
        tabs.setTone(key, tone);
      },
    });
    listenerTabs.set(info.id, tab);
    addView(key, tab.title, "listener-tab", tab.panel, tab.view, () => void closeListener(info.id));
    tabs.setTone(key, tab.tone);
    return tab;
  }

  function dropListenerTab(id: number): void {
    listenerTabs.delete(id);
    removeView(listenerKey(id));
  }

  /** Stops and removes the listener and its rows, after asking when some were never saved. */
  async function closeListener(id: number): Promise<void> {
    const tab = listenerTabs.get(id);
    if (!tab) return;
    const unsaved = tab.view.unsavedCount();
    const confirmed =
      unsaved === 0 ||
      (await ask({
        title: `Close ${tab.title}?`,
        message:
          `${unsaved === 1 ? "1 connection was" : `${unsaved} connections were`} never saved. ` +
          `Closing stops the listener and discards ${unsaved === 1 ? "it" : "them"}.`,
        confirm: "Discard and close",
      }));
    if (!confirmed) return;
    dismissed.add(id);
    try {
      await ipc.removeListener(id);
    } catch (error) {
      if ((error as CommandError).kind === "not_found") return dropListenerTab(id);
      dismissed.delete(id);
      status.error(`Could not close ${tab.title}: ${errorText(error)}`);
      return;
    }
    const rows = [...rowsOf(store.state, id)];
    dropListenerTab(id);
    rememberOpenListeners();
    if (rows.length > 0) {
      ipc
        .removeConnections(rows)
        .catch((error) => status.error(`Could not discard the rows: ${errorText(error)}`));
    }
  }

  /** Shows an opened session (a file, or a capture a crash left) in a read-only tab. */
  function showSession(opened: OpenedSession): void {
    const key = `session-${opened.session}`;
    const close = async () => {
      try {
        await ipc.closeSession(opened.session);
        removeView(key);
      } catch (error) {
        status.error(`Could not close ${opened.name}: ${errorText(error)}`);
      }
    };
    const { panel, view } = sessionTab(opened, { settings, status, onClose: () => void close() });
    addView(key, opened.name, "session-tab", panel, view, () => void close());
    tabs.select(key);
  }

  async function openSession(): Promise<void> {
    try {
      const opened = await ipc.openSession();
      if (opened !== null) showSession(opened);
    } catch (error) {
      status.error(`Could not open the file: ${errorText(error)}`);
    }
  }
  openButton.addEventListener("click", () => void openSession());

  const left = startup?.left_captures ?? [];
  if (left.length > 0) notices.append(new RecoverNotice(left, showSession).root);

  let capture: number | null = null;
  let captureLimit: number | null = null;
  const showStats = () => {
    const state = store.state;
    status.stats({
      running: [...state.listeners.values()].filter((l) => l.running && l.id !== SENDER_LISTENER).length,
      connections: state.records.size,
      bytes: state.bytes,
      capture,
      limit: captureLimit,
      recording: state.recording,
    });
  };
  const pollStatus = async () => {
    try {
      const figures = await ipc.status();
      capture = figures.capture_bytes;
      captureLimit = figures.capture_limit ?? null;
      store.setRecording(figures.recording_stopped ?? null);
    } catch {
      capture = null;
    }
    showStats();
  };
  const limitField = new CaptureLimitField(settings, () => void pollStatus());
  admin.addSection(limitField.root);
  void limitField.applySaved();
  void pollStatus();
  setInterval(() => void pollStatus(), STATUS_POLL_MS);

  let firstSync = true;
  function sync(changes: Changes, state: EngineState): void {
    const changed = changes.resync ? [...state.listeners.keys()] : [...changes.listeners];
    for (const id of changed) {
      const info = state.listeners.get(id);
      if (!info || dismissed.has(id) || id === SENDER_LISTENER) continue;
      const tab = listenerTabs.get(id);
      if (tab) tab.setInfo(info);
      else openListenerTab(info);
    }
    const removed = changes.resync
      ? [...listenerTabs.keys()].filter((id) => !state.listeners.has(id))
      : [...changes.removedListeners];
    for (const id of removed) dropListenerTab(id);
    const update = (view: ConnectionsView, listener: number) =>
      view.update(
        changes.records,
        changes.resync || changes.rowLists.has(listener),
        changes.resync || changes.reshaped.has(listener),
        changes.resync ? null : changes.resized,
      );
    for (const [id, tab] of listenerTabs) update(tab.view, id);
    update(sender.view, SENDER_LISTENER);
    if (!changes.resync && changes.listeners.size + changes.removedListeners.size > 0)
      rememberOpenListeners();
    if (firstSync) {
      firstSync = false;
      const selected = startup?.selected_listener;
      if (selected !== null && selected !== undefined) tabs.select(listenerKey(selected));
    }
    showStats();
  }
  store.onChange(sync);
  // The snapshot's tabs now, before any click can add a listener (see Store.flush).
  store.flush();

  document.addEventListener("keydown", (e) => {
    if (modalOpen()) return;
    const action = keyAction(e, ownsKeys(e.target));
    if (action === null) return;
    const view = views.get(tabs.activeKey ?? "");
    // Ctrl+R/S/L would reload or save the page itself: always swallowed.
    const ctrl = action.kind === "resend" || action.kind === "save" || action.kind === "switch-layout";
    if (view || ctrl) e.preventDefault();
    view?.handleKey(action);
  });
}

void main();
