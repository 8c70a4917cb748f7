/**
 * InfluxDB line protocol → roomwatch samples, so Telegraf and anything else that
 * speaks `/write` can feed the collector. Hand-written scanner: ingest has to
 * sustain >100k lines/s per core, which rules out regex- or split()-based parsing.
 */
import { MAX_STRING_FIELD_CHARS, type Sample } from '../contract/ingest.js';
import { checkName, quote as q, type NameKind, type NamePolicy } from './names.js';

export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';
export interface LineError {
  /** 1-based, counting blank and comment lines, so it matches the sender's editor. */
  line: number;
  message: string;
}
export interface ParsedLines {
  samples: Sample[];
  errors: LineError[];
  /** Every refused line, including those beyond `maxErrors`. */
  rejected: number;
}
export interface ParseOptions {
  precision: Precision;
  /** Epoch ms stamped on lines that carry no timestamp. */
  now: number;
  /** Device for lines with neither a `device` nor a `host` tag. */
  defaultDevice?: string;
  /** Errors kept per body (default 100); further bad lines are still counted, not described. */
  maxErrors?: number;
  /** Which names are accepted (names.ts); default `accept`. */
  names?: NamePolicy;
  /** Accept `1u` (InfluxDB 2 syntax); InfluxDB 1.x refuses it, so `/write` turns it off. Default true. */
  unsigned?: boolean;
  /** Timestamps outside [min, max] epoch ms refuse their line (not the body). */
  window?: { min: number; max: number; maxLabel: string };
}

const PRECISIONS: Record<string, Precision> = { ns: 'ns', n: 'ns', us: 'us', u: 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };

/** Accepts v2 spellings (ns, us, ms, s) and v1 spellings (n, u, ms, s, m, h); undefined if unknown. */
export function parsePrecision(p: string | undefined): Precision | undefined {
  // `?precision=` with no value means the default, as in InfluxDB.
  if (p === undefined || p === '') return 'ns';
  return Object.hasOwn(PRECISIONS, p) ? PRECISIONS[p] : undefined;
}

const TAB = 9,
  CR = 13,
  SPACE = 32,
  QUOTE = 34,
  HASH = 35,
  COMMA = 44,
  MINUS = 45,
  DOT = 46;
const ZERO = 48,
  NINE = 57,
  EQ = 61,
  BSL = 92,
  LOWER_E = 101,
  UPPER_E = 69,
  LOWER_I = 105,
  LOWER_U = 117,
  PLUS = 43;

const MAX_TAG_VALUE = 256;
const MAX_TAGS = 32;
const MAX_FIELDS = 256;
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';

/** 2^53: integers above it are kept only if the double holds them exactly. */
const EXACT_DIGITS = 16;

// Scanner state. A parse runs synchronously start to finish, so module state is
// safe and spares allocating a {value, pos} pair per token.
let pos = 0;
let failure = '';
let policy: NamePolicy = 'accept';
let unsigned = true;

/** The name to store, or undefined with `failure` set. */
function name(kind: NameKind, raw: string): string | undefined {
  const r = checkName(kind, raw, policy);
  return r.charCodeAt(0) === 33 /* ! */ && r !== raw ? fail(r.slice(1)) : r;
}

export function parseLineProtocol(body: string, opts: ParseOptions): ParsedLines {
  const samples: Sample[] = [];
  const errors: LineError[] = [];
  const maxErrors = opts.maxErrors ?? 100;
  policy = opts.names ?? 'accept';
  unsigned = opts.unsigned ?? true;
  let rejected = 0;
  const n = body.length;
  let line = 0;
  for (let start = 0; start <= n;) {
    let nl = body.indexOf('\n', start);
    if (nl < 0) nl = n;
    line++;
    const end = nl > start && body.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    let i = start;
    for (let c = body.charCodeAt(i); i < end && (c === SPACE || c === TAB); c = body.charCodeAt(++i));
    if (i < end && body.charCodeAt(i) !== HASH) {
      const r = parseLine(body, i, end, opts);
      if (typeof r !== 'string') samples.push(r);
      else if (++rejected <= maxErrors) errors.push({ line, message: r });
    }
    start = nl + 1;
  }
  return { samples, errors, rejected };
}

