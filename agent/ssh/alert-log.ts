/**
 * The Oracle alert log over SSH: a POSIX command that prints the file's inode
 * and size and the bytes after the last offset (bounded), the parser of that
 * output, and the count of new ORA- codes. The rotation logic (a new inode or
 * a shorter file means the log was rotated or truncated) lives in the probe
 * (agent/ssh/checks.ts), which keeps the inode and offset between runs.
 */
import type { ParsedMetric } from './types.js';

const shorten = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** Reports an alert-log code count as the catalog's oracle.alert_errors {code}. */
export function alertErrorMetrics(counts: Map<string, number>): ParsedMetric[] {
  return [...counts].map(([code, n]) => ({ measurement: 'oracle', tags: { code }, fields: { alert_errors: n } }));
}

/**
 * Counts ORA- codes in new alert-log text. The alert log writes some codes
 * without zero padding ("ORA-1653"), so codes are normalised to five digits;
 * a code repeated on one line counts once.
 */
export function parseAlertLogChunk(chunk: string): { counts: Map<string, number>; lines: number } {
  const counts = new Map<string, number>();
  const all = chunk.split(/\r?\n/);
  if (all.at(-1) === '') all.pop();
  for (const line of all) {
    const codes = new Set([...line.matchAll(/\bORA-(\d{1,5})\b/g)].map((m) => `ORA-${(m[1] as string).padStart(5, '0')}`));
    for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return { counts, lines: all.length };
}

/** At most this much of the log is read per run, so a log that exploded does not flood the probe. */
export const ALERT_LOG_MAX_BYTES = 4 * 1024 * 1024;

/**
 * A POSIX sh command (also Bourne sh on Solaris 10: backquotes, no $(...)) that
 * prints `INODE SIZE START` and then the log from byte `offset` on, at most
 * ALERT_LOG_MAX_BYTES. Only `ls -i`, `wc -c`, `tail -c +N` and `dd` are used:
 * no GNU flags, no `stat`. /usr/xpg4/bin goes first for Solaris's POSIX tail.
 *
 * Rotation, for the probe: keep the inode and the offset (= SIZE of the last read).
 *  - first run: start at the end (offset = SIZE) and count nothing, history is not news;
 *  - a different inode, or SIZE < offset: the log was rotated or truncated, read again from 0;
 *  - otherwise count the chunk and store offset = SIZE.
 * The chunk is cut to SIZE - START bytes (the file grows while it is read), so
 * the next read starts exactly where this one stopped. When more than the cap
 * was written, the rest is skipped on purpose.
 */
export function alertLogCommand(path: string, offset: number): string {
  const start = Number.isSafeInteger(offset) && offset > 0 ? offset : 0;
  const quoted = `'${path.replace(/'/g, `'\\''`)}'`;
  const blocks = ALERT_LOG_MAX_BYTES / 4096;
  return [
    `PATH=/usr/xpg4/bin:$PATH; f=${quoted}`,
    `if [ -f "$f" ] && [ -r "$f" ]; then`,
    ` set -- \`ls -i "$f"\`; s=\`wc -c < "$f"\`; echo $1 $s ${start}`,
    ` tail -c +${start + 1} "$f" | dd bs=4096 count=${blocks} 2>/dev/null`,
    `else echo "cannot read $f" >&2; exit 1; fi`,
  ].join('\n');
}

export interface AlertLogRead {
  inode: string;
  size: number;
  chunk: string;
  /** Set when the first line is not `INODE SIZE [START]`; inode is then '' and size 0. */
  error?: string;
}

/** Splits alertLogCommand()'s output into the file's identity and the new text. */
export function parseAlertLogOutput(stdout: string): AlertLogRead {
  const nl = stdout.indexOf('\n');
  const head = (nl < 0 ? stdout : stdout.slice(0, nl)).trim();
  const m = /^(\d+)\s+(\d+)(?:\s+(\d+))?$/.exec(head);
  if (!m) return { inode: '', size: 0, chunk: '', error: `alert log: expected 'INODE SIZE' first, got ${JSON.stringify(shorten(head))}` };
  const size = Number(m[2]);
  let chunk = nl < 0 ? '' : stdout.slice(nl + 1);
  if (m[3] !== undefined) {
    const want = Math.max(0, size - Number(m[3]));
    const bytes = Buffer.from(chunk, 'utf8');
    if (bytes.length > want) chunk = bytes.subarray(0, want).toString('utf8');
  }
  return { inode: m[1] as string, size, chunk };
}
