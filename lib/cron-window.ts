/**
 * "Is a recurring window open now?" for windows given as a cron expression
 * (when it opens) and a duration (how long it stays open), on node-cron, the
 * scheduler the collector and the agent already use, so there is one cron
 * dialect everywhere.
 *
 * node-cron answers "does this minute match" (in a time zone, DST included)
 * but not "when did it last fire", so the opening minutes are searched
 * backwards from now over the window's duration: at most duration/1 min
 * matches (1,440 for a day-long window). The answer cannot change within a
 * minute, so it is kept per window and minute, and a rule evaluation that asks
 * for every alert costs one search per minute.
 */
import { createTask, validateDetailed, type ScheduledTask } from 'node-cron';

const MINUTE = 60_000;
const MAX_MATCHERS = 256;
/** Longest window searched: a week. A longer "recurring window" is a one-off window. */
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;

/** Why `expr` cannot open a window, or undefined when it can. Seconds are refused: windows open on a minute. */
export function cronWindowProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `'${expr}' must have five fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * 0"`;
  const v = validateDetailed(expr);
  if (!v.valid) return `'${expr}' is not a cron expression: ${v.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
  return undefined;
}

export class CronWindows {
  private readonly matchers = new Map<string, ScheduledTask | null>();
  private readonly memo = new Map<string, { minute: number; open: boolean }>();

  /** True when a window opened by `cron` (in `timeZone`) at most `durationMs` ago is still open at `now`. */
  isOpen(cron: string, timeZone: string | undefined, durationMs: number, now: number): boolean {
    if (!(durationMs > 0)) return false;
    const key = `${cron}\0${timeZone ?? ''}\0${durationMs}`;
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const seen = this.memo.get(key);
    // Within one minute the answer only changes when the duration is not whole minutes.
    if (seen && seen.minute === minute && durationMs % MINUTE === 0) return seen.open;
    const m = this.matcher(key, cron, timeZone);
    if (!m) return false;
    const open = this.search(m, Math.min(durationMs, MAX_WINDOW_MS), now, minute);
    this.memo.set(key, { minute, open });
    return open;
  }

  private matcher(key: string, cron: string, timeZone: string | undefined): ScheduledTask | null {
    let m = this.matchers.get(key);
    if (m === null) return null;
    if (!m) {
      // Validated once per expression, not on every question: windows are asked about for every alert.
      if (cronWindowProblem(cron) !== undefined) {
        this.matchers.set(key, null);
        return null;
      }
      // Bounded: API windows come and go; node-cron keeps every task in its registry until destroyed.
      if (this.matchers.size >= MAX_MATCHERS) this.clear();
      // Never started: used only for match(); `noOverlap` etc. do not matter.
      m = createTask(cron, () => undefined, timeZone ? { timezone: timeZone } : {});
      this.matchers.set(key, m);
    }
    return m;
  }

  /** Destroys the matchers (node-cron tasks, never started) and forgets the answers. */
  clear(): void {
    for (const m of this.matchers.values()) if (m) void m.destroy();
    this.matchers.clear();
    this.memo.clear();
  }

  /** An opening minute s with now - duration < s <= now. */
  private search(m: ScheduledTask, durationMs: number, now: number, minute: number): boolean {
    for (let s = minute; s > now - durationMs; s -= MINUTE) {
      if (m.match(new Date(s))) return true;
    }
    return false;
  }
}
