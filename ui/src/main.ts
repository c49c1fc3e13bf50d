/**
 * Composition root: builds the window, connects the store to the engine, and keeps one tab per
 * listener (and per opened session) in step with it. Views get their data through the store and
 * their commands through ipc.ts.
 */
import { listenerPort } from "./format";
import { ipc, subscribe } from "./ipc";
import { parseSettings, SettingsKeeper } from "./settings";
import { Store } from "./store";
import type { Startup } from "./types";
import { AdminView } from "./views/admin";
import { CaExportSection } from "./views/caExport";
import { AppFrame } from "./views/appFrame";
import { CaptureLimitField } from "./views/captureLimit";
import { PauseNotice } from "./views/pauseNotice";
import { ProtoFileField } from "./views/protoFile";
import { RecoverNotice } from "./views/recoverNotice";
import { SenderTab } from "./views/senderTab";
import { routeShortcuts } from "./views/shortcuts";
import { StatsFeed } from "./views/statsFeed";
import type { StatusLine } from "./views/statusLine";
import { listenerKey, Workspace } from "./views/workspace";

const ADMIN = "admin";

/** Loads the first snapshot through `startup`; null when that failed (the store keeps retrying). */
async function connect(store: Store, status: StatusLine): Promise<Startup | null> {
  let startup = null as Startup | null;
  try {
    await store.connect(async () => (startup = await ipc.startup()).snapshot);
  } catch {
    // Reported on the status line; the store keeps retrying with `snapshot`.
  }
  const launchError = startup?.launch_error;
  if (launchError) status.error(`The listener from the command line did not start: ${launchError.message}`);
  return startup;
}

async function main(): Promise<void> {
  const frame = new AppFrame();
  frame.mount();
  const { status, tabs } = frame;
  const store = new Store(
    { subscribe, snapshot: ipc.snapshot },
    (run) => requestAnimationFrame(run),
    (m) => status.error(m),
  );
  const startup = await connect(store, status);
  const settings = new SettingsKeeper(parseSettings(startup?.settings ?? null), ipc.saveSettings, (m) =>
    status.error(m),
  );
  window.addEventListener("beforeunload", () => settings.flush());

  const workspace = new Workspace({ tabs, store, settings, status });
  const admin = new AdminView(settings, (info) => workspace.showListener(info));
  tabs.add({ key: ADMIN, title: "Admin", testid: "admin-tab", panel: admin.panel });
  // The Sender's connections are listener 0's: they show in its tab, never in a "Port" tab.
  workspace.addSender(new SenderTab({ store, settings, status }));
  const running = new Set([...store.state.listeners.values()].map((l) => String(listenerPort(l))));
  admin.offerReopen(settings.current.open_listeners.filter((form) => !running.has(form.port)));

  frame.openButton.addEventListener("click", () => void workspace.openSession());
  const left = startup?.left_captures ?? [];
  if (left.length > 0) frame.notices.append(new RecoverNotice(left, (opened) => workspace.showSession(opened)).root);

  const pauseNotice = new PauseNotice((message) => workspace.openPaused(message));
  frame.notices.append(pauseNotice.root);

  const stats = new StatsFeed(store, status);
  const limitField = new CaptureLimitField(settings, () => void stats.poll());
  admin.addSection(limitField.root);
  const protoField = new ProtoFileField(settings);
  admin.addSection(protoField.root);
  admin.addSection(new CaExportSection().root);
  void limitField.applySaved();
  void protoField.applySaved();
  stats.start();

  let firstSync = true;
  store.onChange((changes, state) => {
    workspace.sync(changes, state);
    pauseNotice.update(changes, state);
    if (firstSync) {
      firstSync = false;
      const selected = startup?.selected_listener;
      if (selected !== null && selected !== undefined) tabs.select(listenerKey(selected));
    }
    stats.show();
  });
  // The snapshot's tabs now, before any click can add a listener (see Store.flush).
  store.flush();

  routeShortcuts(() => workspace.activeView());
}

void main();
