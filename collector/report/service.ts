/**
 * The daily report as a service: build (gather → judge → render), archive
 * under data/reports/ with an index, mail to the configured list, and run
 * every morning on node-cron in the report's time zone (08:00 by default).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Transporter } from 'nodemailer';
import type { CollectorConfig } from '../config.js';
import { smtpTransport } from '../notify/channels/email.js';
import { smtpOptionsOf } from '../notify/config.js';
import { gatherReport, previousDate, type GatherSources } from './gather.js';
import { judgeReport } from './judge.js';
import { renderHtml } from './render-html.js';
import { renderText } from './render-text.js';
import { PeriodReports } from './period-service.js';
import type { Lang, Report } from './types.js';

export interface BuiltReport {
  report: Report;
  html: string;
  text: string;
  lang: Lang;
}

export interface ArchiveEntry {
  date: string;
  lang: Lang;
  site?: string;
  generatedAt: number;
  html: string;
  text: string;
  summary: Report['summary'];
  emailed?: { to: string[]; at: number } | { error: string; at: number };
}

export interface ReportLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class ReportService {
  private task: ScheduledTask | undefined;
  /** The weekly and monthly jobs, started and stopped with the daily one. */
  readonly periods: PeriodReports;
  private transport: Transporter | undefined;
  private from: string | undefined;

  constructor(
    private readonly sources: GatherSources,
    private readonly config: Pick<CollectorConfig, 'report' | 'notify' | 'dataDir'>,
    private readonly now: () => number,
    private readonly log: ReportLog,
  ) {
    const name = config.report.channel;
    const channel = name ? config.notify.channels.find((c) => c.name === name) : undefined;
    if (channel && (channel.type === 'email' || channel.type === 'email_sms')) {
      const smtp = smtpOptionsOf(channel);
      this.transport = smtpTransport(smtp);
      this.from = smtp.from;
    }
    this.periods = new PeriodReports(sources, config, now, log, this);
  }

  get archiveDir(): string {
    return join(this.config.dataDir, 'reports');
  }

  async build(date: string, lang: Lang = this.config.report.lang, site = this.config.report.site): Promise<BuiltReport> {
    const input = await gatherReport(this.sources, { date, timeZone: this.config.report.timeZone, now: this.now(), site, lang });
    const report = judgeReport(input);
    return { report, html: renderHtml(report, lang), text: renderText(report, lang), lang };
  }

  /** Writes the report's HTML and text and records it in index.json (newest first). */
  archive(built: BuiltReport, emailed?: ArchiveEntry['emailed']): ArchiveEntry {
    const dir = this.archiveDir;
    mkdirSync(dir, { recursive: true });
    const input = built.report.input;
    const base = `${input.date}${input.site ? `.${input.site.replace(/[^A-Za-z0-9_-]/g, '_')}` : ''}.${built.lang}`;
    writeFileSync(join(dir, `${base}.html`), built.html);
    writeFileSync(join(dir, `${base}.txt`), built.text);
    const entry: ArchiveEntry = {
      date: input.date,
      lang: built.lang,
      ...(input.site ? { site: input.site } : {}),
      generatedAt: input.generatedAt,
      html: `${base}.html`,
      text: `${base}.txt`,
      summary: built.report.summary,
      ...(emailed ? { emailed } : {}),
    };
    const index = this.index().filter((e) => !(e.date === entry.date && e.lang === entry.lang && e.site === entry.site));
    index.push(entry);
    index.sort((a, b) => b.date.localeCompare(a.date) || a.lang.localeCompare(b.lang));
    const tmp = join(dir, `index.json.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`);
    renameSync(tmp, join(dir, 'index.json'));
    return entry;
  }

  index(): ArchiveEntry[] {
    try {
      return JSON.parse(readFileSync(join(this.archiveDir, 'index.json'), 'utf8')) as ArchiveEntry[];
    } catch {
      return [];
    }
  }

  /** Mails the report (HTML with a plain-text part) to the configured list. */
  async email(built: BuiltReport): Promise<ArchiveEntry['emailed']> {
    const to = this.config.report.to;
    if (!this.transport || to.length === 0) return undefined;
    const s = built.report.summary;
    const subject =
      built.lang === 'zh-CN'
        ? `机房巡检报告 ${built.report.input.date}：故障 ${s.fail}，警告 ${s.warn}，设备 ${s.devices}`
        : `Machine-room health check ${built.report.input.date}: ${s.fail} fail, ${s.warn} warn, ${s.devices} devices`;
    return this.mail(subject, built.text, built.html);
  }

  /** Mails one report to the configured list; the weekly and monthly reports go the same way. */
  async mail(subject: string, text: string, html: string): Promise<ArchiveEntry['emailed']> {
    const to = this.config.report.to;
    if (!this.transport || to.length === 0) return undefined;
    try {
      await this.transport.sendMail({ from: this.from, to: to.join(', '), subject, text, html });
      return { to, at: this.now() };
    } catch (err) {
      return { error: (err as Error).message, at: this.now() };
    }
  }

  /** What the morning job does: yesterday's report, archived and mailed. */
  async runDaily(): Promise<ArchiveEntry> {
    const date = previousDate(this.now(), this.config.report.timeZone);
    const built = await this.build(date);
    const emailed = await this.email(built);
    const entry = this.archive(built, emailed);
    if (emailed && 'error' in emailed) this.log.error({ date, err: emailed.error }, 'daily report not mailed');
    this.log.info({ date, ...built.report.summary, emailed: emailed && 'to' in emailed ? emailed.to.length : 0 }, 'daily report done');
    return entry;
  }

  start(): void {
    if (!this.config.report.enabled || this.task) return;
    this.task = createTask(
      this.config.report.schedule,
      () => {
        this.runDaily().catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'daily report failed'));
      },
      { name: 'daily-report', timezone: this.config.report.timeZone, noOverlap: true },
    );
    void this.task.start();
    this.periods.start();
  }

  /** When the morning job runs next, or undefined without a schedule. */
  nextRun(): Date | undefined {
    return this.task?.getNextRun() ?? undefined;
  }

  async stop(): Promise<void> {
    if (this.task) await this.task.stop();
    this.task = undefined;
    await this.periods.stop();
    this.transport?.close();
  }
}
