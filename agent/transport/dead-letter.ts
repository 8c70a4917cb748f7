/**
 * The agent's dead-letter file: what the collector refused for good, kept
 * beside the spool so nothing is lost silently and an operator can replay or
 * inspect it. One JSON object per line (`dead-letter.jsonl` in the spool
 * directory): when, why (status, code, the collector's message), the batch's
 * seq and id, and the refused samples and device metadata themselves.
 *
 * Bounded: past `maxBytes` the file is renamed to `dead-letter.1.jsonl`
 * (replacing an older one) and a new file starts, so at most about twice the
 * bound stays on disk. The counters live in memory and start from zero with
 * the process; the file is the record.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DEAD_LETTER_FILE = 'dead-letter.jsonl';
export const DEAD_LETTER_ROTATED = 'dead-letter.1.jsonl';
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export interface DeadLetterEntry {
  /** Why: e.g. 'device not owned'. */
  reason: string;
  status: number;
  code?: string;
  message: string;
  seq: number;
  batch_id?: string;
  /** Device names the collector refused. */
  devices: string[];
  samples: unknown[];
  metadata?: unknown[];
}

export class DeadLetterFile {
  readonly path: string;
  private bytes: number;
  /** Samples written to the file since the process started. */
  samples = 0;
  entries = 0;

  constructor(
    dir: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, DEAD_LETTER_FILE);
    this.bytes = existsSync(this.path) ? statSync(this.path).size : 0;
  }

  append(entry: DeadLetterEntry): void {
    const line = `${JSON.stringify({ at: new Date(this.now()).toISOString(), ...entry })}\n`;
    if (this.bytes > 0 && this.bytes + line.length > this.maxBytes) {
      renameSync(this.path, join(this.path, '..', DEAD_LETTER_ROTATED));
      this.bytes = 0;
    }
    appendFileSync(this.path, line);
    this.bytes += Buffer.byteLength(line);
    this.entries++;
    this.samples += entry.samples.length;
  }
}
