/**
 * The tabs that show connections: one per listener, one per opened session, and the Sender's,
 * kept in step with the store. Opens and closes them, and knows which connection view the visible
 * tab holds, for the keyboard.
 */
import { errorText } from "../format";
import { ipc } from "../ipc";
import { formFromListener } from "../listenerForm";
import type { SettingsKeeper } from "../settings";
import { rowsOf, type Changes, type EngineState, type Store } from "../store";
import { rowKey } from "../rows";
import type { CommandError, ListenerInfo, OpenedSession, PausedMessage } from "../types";
import type { ConnectionsView } from "./connectionsView";
import { ask } from "./dialog";
import { ListenerTab } from "./listenerTab";
import { SENDER_LISTENER, type SenderTab } from "./senderTab";
import { sessionTab } from "./sessionTab";
import type { StatusLine } from "./statusLine";
import type { TabBar } from "./tabs";

const SENDER = "sender";

export const listenerKey = (id: number) => `listener-${id}`;

export type WorkspaceDeps = { tabs: TabBar; store: Store; settings: SettingsKeeper; status: StatusLine };

/** A tab with a connection view, as `Workspace.addView` takes it. */
type ViewTab = { key: string; title: string; testid: string; panel: HTMLElement; view: ConnectionsView };

export class Workspace {
  /** The connection view of every tab that has one, by tab key, for the keyboard. */
  private readonly views = new Map<string, ConnectionsView>();
  private readonly listenerTabs = new Map<number, ListenerTab>();
  /** Listeners whose tab the user closed: late events about them must not bring it back. */
  private readonly dismissed = new Set<number>();
  private sender: SenderTab | null = null;

  constructor(private readonly deps: WorkspaceDeps) {}

  /** The visible tab's connection view; undefined for the Admin tab. */
  activeView(): ConnectionsView | undefined {
    return this.views.get(this.deps.tabs.activeKey ?? "");
  }

  /** Adds the Sender's tab, which cannot be closed. */
  addSender(sender: SenderTab): void {
    this.sender = sender;
    this.addView({ key: SENDER, title: "Sender", testid: "sender-tab", panel: sender.panel, view: sender.view });
  }

  /** Shows a listener just added (its tab may exist already, from its event) and remembers it. */
  showListener(info: ListenerInfo): void {
    const tab = this.listenerTabs.get(info.id) ?? this.openListenerTab(info);
    tab.setInfo(info);
    this.deps.tabs.select(listenerKey(info.id));
    this.rememberOpenListeners();
  }

  /** Shows an opened session (a file, or a capture a crash left) in a read-only tab. */
  showSession(opened: OpenedSession): void {
    const { settings, status } = this.deps;
    const key = `session-${opened.session}`;
    const close = async () => {
      try {
        await ipc.closeSession(opened.session);
        this.removeView(key);
      } catch (error) {
        status.error(`Could not close ${opened.name}: ${errorText(error)}`);
      }
    };
    const { panel, view } = sessionTab(opened, { settings, status, onClose: () => void close() });
    this.addView({ key, title: opened.name, testid: "session-tab", panel, view }, () => void close());
    this.deps.tabs.select(key);
  }

  /** Asks for a file and shows it as a session. */
  async openSession(): Promise<void> {
    try {
      const opened = await ipc.openSession();
      if (opened !== null) this.showSession(opened);
    } catch (error) {
      this.deps.status.error(`Could not open the file: ${errorText(error)}`);
    }
  }

