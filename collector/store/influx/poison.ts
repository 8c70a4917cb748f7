/**
 * Telling a poison line from an outage. InfluxDB answers 400 (1.x, 2.x) or
 * 422 (2.x) when it refuses lines for what they contain: a field whose type
 * changed ("field type conflict"), a line it cannot parse. Sending the same
 * lines again gets the same answer for ever. Everything else (5xx, 401/403,
 * a missing database, a time-out, a refused connection) is an outage: the
 * lines are fine and wait in the outbox.
 *
 * A refused batch is split in halves and each half sent again until the
 * refused lines stand alone; they become dead letters and the rest is
 * written. Sending a line twice is harmless (same series and timestamp
 * overwrite), which matters because a 1.x "partial write" already kept the
 * good lines of the batch it refused.
 */
import type { LineWriter } from './client.js';
import type { DeadLine } from './outbox.js';

/** The HTTP statuses that mean "these lines", not "this server". 413: a line too large on its own. */
const LINE_REFUSALS = new Set([400, 413, 422]);

export interface Refusal {
  status: number;
  reason: string;
}

/** The server's refusal of the lines, or undefined when the error is an outage. */
export function refusalOf(err: unknown): Refusal | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || !LINE_REFUSALS.has(status)) return undefined;
  const body = typeof e.body === 'string' && e.body !== '' ? e.body : String(e.message ?? '');
  return { status, reason: body.slice(0, 1_000) };
}

/**
 * Writes `lines`; lines InfluxDB refuses are returned as dead letters instead
 * of failing the write. An outage anywhere throws, and the caller keeps every
 * line for a later attempt (what was written meanwhile will be overwritten).
 */
export async function writeIsolatingPoison(writer: LineWriter, lines: readonly string[]): Promise<DeadLine[]> {
  const dead: DeadLine[] = [];
  const attempt = async (part: readonly string[]): Promise<void> => {
    if (part.length === 0) return;
    try {
      await writer.write([...part]);
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      if (part.length === 1) {
        dead.push({ line: part[0] as string, ...refusal });
        return;
      }
      const mid = part.length >> 1;
      await attempt(part.slice(0, mid));
      await attempt(part.slice(mid));
    }
  };
  await attempt(lines);
  return dead;
}
