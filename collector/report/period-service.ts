/**
 * Weekly and monthly reports as a service, beside the daily one: build,
 * archive under data/reports/ (index-periods.json), mail to the report's list,
 * and run on Monday and on the first of the month at the daily report's hour
 * (`report.weekly_schedule`, `report.monthly_schedule`).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTask, type ScheduledTask } from 'node-cron';
import type { CollectorConfig } from '../config.js';
import type { GatherSources } from './gather.js';
import { buildPeriodReport, previousPeriod, type Period, type PeriodReport } from './period.js';
import { periodTitle, renderPeriodHtml, renderPeriodText } from './period-render.js';
import type { ArchiveEntry, ReportLog } from './service.js';
import type { Lang } from './types.js';

export interface BuiltPeriodReport {
  report: PeriodReport;
  html: string;
  text: string;
  lang: Lang;
}

export interface PeriodArchiveEntry {
  period: Period;
  label: string;
  lang: Lang;
  generatedAt: number;
  html: string;
  text: string;
  emailed?: ArchiveEntry['emailed'];
}

export interface Mailer {
  mail(subject: string, text: string, html: string): Promise<ArchiveEntry['emailed']>;
}

export class PeriodReports {
  private tasks: ScheduledTask[] = [];

  constructor(
    private readonly sources: GatherSources,
    private readonly config: Pick<CollectorConfig, 'report' | 'dataDir'>,
    private readonly now: () => number,
    private readonly log: ReportLog,
    private readonly mailer: Mailer,
  ) {}

  async build(period: Period, label: string | undefined, lang: Lang = this.config.report.lang): Promise<BuiltPeriodReport> {
    const tz = this.config.report.timeZone;
    const report = await buildPeriodReport(this.sources, { period, label: label ?? previousPeriod(period, this.now(), tz), timeZone: tz, now: this.now() });
    return { report, html: renderPeriodHtml(report, lang), text: renderPeriodText(report, lang), lang };
  }

  archive(built: BuiltPeriodReport, emailed?: ArchiveEntry['emailed']): PeriodArchiveEntry {
    const dir = join(this.config.dataDir, 'reports');
    mkdirSync(dir, { recursive: true });
    const base = `${built.report.period}-${built.report.label}.${built.lang}`;
    writeFileSync(join(dir, `${base}.html`), built.html);
    writeFileSync(join(dir, `${base}.txt`), built.text);
    const entry: PeriodArchiveEntry = {
      period: built.report.period,
      label: built.report.label,
      lang: built.lang,
      generatedAt: built.report.generatedAt,
      html: `${base}.html`,
      text: `${base}.txt`,
      ...(emailed ? { emailed } : {}),
    };
    const index = [entry, ...this.index().filter((e) => !(e.period === entry.period && e.label === entry.label && e.lang === entry.lang))];
    const tmp = join(dir, 'index-periods.json.tmp');
    writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`);
    renameSync(tmp, join(dir, 'index-periods.json'));
    return entry;
  }

  index(): PeriodArchiveEntry[] {
    try {
      return JSON.parse(readFileSync(join(this.config.dataDir, 'reports', 'index-periods.json'), 'utf8')) as PeriodArchiveEntry[];
    } catch {
      return [];
    }
  }

  email(built: BuiltPeriodReport): Promise<ArchiveEntry['emailed']> {
    return this.mailer.mail(periodTitle(built.report, built.lang), built.text, built.html);
  }

  /** The Monday or first-of-month job: the period just ended, archived and mailed. */
  async run(period: Period): Promise<PeriodArchiveEntry> {
    const built = await this.build(period, undefined);
    const emailed = await this.email(built);
    const entry = this.archive(built, emailed);
    if (emailed && 'error' in emailed) this.log.error({ period, label: built.report.label, err: emailed.error }, 'period report not mailed');
    this.log.info({ period, label: built.report.label }, 'period report done');
    return entry;
  }

  start(): void {
    if (!this.config.report.enabled || this.tasks.length > 0) return;
    const schedules: Array<[Period, string]> = [
      ['week', this.config.report.weeklySchedule ?? '0 8 * * 1'],
      ['month', this.config.report.monthlySchedule ?? '0 8 1 * *'],
    ];
    for (const [period, cron] of schedules) {
      const task = createTask(cron, () => void this.run(period).catch((err: unknown) => this.log.error({ err: (err as Error).message }, `${period} report failed`)), {
        name: `${period}-report`,
        timezone: this.config.report.timeZone,
        noOverlap: true,
      });
      void task.start();
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.stop()));
    this.tasks = [];
  }
}
