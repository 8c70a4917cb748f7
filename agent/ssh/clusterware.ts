/**
 * Oracle Clusterware (Grid Infrastructure) over SSH: one command that runs
 * `crsctl stat res -t`, `ocrcheck` and `crsctl query css votedisk` from the
 * grid home, and the parser of its three sections. None of them needs root:
 * as another user ocrcheck skips only its logical corruption check (it says
 * so), which is reported as it is.
 */
import { Collector, round2, splitLines, type Line } from './parsers/common.js';
import type { ParseResult } from './types.js';

export const CRS = {
  m: 'crs',
  resourceOk: 'resource_ok',
  resourcesNotOnline: 'resources_not_online',
  ocrIntegrityOk: 'ocr_integrity_ok',
  ocrUsedPct: 'ocr_used_pct',
  ocrDevicesFailed: 'ocr_devices_failed',
  votedisksOnline: 'votedisks_online',
  votedisksOffline: 'votedisks_offline',
  /** New CRS- lines in the Clusterware alert log since the last read {code}. */
  alertErrors: 'alert_errors',
} as const;

const SECTION = /^@@ (crsctl_res|ocrcheck|votedisk)\s*$/;

/** The POSIX command; each tool's output follows its own `@@` marker. */
export function clusterwareCommand(gridHome: string): string {
  const g = `'${gridHome.replace(/'/g, `'\\''`)}'`;
  return [`G=${g}`, 'echo "@@ crsctl_res"; "$G/bin/crsctl" stat res -t 2>&1', 'echo "@@ ocrcheck"; "$G/bin/ocrcheck" 2>&1', 'echo "@@ votedisk"; "$G/bin/crsctl" query css votedisk 2>&1'].join('\n');
}

const TARGETS = new Set(['ONLINE', 'OFFLINE']);
const STATES = new Set(['ONLINE', 'OFFLINE', 'INTERMEDIATE', 'UNKNOWN']);

/**
 * `crsctl stat res -t`: a resource name at column 0, then one line per member
 * (local resources: TARGET STATE SERVER DETAILS; cluster resources: the
 * cardinality number first). Long details wrap onto lines that hold nothing
 * else. A member whose target is ONLINE and whose state is not is down; a
 * target of OFFLINE is someone's decision and counts as fine.
 */
function resources(lines: Line[], out: Collector): void {
  let resource: string | undefined;
  let notOnline = 0;
  let members = 0;
  for (const line of lines) {
    const t = line.text.trimEnd();
    if (t.trim() === '' || /^-+$/.test(t.trim()) || /^(Local|Cluster) Resources$/.test(t.trim()) || /^name\s+target\s+state/i.test(t.trim())) continue;
    if (!/^\s/.test(t)) {
      resource = t.trim().split(/\s+/)[0];
      continue;
    }
    const tokens = t.trim().split(/\s+/);
    const instance = /^\d+$/.test(tokens[0] ?? '') ? (tokens.shift() as string) : undefined;
    const [target, state, server] = tokens;
    if (!target || !TARGETS.has(target) || !state || !STATES.has(state)) continue; // wrapped details
    if (!resource) {
      out.lineError(line, 'a member line before any resource name');
      continue;
    }
    members++;
    const ok = target === 'OFFLINE' || state === 'ONLINE';
    if (!ok) notOnline++;
    const where: Record<string, string> = instance !== undefined ? { instance } : server && !/^(STABLE|Open|Mounted)/.test(server) ? { server } : {};
    out.add(CRS.m, { [CRS.resourceOk]: ok ? 1 : 0, state }, { resource, ...where });
  }
  if (members === 0) out.error('crsctl stat res -t listed no resources');
  else out.add(CRS.m, { [CRS.resourcesNotOnline]: notOnline });
}

/** `ocrcheck`: integrity of the registry and each device, and space used. */
function ocr(lines: Line[], out: Collector): void {
  const text = lines.map((l) => l.text).join('\n');
  const kb = (label: string) => {
    const m = new RegExp(`${label} space \\(kbytes\\)\\s*:\\s*(\\d+)`).exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const total = kb('Total');
  const used = kb('Used');
  const fields: Record<string, number> = { [CRS.ocrDevicesFailed]: (text.match(/Device\/File integrity check failed/g) ?? []).length };
  if (/Cluster registry integrity check succeeded/.test(text)) fields[CRS.ocrIntegrityOk] = 1;
  else if (/Cluster registry integrity check failed|PROT-\d+/.test(text)) fields[CRS.ocrIntegrityOk] = 0;
  else out.error(`ocrcheck printed no integrity verdict: ${JSON.stringify(lines.find((l) => l.text.trim())?.text.trim() ?? '')}`);
  if (total !== undefined && used !== undefined && total > 0) fields[CRS.ocrUsedPct] = round2((used / total) * 100);
  out.add(CRS.m, fields);
}

/** `crsctl query css votedisk`: ` 1. ONLINE   <id> (<path>) [<diskgroup>]` rows and a "Located N" line. */
function votedisks(lines: Line[], out: Collector): void {
  let online = 0;
  let offline = 0;
  let located: number | undefined;
  for (const line of lines) {
    const row = /^\s*\d+\.\s+(\S+)\s/.exec(line.text);
    if (row) {
      if (row[1] === 'ONLINE') online++;
      else offline++;
    }
    const m = /^Located (\d+) voting disk/.exec(line.text.trim());
    if (m) located = Number(m[1]);
  }
  if (located === undefined && online + offline === 0) {
    out.error(`crsctl query css votedisk listed no voting disks: ${JSON.stringify(lines.find((l) => l.text.trim())?.text.trim() ?? '')}`);
    return;
  }
  out.add(CRS.m, { [CRS.votedisksOnline]: online, [CRS.votedisksOffline]: offline });
}

export function parseClusterware(stdout: string): ParseResult {
  const out = new Collector('clusterware');
  const sections = new Map<string, Line[]>();
  let current: Line[] | undefined;
  for (const line of splitLines(stdout)) {
    const m = SECTION.exec(line.text.trim());
    if (m) sections.set(m[1] as string, (current = []));
    else current?.push(line);
  }
  const read: Array<[string, (l: Line[], o: Collector) => void]> = [
    ['crsctl_res', resources],
    ['ocrcheck', ocr],
    ['votedisk', votedisks],
  ];
  for (const [name, reader] of read) {
    const lines = sections.get(name);
    if (!lines) out.error(`no '${name}' section (output cut off?)`);
    else if (lines.some((l) => /CRS-4639|CRS-4535|CRS-4000|not found|No such file/.test(l.text)) && lines.length < 4)
      out.error(
        `${name}: ${lines
          .map((l) => l.text.trim())
          .filter(Boolean)
          .join(' ')}`,
      );
    else reader(lines, out);
  }
  return out.result();
}
