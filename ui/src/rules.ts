/**
 * The Rules panel's rows and the rules file's JSON (`tcpmon-cli --rules`), each into the other.
 * Only translation: Rust's parser (`tcpmon_inspect::rules`) checks the rules and says what is
 * wrong ("rule 2: ..."), and the panel shows that on the rule.
 */

/** The actions a rule can take, as the file names them. */
export const RULE_ACTIONS = ["mock", "map", "setHeader", "removeHeader", "replaceBody", "break"] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** The message a rule acts on. */
export type RulePhase = "request" | "response";

/** An action's field: a line of text, lines of text, or a checkbox ("true" or ""). */
export type RuleField = { key: string; label: string; kind: "text" | "lines" | "check"; placeholder?: string };

/** Each action's fields, in the order the panel shows them. */
export const ACTION_FIELDS: Record<RuleAction, RuleField[]> = {
  mock: [
    { key: "status", label: "Status", kind: "text", placeholder: "200" },
    { key: "headers", label: "Headers", kind: "lines", placeholder: "Content-Type: text/plain" },
    { key: "body", label: "Body", kind: "lines" },
    { key: "bodyFile", label: "or body file", kind: "text", placeholder: "relative to the rules file" },
  ],
  map: [{ key: "to", label: "To", kind: "text", placeholder: "host:port/prefix" }],
  setHeader: [{ key: "headers", label: "Headers", kind: "lines", placeholder: "X-Debug: 1" }],
  removeHeader: [{ key: "names", label: "Names", kind: "text", placeholder: "Cookie, X-Trace" }],
  replaceBody: [
    { key: "find", label: "Find", kind: "text" },
    { key: "with", label: "With", kind: "text" },
    { key: "regex", label: "Regular expression", kind: "check" },
  ],
  break: [],
};

/** Actions that take the phase the rule chooses; mock and map act on requests. */
export const PHASED: readonly RuleAction[] = ["setHeader", "removeHeader", "replaceBody", "break"];

/** One rule as the panel edits it: its action's fields as typed, by key. */
export type RuleRow = {
  when: string;
  on: RulePhase;
  action: RuleAction;
  enabled: boolean;
  fields: Record<string, string>;
};

/** A new rule: a mock of the given path, until the user says otherwise. */
export function newRule(): RuleRow {
  return { when: "path:/", on: "request", action: "mock", enabled: true, fields: emptyFields("mock") };
}

/** The fields of `action`, empty. */
export function emptyFields(action: RuleAction): Record<string, string> {
  return Object.fromEntries(ACTION_FIELDS[action].map((f) => [f.key, ""]));
}

type Json = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === "string" ? value : value === undefined ? "" : String(value));
const headerLines = (headers: unknown): string =>
  Object.entries((headers ?? {}) as Json)
    .map(([name, value]) => `${name}: ${text(value)}`)
    .join("\n");

/** "Name: value" lines as a header map (a line without a colon is a name with no value). */
function headerMap(lines: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines.split("\n")) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = (colon < 0 ? line : line.slice(0, colon)).trim();
    out[name] = colon < 0 ? "" : line.slice(colon + 1).trim();
  }
  return out;
}

/** A rules file's rules as rows. Throws when the text is no JSON array of rules. */
export function rowsFromText(source: string): RuleRow[] {
  if (source.trim() === "") return [];
  const rules: unknown = JSON.parse(source);
  if (!Array.isArray(rules)) throw new Error("not a JSON array of rules");
  return rules.map((rule: Json, i) => {
    const then = (rule.then ?? {}) as Json;
    const action = Object.keys(then)[0] as RuleAction;
    if (!RULE_ACTIONS.includes(action)) throw new Error(`rule ${i + 1}: no action the panel knows`);
    const value = then[action];
    const on = (action === "break" ? value : rule.on) === "response" ? "response" : "request";
    return { when: text(rule.when), on, action, enabled: rule.enabled !== false, fields: fieldsOf(action, value) };
  });
}

function fieldsOf(action: RuleAction, value: unknown): Record<string, string> {
  const v = (value ?? {}) as Json;
  switch (action) {
    case "mock":
      return { status: text(v.status ?? 200), headers: headerLines(v.headers), body: text(v.body), bodyFile: text(v.bodyFile) };
    case "map":
      return { to: text(value) };
    case "setHeader":
      return { headers: headerLines(value) };
    case "removeHeader":
      return { names: Array.isArray(value) ? value.map(text).join(", ") : "" };
    case "replaceBody":
      return { find: text(v.find), with: text(v.with), regex: v.regex === true ? "true" : "" };
    case "break":
      return {};
  }
}

/** The action's value in the file, from its fields as typed (Rust checks them). */
function actionValue(row: RuleRow): unknown {
  const f = row.fields;
  switch (row.action) {
    case "mock": {
      const status = f.status.trim();
      const mock: Json = { status: /^\d+$/.test(status) ? Number(status) : status || 200 };
      if (f.headers.trim() !== "") mock.headers = headerMap(f.headers);
      if (f.body !== "") mock.body = f.body;
      if (f.bodyFile.trim() !== "") mock.bodyFile = f.bodyFile.trim();
      return mock;
    }
    case "map":
      return f.to.trim();
    case "setHeader":
      return headerMap(f.headers);
    case "removeHeader":
      return f.names
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== "");
    case "replaceBody":
      return { find: f.find, with: f.with, regex: f.regex === "true" };
    case "break":
      return row.on;
  }
}

/** The rows as the rules file `tcpmon-cli --rules` reads ("" for none). */
export function textFromRows(rows: RuleRow[]): string {
  if (rows.length === 0) return "";
  const rules = rows.map((row) => {
    const rule: Json = { when: row.when.trim() };
    if (row.action !== "break" && PHASED.includes(row.action)) rule.on = row.on;
    rule.then = { [row.action]: actionValue(row) };
    if (!row.enabled) rule.enabled = false;
    return rule;
  });
  return JSON.stringify(rules, null, 2) + "\n";
}

/** The rule (from 0) an error of Rust's parser names ("rule 2: ..."), or null. */
export function ruleIndex(message: string): number | null {
  const match = /^rule (\d+):/.exec(message);
  return match ? Number(match[1]) - 1 : null;
}
