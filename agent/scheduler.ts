/**
 * Runs tasks on intervals (with a random first offset so a room of agents does
 * not probe in lockstep) or on cron expressions (node-cron) for slow checks.
 *
 * A task never overlaps itself: a tick that finds the previous run still going
 * is skipped and counted. Each run gets an AbortSignal that fires at its
 * timeout or at shutdown.
 */
import { createTask, type ScheduledTask } from 'node-cron';

export interface Task {
  name: string;
  intervalMs: number;
  cron?: string;
  timeoutMs: number;
  run(signal: AbortSignal): Promise<void>;
}

export interface TaskState {
  runs: number;
  skipped: number;
  running: boolean;
}

export interface SchedulerClock {
  now(): number;
  random(): number;
}

interface Entry {
  task: Task;
  state: TaskState;
  inflight?: Promise<void>;
  /** Aborts the run in progress when the task is removed. */
  abort?: AbortController;
  timer?: NodeJS.Timeout;
  cron?: ScheduledTask;
}

const systemClock: SchedulerClock = { now: Date.now, random: Math.random };

export class Scheduler {
  private readonly tasks: Entry[] = [];
  private readonly shutdown = new AbortController();
  private started = false;

  constructor(
    private readonly jitterMs: number,
    private readonly clock: SchedulerClock = systemClock,
  ) {}

  /** Adds a task; on a running scheduler it starts at once (after its jitter). */
  add(task: Task): void {
    if (this.tasks.some((t) => t.task.name === task.name)) throw new Error(`a task named '${task.name}' is already scheduled`);
    const entry: Entry = { task, state: { runs: 0, skipped: 0, running: false } };
    this.tasks.push(entry);
    if (this.started) this.schedule(entry);
  }

  /**
   * Removes a task: it stops ticking, a run in progress is aborted, and the
   * promise resolves when that run has ended (or after `graceMs`).
   */
  async remove(name: string, graceMs = 2_000): Promise<void> {
    const i = this.tasks.findIndex((t) => t.task.name === name);
    if (i < 0) return;
    const [entry] = this.tasks.splice(i, 1);
    await this.unschedule(entry!);
    entry!.abort?.abort();
    if (entry!.inflight) await Promise.race([entry!.inflight, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  get names(): string[] {
    return this.tasks.map((t) => t.task.name);
  }

  state(name: string): TaskState | undefined {
    return this.tasks.find((t) => t.task.name === name)?.state;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const entry of this.tasks) this.schedule(entry);
  }

  private schedule(entry: Entry): void {
    if (entry.task.cron) {
      entry.cron = createTask(entry.task.cron, () => this.fire(entry), { name: entry.task.name, noOverlap: false });
      void entry.cron.start();
      return;
    }
    // Ticks are aligned to the first run plus whole intervals, so they never drift.
    const first = this.clock.now() + Math.floor(this.clock.random() * Math.min(this.jitterMs, entry.task.intervalMs));
    const tick = (due: number) => {
      entry.timer = setTimeout(
        () => {
          this.fire(entry);
          let next = due + entry.task.intervalMs;
          // After a suspend or a blocked loop, skip the missed ticks instead of bursting.
          while (next <= this.clock.now()) next += entry.task.intervalMs;
          tick(next);
        },
        Math.max(0, due - this.clock.now()),
      );
    };
    tick(first);
  }

  private async unschedule(entry: Entry): Promise<void> {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.cron) await entry.cron.destroy();
    entry.cron = undefined;
  }

  private fire(entry: Entry): void {
    if (this.shutdown.signal.aborted) return;
    if (entry.state.running) {
      entry.state.skipped++;
      return;
    }
    entry.state.running = true;
    entry.state.runs++;
    entry.abort = new AbortController();
    const signal = AbortSignal.any([this.shutdown.signal, entry.abort.signal, AbortSignal.timeout(entry.task.timeoutMs)]);
    entry.inflight = entry.task
      .run(signal)
      .catch(() => undefined)
      .finally(() => {
        entry.state.running = false;
        entry.inflight = undefined;
      });
  }

  /** Stops ticking, aborts runs in progress and waits up to `graceMs` for them to end. */
  async stop(graceMs = 2_000): Promise<void> {
    for (const entry of this.tasks) await this.unschedule(entry);
    this.shutdown.abort();
    const inflight = this.tasks.map((t) => t.inflight).filter((p): p is Promise<void> => p !== undefined);
    await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}