/** One line from `start` (first non-blank) to `end` (before the newline): a sample, or the error message. */
function parseLine(s: string, start: number, end: number, opts: ParseOptions): Sample | string {
  pos = start;
  const rawMeasurement = scanName(s, end, false);
  if (rawMeasurement === '') return 'missing measurement';
  const measurement = name('measurement', rawMeasurement);
  if (measurement === undefined) return failure;

  const tags: Record<string, string> = {};
  let ntags = 0;
  while (pos < end && s.charCodeAt(pos) === COMMA) {
    pos++;
    const rawKey = scanName(s, end, true);
    if (rawKey === '') return 'empty tag key';
    if (pos >= end || s.charCodeAt(pos) !== EQ) return `tag ${q(rawKey)}: missing "="`;
    const key = name('tag key', rawKey);
    if (key === undefined) return failure;
    pos++;
    const value = scanName(s, end, true);
    if (value === '') return `tag ${q(key)}: missing value`;
    // An unescaped `=` in a value is almost always a missing comma; say so instead of guessing.
    if (pos < end && s.charCodeAt(pos) === EQ) return `tag ${q(key)}: unescaped "=" in value`;
    if (value.length > MAX_TAG_VALUE) return `tag ${q(key)}: value too long (${value.length} chars, max ${MAX_TAG_VALUE})`;
    if (Object.hasOwn(tags, key)) return `duplicate tag ${q(key)}${policy === 'sanitise' ? ' (after sanitising names)' : ''}`;
    if (++ntags > MAX_TAGS) return `too many tags (max ${MAX_TAGS})`;
    tags[key] = value;
  }

  while (pos < end && s.charCodeAt(pos) === SPACE) pos++;
  if (pos >= end) return 'missing field set';
  const fields: Record<string, number | boolean | string> = {};
  let nfields = 0;
  for (;;) {
    const rawKey = scanName(s, end, true);
    if (rawKey === '') return 'empty field key';
    if (pos >= end || s.charCodeAt(pos) !== EQ) return `field ${q(rawKey)}: missing "="`;
    const key = name('field', rawKey);
    if (key === undefined) return failure;
    pos++;
    const value = fieldValue(s, end);
    if (value === undefined) return `field ${q(key)}: ${failure}`;
    // A repeated field: the last value wins, as in InfluxDB.
    if (!Object.hasOwn(fields, key) && ++nfields > MAX_FIELDS) return `too many fields (max ${MAX_FIELDS})`;
    fields[key] = value;
    if (pos >= end || s.charCodeAt(pos) === SPACE) break;
    pos++; // the comma
  }

  while (pos < end && s.charCodeAt(pos) === SPACE) pos++;
  let ts = opts.now;
  if (pos < end) {
    const a = pos;
    while (pos < end && s.charCodeAt(pos) !== SPACE) pos++;
    const t = timestamp(s, a, pos, opts.precision);
    if (t === undefined) return failure;
    ts = t;
    while (pos < end && s.charCodeAt(pos) === SPACE) pos++;
    if (pos < end) return `unexpected text after timestamp: ${q(s.slice(pos, end))}`;
    const w = opts.window;
    if (w && ts < w.min) return `timestamp ${new Date(ts).toISOString()} is before ${new Date(w.min).toISOString()} (a broken clock, or the wrong precision)`;
    if (w && ts > w.max) return `timestamp ${new Date(ts).toISOString()} is more than ${w.maxLabel} ahead of the collector's clock`;
  }

  if (tags.device === undefined) {
    // Telegraf names the machine `host`; keep that tag too, dashboards may group by it.
    const device = tags.host ?? opts.defaultDevice;
    if (!device) return 'missing device tag (add device=... or host=...)';
    if (++ntags > MAX_TAGS) return `too many tags (max ${MAX_TAGS}, including the added device tag)`;
    tags.device = device;
  }
  return { measurement, tags: tags as Sample['tags'], fields, ts };
}

