/**
 * The UI's own preferences, persisted by Rust as opaque JSON (save_settings / startup().settings).
 * What comes back may be from an older or newer build, or hand-edited, so it is read field by
 * field with defaults rather than trusted.
 */
import { DEFAULT_ADMIN, type AdminValues } from "./listenerForm";
import { debounce } from "./timing";
import { DEFAULT_SENDER, type SenderValues } from "./sender";
import { SAVE_FORMATS, VIEW_KINDS, type ListenerForm, type RulesSource, type SaveFormat, type ViewKind } from "./types";

const SAVE_DELAY_MS = 500;

export type Layout = "side" | "stacked";

export type Settings = {
  version: 1;
  /** The Admin form as last typed. */
  admin: AdminValues;
  /** Request and response panes side by side or one above the other. */
  layout: Layout;
  views: { request: ViewKind; response: ViewKind };
  save_format: SaveFormat;
  /** The listeners open when settings were last saved, offered again at the next start. */
  open_listeners: ListenerForm[];
  /** The Sender's form as last typed. */
  sender: SenderValues;
  /** The capture limit as typed ("500MiB"), last applied; "" = none. Rust reads it at start too. */
  capture_limit: string;
  /** The protobuf schema's path (a .proto file or a descriptor set), last loaded; "" = none. */
  proto_file: string;
};

export const DEFAULT_SETTINGS: Settings = {
  version: 1,
  admin: DEFAULT_ADMIN,
  layout: "side",
  views: { request: "auto", response: "auto" },
  save_format: "session",
  open_listeners: [],
  sender: DEFAULT_SENDER,
  capture_limit: "",
  proto_file: "",
};

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
const bool = (v: unknown, fallback: boolean) => (typeof v === "boolean" ? v : fallback);
const oneOf = <T extends string>(v: unknown, allowed: readonly T[], fallback: T): T =>
  allowed.includes(v as T) ? (v as T) : fallback;

const strings = (v: unknown, fallback: string[]) =>
  Array.isArray(v) && v.every((item) => typeof item === "string") ? [...(v as string[])] : [...fallback];

type Field = string | boolean | string[];

/** Takes every field of `defaults` from `raw` when it has the same type. */
function sameShape<T extends Record<string, Field>>(raw: unknown, defaults: T): T {
  const source = isObject(raw) ? raw : {};
  const out: Record<string, Field> = {};
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = source[key];
    out[key] =
      typeof fallback === "boolean"
        ? bool(value, fallback)
        : Array.isArray(fallback)
          ? strings(value, fallback)
          : str(value, fallback);
  }
  return out as T;
}

/** A saved listener's fields besides its rules, which are no text field. */
const EMPTY_FORM: Omit<ListenerForm, "rules"> = {
  port: "",
  bind: "",
  proxy: false,
  target_host: "",
  target_port: "",
  upstream_proxy: "",
  slow_bytes: "",
  slow_delay_ms: "",
  rewrite_host: false,
  target_tls: false,
  target_ca: [],
  insecure: false,
  listen_tls: false,
  decrypt_tls: false,
  no_decrypt: "",
  faults: "",
};

/** A saved listener's rules: their text and folder, or null (saved before rules, or none). */
function rulesSource(raw: unknown): RulesSource | null {
  return isObject(raw) && typeof raw.text === "string" ? { text: raw.text, folder: str(raw.folder, "") } : null;
}

export function parseSettings(raw: unknown): Settings {
  const s = isObject(raw) ? raw : {};
  const views = isObject(s.views) ? s.views : {};
  return {
    version: 1,
    admin: sameShape(s.admin, DEFAULT_ADMIN),
    layout: oneOf(s.layout, ["side", "stacked"], DEFAULT_SETTINGS.layout),
    views: {
      request: oneOf(views.request, VIEW_KINDS, DEFAULT_SETTINGS.views.request),
      response: oneOf(views.response, VIEW_KINDS, DEFAULT_SETTINGS.views.response),
    },
    save_format: oneOf(s.save_format, SAVE_FORMATS, DEFAULT_SETTINGS.save_format),
    open_listeners: Array.isArray(s.open_listeners)
      ? s.open_listeners
          .filter(isObject)
          .map((f): ListenerForm => ({ ...sameShape(f, EMPTY_FORM), rules: rulesSource(f.rules) }))
          .filter((f) => f.port !== "")
      : [],
    sender: sameShape(s.sender, DEFAULT_SENDER),
    capture_limit: str(s.capture_limit, DEFAULT_SETTINGS.capture_limit),
    proto_file: str(s.proto_file, DEFAULT_SETTINGS.proto_file),
  };
}

/** Holds the settings, tells views when they change, and saves them at most twice a second. */
export class SettingsKeeper {
  private settings: Settings;
  private saved: string;
  private readonly listeners = new Set<(s: Settings) => void>();
  private readonly saveSoon: ReturnType<typeof debounce>;

  constructor(
    initial: Settings,
    save: (settings: Settings) => Promise<unknown>,
    onError: (message: string) => void,
  ) {
    this.settings = initial;
    this.saved = JSON.stringify(initial);
    this.saveSoon = debounce(() => {
      const json = JSON.stringify(this.settings);
      if (json === this.saved) return;
      this.saved = json;
      save(this.settings).catch((e: { message?: string }) =>
        onError(`Could not save settings: ${e.message ?? e}`),
      );
    }, SAVE_DELAY_MS);
  }

  get current(): Settings {
    return this.settings;
  }

  update(patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch };
    for (const listener of this.listeners) listener(this.settings);
    this.saveSoon();
  }

  /** Calls `listener` on every change until the returned function is called. */
  onChange(listener: (s: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes a pending change now (the window is closing). */
  flush(): void {
    this.saveSoon.flush();
  }
}
