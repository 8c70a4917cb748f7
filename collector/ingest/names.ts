/**
 * Which measurement, tag and field names line protocol may carry (README
 * "Name policy"). InfluxDB takes almost any UTF-8 name, and Telegraf sends
 * what the systems it reads call things (`app.kubernetes.io/name`, `温度`,
 * `Inlet Temp`), so refusing them would refuse whole inputs forever. Three
 * policies, chosen by `ingest.line_protocol.names` in collector.yaml:
 *
 *   accept    (default) any name InfluxDB 1.x accepts, within our length cap
 *   sanitise  every character outside [A-Za-z0-9_.-] becomes `_`, and a name
 *             that does not start with a letter or `_` gets a `_` in front
 *   strict    only NAME_PATTERN names; anything else is refused with its line
 */
import { NAME_PATTERN } from '../contract/ingest.js';

export const NAME_POLICIES = ['accept', 'sanitise', 'strict'] as const;
export type NamePolicy = (typeof NAME_POLICIES)[number];

export const MAX_NAME = 128;

export type NameKind = 'measurement' | 'tag key' | 'field';

const NAME_RE = new RegExp(NAME_PATTERN);
// The same few dozen names repeat on every line; remember the good ones. Capped
// because names come from the network.
const goodStrict = new Set<string>();

/** Either the name to store, or an error message (a string starting with "!"). */
export function checkName(kind: NameKind, name: string, policy: NamePolicy): string {
  // InfluxDB 1.x refuses `time` as a tag or field key: InfluxQL could not select it.
  if (kind !== 'measurement' && name === 'time') return `!${kind} "time" is reserved (InfluxQL's time column)`;
  // `__proto__` would be swallowed by a plain object's setter and the value lost silently.
  if (name === '__proto__') return `!${kind} "__proto__" is reserved`;
  if (policy === 'strict') {
    if (goodStrict.has(name)) return name;
    if (name.length > MAX_NAME) return tooLong(kind, name);
    if (!NAME_RE.test(name)) return `!invalid ${kind} ${quote(name)} (must match ${NAME_PATTERN}; or set ingest.line_protocol.names: accept)`;
    if (goodStrict.size >= 10_000) goodStrict.clear();
    goodStrict.add(name);
    return name;
  }
  if (policy === 'sanitise') {
    const clean = sanitiseName(name);
    return clean.length > MAX_NAME ? tooLong(kind, name) : clean;
  }
  if (name.length > MAX_NAME) return tooLong(kind, name);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // Control characters have no business in a name and break every display of it.
    if (c < 32 || c === 127) return `!${kind} ${quote(name)} contains control character U+${c.toString(16).padStart(4, '0').toUpperCase()}`;
  }
  return name;
}

/** The NAME_PATTERN spelling of a name: what `sanitise` stores. */
export function sanitiseName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (!/^[A-Za-z_]/.test(out)) out = `_${out}`;
  return out;
}

function tooLong(kind: NameKind, name: string): string {
  return `!${kind} ${quote(name)} too long (${name.length} chars, max ${MAX_NAME})`;
}

/** Quotes user text for an error message without echoing a long value back. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
