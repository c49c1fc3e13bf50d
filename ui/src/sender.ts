/**
 * The Sender tab's form, without the DOM: what the user typed turned into a SendRequest
 * (docs/ipc.md), with the mistakes the window can see for itself named per field, and the SOAP
 * helper. Rust validates again and sends; this never alters what the user typed beyond trimming
 * the method and URL.
 */
import type { CommandError, SendRequest } from "./types";

/** The form as typed: headers one "Name: value" per line. */
export type SenderValues = { method: string; url: string; headers: string; body: string };

export const DEFAULT_SENDER: SenderValues = { method: "GET", url: "", headers: "", body: "" };

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

export const URL_EXAMPLE = "http://localhost:8080/axis2/services/XYZ";

/** RFC 9110 token characters: what a header name or a method may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const SOAP_ENVELOPE = `<?xml version="1.0" encoding="utf-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Header/>
  <soapenv:Body>
    
  </soapenv:Body>
</soapenv:Envelope>
`;

const SOAP_HEADERS: [string, string][] = [
  ["Content-Type", "text/xml; charset=utf-8"],
  ["SOAPAction", '""'],
];

type Invalid = CommandError & { field: "method" | "url" | "headers" | "body" };

const invalid = (field: Invalid["field"], message: string): Invalid => ({ kind: "invalid_input", message, field });

/** Parses the headers box; blank lines are skipped, anything else must be "Name: value". */
export function parseHeaders(text: string): { headers: [string, string][] } | { error: Invalid } {
  const headers: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const where = `Header line ${i + 1}`;
    if (/^\s/.test(line)) return { error: invalid("headers", `${where} starts with a space: write "Name: value"`) };
    const colon = line.indexOf(":");
    if (colon < 0) return { error: invalid("headers", `${where} has no colon: write "Name: value"`) };
    const name = line.slice(0, colon).trim();
    if (!TOKEN.test(name)) {
      return { error: invalid("headers", `${where}: "${name}" is not a header name (letters, digits, -, _ …)`) };
    }
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { headers };
}

/** Why a URL cannot be sent to, or null when it can (http:// or https:// with a host). */
export function urlProblem(text: string): string | null {
  const url = text.trim();
  if (url === "") return `Enter the URL to send to, like ${URL_EXAMPLE}`;
  if (!/^https?:\/\//i.test(url)) return `Only http:// and https:// URLs: start the URL with one, like ${URL_EXAMPLE}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  return parsed.hostname === "" ? "The URL names no host" : null;
}

/** The request to send, or the first problem with the form (with the field it concerns). */
export function buildRequest(values: SenderValues): { request: SendRequest } | { error: Invalid } {
  const method = values.method.trim();
  if (method === "") return { error: invalid("method", "Enter a method, like GET or POST") };
  if (!TOKEN.test(method)) {
    return { error: invalid("method", `"${method}" is not a method (no spaces or symbols)`) };
  }
  const problem = urlProblem(values.url);
  if (problem !== null) return { error: invalid("url", problem) };
  const parsed = parseHeaders(values.headers);
  if ("error" in parsed) return parsed;
  return { request: { method, url: values.url.trim(), headers: parsed.headers, body: values.body } };
}

/** Whether the headers box already has a header of this name (case-insensitively). */
function hasHeader(text: string, name: string): boolean {
  const wanted = name.toLowerCase();
  return text.split(/\r?\n/).some((line) => {
    const colon = line.indexOf(":");
    return colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted;
  });
}

/**
 * The SOAP helper: POST, `Content-Type: text/xml; charset=utf-8` and `SOAPAction: ""` unless
 * there already are such headers, and a SOAP 1.1 envelope when the body is empty.
 */
export function applySoap(values: SenderValues): SenderValues {
  let headers = values.headers.replace(/\s+$/, "");
  for (const [name, value] of SOAP_HEADERS) {
    if (!hasHeader(headers, name)) headers = `${headers}${headers === "" ? "" : "\n"}${name}: ${value}`;
  }
  return {
    method: "POST",
    url: values.url,
    headers,
    body: values.body.trim() === "" ? SOAP_ENVELOPE : values.body,
  };
}
