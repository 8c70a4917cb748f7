/**
 * Durations and sizes as NOC engineers write them in YAML: `15s`, `5m`, `1h30m`,
 * `64MiB`, `1GB`. Plain numbers are milliseconds and bytes.
 */

export const DURATION_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Sizes: KB/MB/GB/TB are decimal (1000-based), like disk vendors; KiB… are 1024-based. */
export const SIZE_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** Configuration files forgive the case of a size unit (`64mib`); the rule language does not. */
const SIZE_UNITS_ANY_CASE: Record<string, number> = Object.fromEntries(Object.entries(SIZE_BYTES).map(([k, v]) => [k.toLowerCase(), v]));

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/** Parses `1h30m`, `15s`, `250ms` or a bare number of milliseconds; undefined when invalid. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = DURATION_PART.exec(trimmed); m; m = DURATION_PART.exec(trimmed)) {
    total += Number(m[1]) * (DURATION_MS[m[2] as string] as number);
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === trimmed.length && consumed > 0 ? total : undefined;
}

/** Parses `64MiB`, `1GB`, `512KB` or a bare number of bytes; undefined when invalid. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase() || 'b';
  const factor = SIZE_UNITS_ANY_CASE[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/** Formats milliseconds as the largest whole units, e.g. 90_000 → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