  /** Opens, updates and drops listener tabs as the engine's listeners change, and updates every live view. */
  sync(changes: Changes, state: EngineState): void {
    const changed = changes.resync ? [...state.listeners.keys()] : [...changes.listeners];
    for (const id of changed) {
      const info = state.listeners.get(id);
      if (!info || this.dismissed.has(id) || id === SENDER_LISTENER) continue;
      const tab = this.listenerTabs.get(id);
      if (tab) tab.setInfo(info);
      else this.openListenerTab(info);
    }
    const removed = changes.resync
      ? [...this.listenerTabs.keys()].filter((id) => !state.listeners.has(id))
      : [...changes.removedListeners];
    for (const id of removed) this.dropListenerTab(id);
    const update = (view: ConnectionsView, listener: number) =>
      view.update(
        changes.records,
        changes.resync || changes.rowLists.has(listener),
        changes.resync || changes.reshaped.has(listener),
        changes.resync ? null : changes.resized,
      );
    for (const [id, tab] of this.listenerTabs) {
      if (changes.resync || changes.paused.has(id)) tab.showPaused();
      update(tab.view, id);
    }
    if (this.sender) update(this.sender.view, SENDER_LISTENER);
    if (!changes.resync && changes.listeners.size + changes.removedListeners.size > 0)
      this.rememberOpenListeners();
  }

  /** Shows a paused message in its editor: its listener's tab, its row selected. */
  openPaused(message: PausedMessage): void {
    const tab = this.listenerTabs.get(message.listener);
    if (!tab) return;
    this.deps.tabs.select(listenerKey(message.listener));
    tab.view.showPaused(rowKey(message.connection, message.exchange));
  }

  private rememberOpenListeners(): void {
    const open = [...this.listenerTabs.values()].map((t) => formFromListener(t.info));
    this.deps.settings.update({ open_listeners: open });
  }

  private addView(tab: ViewTab, onClose?: () => void): void {
    const { view, ...spec } = tab;
    this.views.set(spec.key, view);
    this.deps.tabs.add({ ...spec, onClose, onVisible: (visible) => view.setVisible(visible) });
  }

  private removeView(key: string): void {
    this.views.get(key)?.dispose();
    this.views.delete(key);
    this.deps.tabs.remove(key);
  }

  private openListenerTab(info: ListenerInfo): ListenerTab {
    const { tabs, store, settings, status } = this.deps;
    const key = listenerKey(info.id);
    const tab = new ListenerTab(info, {
      store,
      settings,
      status,
      onClose: () => void this.closeListener(info.id),
      onTitle: (title, tone) => {
        tabs.setTitle(key, title);
        tabs.setTone(key, tone);
      },
    });
    this.listenerTabs.set(info.id, tab);
    this.addView({ key, title: tab.title, testid: "listener-tab", panel: tab.panel, view: tab.view }, () =>
      void this.closeListener(info.id),
    );
    tabs.setTone(key, tab.tone);
    return tab;
  }

  private dropListenerTab(id: number): void {
    this.listenerTabs.delete(id);
    this.removeView(listenerKey(id));
  }

  /** Stops and removes the listener and its rows, after asking when some were never saved. */
  private async closeListener(id: number): Promise<void> {
    const tab = this.listenerTabs.get(id);
    if (!tab || !(await this.confirmDiscard(tab))) return;
    const { store, status } = this.deps;
    this.dismissed.add(id);
    try {
      await ipc.removeListener(id);
    } catch (error) {
      if ((error as CommandError).kind === "not_found") return this.dropListenerTab(id);
      this.dismissed.delete(id);
      status.error(`Could not close ${tab.title}: ${errorText(error)}`);
      return;
    }
    const rows = [...rowsOf(store.state, id)];
    this.dropListenerTab(id);
    this.rememberOpenListeners();
    if (rows.length > 0) {
      ipc.removeConnections(rows).catch((error) => status.error(`Could not discard the rows: ${errorText(error)}`));
    }
  }

  /** True when the tab has nothing unsaved, or the user agrees to discard it. */
  private async confirmDiscard(tab: ListenerTab): Promise<boolean> {
    const unsaved = tab.view.unsavedCount();
    return (
      unsaved === 0 ||
      (await ask({
        title: `Close ${tab.title}?`,
        message:
          `${unsaved === 1 ? "1 connection was" : `${unsaved} connections were`} never saved. ` +
          `Closing stops the listener and discards ${unsaved === 1 ? "it" : "them"}.`,
        confirm: "Discard and close",
      }))
    );
  }
}