/**
 * Measurement (`eq` false: an unescaped `=` is part of it) or key / tag value
 * (`eq` true), stopping at an unescaped separator. Like InfluxDB 1.x's scanner,
 * a backslash always takes the next character with it: `\,` `\ ` and `\=`
 * unescape (in a measurement too: influxd stores `m\=x` as `m=x`), any other
 * pair stays literally, so `\\` is two backslashes and never escapes what follows.
 */
function scanName(s: string, end: number, eq: boolean): string {
  const a = pos;
  let i = a;
  let escaped = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === BSL) {
      if (i + 1 < end) {
        escaped = true;
        i++;
      }
    } else if (c === COMMA || c === SPACE || (eq && c === EQ)) break;
  }
  pos = i;
  return escaped ? unescape(s, a, i, COMMA, SPACE, EQ) : s.slice(a, i);
}

/** Drops the backslash of each `\x` pair whose x is one of e1..e3; other pairs stay literally. */
function unescape(s: string, a: number, b: number, e1: number, e2: number, e3: number): string {
  let out = '';
  let from = a;
  for (let j = a; j < b - 1; j++) {
    if (s.charCodeAt(j) !== BSL) continue;
    const c = s.charCodeAt(++j);
    if (c === e1 || c === e2 || c === e3) {
      out += s.slice(from, j - 1);
      from = j;
    }
  }
  return out + s.slice(from, b);
}

function fieldValue(s: string, end: number): number | boolean | string | undefined {
  const a = pos;
  if (a < end && s.charCodeAt(a) === QUOTE) return stringValue(s, end);
  let b = a;
  for (let c = s.charCodeAt(b); b < end && c !== COMMA && c !== SPACE; c = s.charCodeAt(++b));
  pos = b;
  if (b === a) return fail('missing value');
  const first = s.charCodeAt(a);
  if (!isDigit(first) && first !== MINUS && first !== DOT) {
    switch (s.slice(a, b)) {
      case 't':
      case 'T':
      case 'true':
      case 'True':
      case 'TRUE':
        return true;
      case 'f':
      case 'F':
      case 'false':
      case 'False':
      case 'FALSE':
        return false;
    }
    return fail(`invalid value ${q(s.slice(a, b))} (expected number, boolean or "string")`);
  }
  const last = s.charCodeAt(b - 1);
  if (last === LOWER_I) {
    const neg = first === MINUS;
    if (!allDigits(s, neg ? a + 1 : a, b - 1)) return fail(`invalid integer ${q(s.slice(a, b))}`);
    if (exceeds(s, neg ? a + 1 : a, b - 1, neg ? INT64_MIN_ABS : INT64_MAX)) return fail(`integer out of range ${q(s.slice(a, b))}`);
    return exactInteger(s.slice(a, b - 1)); // no -0 for integers
  }
  if (last === LOWER_U) {
    if (!unsigned) return fail(`unsigned integer ${q(s.slice(a, b))} is InfluxDB 2 syntax; /write speaks 1.x: send ${s.slice(a, b - 1)}i or use /api/v2/write`);
    if (!allDigits(s, a, b - 1)) return fail(`invalid unsigned ${q(s.slice(a, b))}`);
    if (exceeds(s, a, b - 1, UINT64_MAX)) return fail(`unsigned out of range ${q(s.slice(a, b))}`);
    return exactInteger(s.slice(a, b - 1));
  }
  // Validate the grammar ourselves: Number() would also take '0x1f', 'Infinity' and ''.
  let i = first === MINUS ? a + 1 : a;
  let digits = 0;
  for (; i < b && isDigit(s.charCodeAt(i)); i++) digits++;
  if (i < b && s.charCodeAt(i) === DOT) for (i++; i < b && isDigit(s.charCodeAt(i)); i++) digits++;
  if (digits > 0 && i < b && (s.charCodeAt(i) === LOWER_E || s.charCodeAt(i) === UPPER_E)) {
    i++;
    if (i < b && (s.charCodeAt(i) === PLUS || s.charCodeAt(i) === MINUS)) i++;
    const e0 = i;
    while (i < b && isDigit(s.charCodeAt(i))) i++;
    if (i === e0) digits = 0;
  }
  if (digits === 0 || i !== b) return fail(`invalid number ${q(s.slice(a, b))}`);
  const v = Number(s.slice(a, b));
  return Number.isFinite(v) ? v : fail(`number out of range ${q(s.slice(a, b))}`);
}

