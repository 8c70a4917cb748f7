/**
 * The delivery loop every spool of the agent runs (samples in sender.ts, syslog
 * lines in log-shipper.ts): send the oldest record, wait for the delay the
 * sender asks for, and sleep while the spool is empty until woken by a new
 * record, a retry timer or stop.
 */
import type { SpoolRecord } from './spool.js';

export class SpoolPump {
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spool: { peek(): SpoolRecord | undefined },
    /** Sends one record; returns a delay (ms) when it must be retried, undefined when it is done. */
    private readonly sendOne: (record: SpoolRecord) => Promise<number | undefined>,
    private readonly running: () => boolean,
  ) {}

  /** Ends the current wait at once: a new record, a stop, a flush. */
  kick(): void {
    const wake = this.wake;
    this.wake = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    wake?.();
  }

  /** Runs until `running()` is false and the loop is woken. */
  async run(): Promise<void> {
    while (this.running()) {
      const record = this.spool.peek();
      if (!record) {
        await this.sleep(undefined);
        continue;
      }
      const retryIn = await this.sendOne(record);
      if (retryIn !== undefined && this.running()) await this.sleep(retryIn);
    }
  }

  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) this.timer = setTimeout(() => this.kick(), ms);
    });
  }
}
