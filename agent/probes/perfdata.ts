/**
 * Nagios / Monitoring Plugins output: the status text, and the performance
 * data after `|` on the first line and on any later line
 * (https://www.monitoring-plugins.org/doc/guidelines.html#AEN200):
 *   'label'=value[UOM];[warn];[crit];[min];[max]
 * Values become sample fields named `<label>_<unit>` in the catalog's units:
 * % → _pct, s/ms/us → _s, B/KB/MB/GB/TB → _bytes, c (a counter) → _ps, a
 * per-second rate worked out between runs. Items that do not parse are
 * counted and skipped: a plugin's garbage never costs the rest of its data.
 */

export interface PerfItem {
  /** The field name, already in the metric-name alphabet. */
  field: string;
  value: number;
  /** True for `c` counters: the caller turns the value into a rate. */
  counter: boolean;
}

export interface PluginOutput {
  /** The first line's text before `|`, trimmed. */
  summary: string;
  perf: PerfItem[];
  /** Items that were not `label=value[unit]…`. */
  unreadable: number;
}

/**
 * Plugins print KB/MB/GB/TB as powers of 1024 (check_disk, check_swap compute
 * them that way); the guidelines do not say otherwise, so 1024 it is.
 */
const UNITS: Record<string, { suffix: string; factor: number }> = {
  '': { suffix: '', factor: 1 },
  '%': { suffix: '_pct', factor: 1 },
  s: { suffix: '_s', factor: 1 },
  ms: { suffix: '_s', factor: 1e-3 },
  us: { suffix: '_s', factor: 1e-6 },
  B: { suffix: '_bytes', factor: 1 },
  KB: { suffix: '_bytes', factor: 1024 },
  MB: { suffix: '_bytes', factor: 1024 ** 2 },
  GB: { suffix: '_bytes', factor: 1024 ** 3 },
  TB: { suffix: '_bytes', factor: 1024 ** 4 },
  c: { suffix: '_ps', factor: 1 },
};

/** At most this many items per run: a sample holds 256 fields, and the probe adds its own. */
export const MAX_PERF_ITEMS = 200;

/** `/` → `root`, `/var/log` → `var_log`, `Load 1` → `load_1`: names a rule can write unquoted. */
export function perfFieldName(label: string): string {
  if (label === '/') return 'root';
  const name = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!name) return 'value';
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** Splits perfdata into items, honouring single-quoted labels (with '' for a quote). */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    let tok = '';
    if (text[i] === "'") {
      tok += "'";
      i++;
      while (i < text.length) {
        if (text[i] === "'" && text[i + 1] === "'") {
          tok += "''";
          i += 2;
        } else if (text[i] === "'") {
          tok += "'";
          i++;
          break;
        } else tok += text[i++];
      }
    }
    while (i < text.length && !/\s/.test(text[i] as string)) tok += text[i++];
    out.push(tok);
  }
  return out;
}

const ITEM = /^(?:'((?:[^']|'')+)'|([^'=][^=]*))=(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)([a-zA-Z%]*)(?:;.*)?$/;

export function parsePerfdata(text: string): { perf: PerfItem[]; unreadable: number } {
  const perf: PerfItem[] = [];
  let unreadable = 0;
  const seen = new Set<string>();
  for (const tok of tokens(text)) {
    const m = ITEM.exec(tok);
    const unit = m ? UNITS[m[4] as string] : undefined;
    if (!m || !unit) {
      unreadable++;
      continue;
    }
    const label = (m[1] ?? m[2] ?? '').replace(/''/g, "'");
    const field = `${perfFieldName(label)}${unit.suffix}`;
    const value = Number(m[3]) * unit.factor;
    if (!Number.isFinite(value) || seen.has(field) || perf.length >= MAX_PERF_ITEMS) {
      unreadable++;
      continue;
    }
    seen.add(field);
    perf.push({ field, value, counter: unit.suffix === '_ps' });
  }
  return { perf, unreadable };
}

/** The whole output of one run: summary from line 1; perfdata from line 1 after `|` and everything after a later `|`. */
export function parsePluginOutput(output: string): PluginOutput {
  const lines = output.split(/\r?\n/);
  const first = lines[0] ?? '';
  const bar = first.indexOf('|');
  const summary = (bar >= 0 ? first.slice(0, bar) : first).trim();
  const perfText: string[] = bar >= 0 ? [first.slice(bar + 1)] : [];
  const rest = lines.slice(1).join('\n');
  const longBar = rest.indexOf('|');
  if (longBar >= 0) perfText.push(rest.slice(longBar + 1));
  const { perf, unreadable } = parsePerfdata(perfText.join(' '));
  return { summary, perf, unreadable };
}