function stringValue(s: string, end: number): string | undefined {
  const a = pos + 1;
  let i = a;
  let escaped = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) break;
    if (c === BSL && i + 1 < end) {
      escaped = true;
      i++;
    }
  }
  if (i >= end) return fail('unterminated string');
  pos = i + 1;
  if (pos < end && s.charCodeAt(pos) !== COMMA && s.charCodeAt(pos) !== SPACE) return fail('unexpected text after closing quote');
  // Only \" and \\ are escapes in strings; `\n` and friends stay two characters.
  const v = escaped ? unescape(s, a, i, QUOTE, BSL, BSL) : s.slice(a, i);
  // The limit is in UTF-8 bytes; only strings that could exceed it pay for counting them.
  // The same limit as the JSON contract, so both ingest paths accept the same data.
  if (v.length > MAX_STRING_FIELD_CHARS) return fail(`string too long (max ${MAX_STRING_FIELD_CHARS} characters)`);
  return v;
}

/** Integer timestamp → epoch ms, floored. ns/us drop their last 6/3 digits as text: 19-digit ns exceed 2^53. */
function timestamp(s: string, a: number, b: number, precision: Precision): number | undefined {
  const neg = s.charCodeAt(a) === MINUS;
  let i = neg ? a + 1 : a;
  if (i === b || !allDigits(s, i, b)) return fail(`invalid timestamp ${q(s.slice(a, b))}`);
  if (exceeds(s, i, b, neg ? INT64_MIN_ABS : INT64_MAX)) return fail(`timestamp out of range ${q(s.slice(a, b))}`);
  const stop = b - (precision === 'ns' ? 6 : precision === 'us' ? 3 : 0);
  let ms = 0;
  for (; i < stop; i++) ms = ms * 10 + (s.charCodeAt(i) - ZERO);
  let fraction = false;
  for (; i < b; i++) if (s.charCodeAt(i) !== ZERO) fraction = true;
  if (neg) ms = fraction ? -ms - 1 : 0 - ms; // floor; `0 - 0` avoids -0
  if (precision === 's') ms *= 1_000;
  else if (precision === 'm') ms *= 60_000;
  else if (precision === 'h') ms *= 3_600_000;
  return Number.isSafeInteger(ms) ? ms : fail(`timestamp out of range ${q(s.slice(a, b))}`);
}

/**
 * Samples hold doubles, so an integer beyond 2^53 is kept only when the double
 * is exactly that integer; any other is refused rather than rounded silently.
 */
function exactInteger(digits: string): number | undefined {
  const v = Number(digits) || 0;
  if (digits.length - (digits.charCodeAt(0) === MINUS ? 1 : 0) < EXACT_DIGITS || Number.isSafeInteger(v)) return v;
  if (BigInt(digits) === BigInt(v)) return v;
  return fail(`integer ${digits} cannot be stored exactly (samples are 64-bit floats, exact to 2^53 = 9007199254740992); send it as a float or a string`);
}

function fail(message: string): undefined {
  failure = message;
  return undefined;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Non-empty run of ASCII digits. */
function allDigits(s: string, a: number, b: number): boolean {
  if (a >= b) return false;
  for (let i = a; i < b; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** Digit run [a, b) is numerically above `max`, compared as text so 64-bit limits stay exact. */
function exceeds(s: string, a: number, b: number, max: string): boolean {
  while (a < b - 1 && s.charCodeAt(a) === ZERO) a++;
  return b - a > max.length || (b - a === max.length && s.slice(a, b) > max);
}
