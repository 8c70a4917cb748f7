/**
 * renderText: Report → the plain-text part of the report mail. Columns are
 * aligned by display width (CJK characters take two columns in a monospace
 * font), the checklist lists failed, then warned, then passed rows, and the
 * last column of each table is left ragged so long texts do not pad every line.
 */
import { alertsInDay, compareDevices } from './judge.js';
import {
  thresholdTable,
  checkLabel,
  classLabel,
  displayWidth,
  formatDateTime,
  labelled,
  withNote,
  formatDuration,
  formatPct,
  formatTrend,
  padEnd,
  priorityLabel,
  alertText,
  incidentSla,
  openIncidentsOf,
  reportPeriod,
  reportTitle,
  riskAction,
  riskText,
  rowDetail,
  rowValue,
  statusLabel,
  ui,
} from './i18n.js';
import type { Lang, Priority, Report, Status } from './types.js';

const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
const STATUS_ORDER: Record<Status, number> = { fail: 0, warn: 1, pass: 2 };
export const MAX_LISTED_ALERTS = 50;
const GAP = '  ';

/** Aligned columns: every cell padded to its column's widest display width. */
export function textTable(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => displayWidth(r[c] ?? ''))));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : padEnd(cell, widths[c]!)))
      .join(GAP)
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join(GAP);
  return [line(header), rule, ...rows.map(line)];
}

function heading(text: string, char = '-'): string[] {
  return ['', text, char.repeat(displayWidth(text))];
}

export function renderText(report: Report, lang: Lang): string {
  const tz = report.input.timeZone;
  const out: string[] = [];
  const title = reportTitle(report, lang);
  out.push(title, '='.repeat(displayWidth(title)));
  out.push(reportPeriod(report, lang), labelled(ui('generated', lang), formatDateTime(report.input.generatedAt, tz), lang));

  // Summary
  const alerts = PRIORITIES.reduce((a, p) => a + report.alertsByPriority[p], 0);
  const incidents = PRIORITIES.reduce((a, p) => a + report.incidentStats[p].opened, 0);
  out.push(...heading(ui('summary', lang)));
  out.push(
    ...textTable(
      [ui('devices', lang), statusLabel('pass', lang), statusLabel('warn', lang), statusLabel('fail', lang), ui('alertsTotal', lang), ui('incidentsTotal', lang)],
      [[report.summary.devices, report.summary.pass, report.summary.warn, report.summary.fail, alerts, incidents].map(String)],
    ),
  );

  // Risks
  out.push(...heading(ui('risks', lang)));
  if (report.risks.length === 0) out.push(ui('noRisks', lang));
  else {
    out.push(
      ...textTable(
        ['#', ui('status', lang), ui('device', lang), ui('check', lang), ui('risk', lang)],
        report.risks.map((r, i) => [String(i + 1), statusLabel(r.status, lang), r.device, checkLabel(r.check, lang), riskText(report, r, lang)]),
      ),
    );
    out.push('');
    report.risks.forEach((r, i) => out.push(`${i + 1}. ${labelled(withNote(ui('action', lang), ui(`src.${r.source}`, lang), lang), riskAction(r, lang), lang)}`));
  }

  // Checklist: fail, warn, pass; within a status in report order.
  out.push(...heading(ui('checklist', lang)));
  const order = new Map(report.rows.map((r, i) => [r, i]));
  const rows = [...report.rows].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || order.get(a)! - order.get(b)!);
  out.push(
    ...textTable(
      [ui('status', lang), ui('device', lang), ui('class', lang), ui('check', lang), ui('trend', lang), ui('value', lang), ui('detail', lang)],
      rows.map((r) => [statusLabel(r.status, lang), r.device, classLabel(r.class, lang), checkLabel(r.check, lang), formatTrend(r.trend, lang), rowValue(r, lang), rowDetail(r, lang)]),
    ),
  );

  // Alerts
  out.push(...heading(ui('alerts', lang)));
  out.push(
    ...textTable(
      [ui('priority', lang), ui('count', lang)],
      PRIORITIES.map((p) => [priorityLabel(p, lang), String(report.alertsByPriority[p])]),
    ),
  );
  const list = alertsInDay(report.input).sort((a, b) => a.priority.localeCompare(b.priority) || a.firedAt - b.firedAt);
  if (list.length > 0) {
    out.push('', labelled(ui('alertList', lang), '', lang).trimEnd());
    out.push(
      ...textTable(
        [ui('firedAt', lang), ui('priority', lang), ui('device', lang), ui('resolvedAt', lang), ui('summaryText', lang)],
        list
          .slice(0, MAX_LISTED_ALERTS)
          .map((a) => [formatDateTime(a.firedAt, tz), a.priority, a.device, a.resolvedAt === null ? ui('stillFiring', lang) : formatDateTime(a.resolvedAt, tz), alertText(a, tz, lang)]),
      ),
    );
    if (list.length > MAX_LISTED_ALERTS) out.push(ui('moreAlerts', lang, { n: list.length - MAX_LISTED_ALERTS }));
  }

  // Incidents
  out.push(...heading(ui('incidents', lang)));
  out.push(
    ...textTable(
      [ui('priority', lang), ui('opened', lang), ui('acknowledged', lang), ui('resolved', lang), ui('mtta', lang), ui('mttr', lang), ui('respondSla', lang), ui('resolveSla', lang)],
      PRIORITIES.map((p) => {
        const s = report.incidentStats[p];
        return [
          priorityLabel(p, lang),
          String(s.opened),
          String(s.acknowledged),
          String(s.resolved),
          formatDuration(s.mttaMs, lang),
          formatDuration(s.mttrMs, lang),
          formatPct(s.respondSlaPct, lang),
          formatPct(s.resolveSlaPct, lang),
        ];
      }),
    ),
  );

  const open = openIncidentsOf(report);
  out.push('', labelled(ui('openIncidents', lang), open.length === 0 ? ui('noOpenIncidents', lang) : '', lang).trimEnd());
  if (open.length > 0) {
    out.push(
      ...textTable(
        ['#', ui('priority', lang), ui('device', lang), ui('opened', lang), ui('slaState', lang), ui('incidentTitle', lang)],
        open.map((i) => [String(i.id), i.priority, i.device, formatDateTime(i.openedAt, tz), incidentSla(i, lang), i.title]),
      ),
    );
  }

  // Completeness: only devices that are not complete are listed; the rest are counted.
  out.push(...heading(ui('completeness', lang)));
  out.push(ui('completeNote', lang));
  const rank = { down: 0, silent: 1, gaps: 2, complete: 3 } as const;
  const incomplete = report.completeness
    .filter((c) => c.verdict !== 'complete')
    .sort((a, b) => rank[a.verdict] - rank[b.verdict] || compareDevices({ class: a.class, name: a.device }, { class: b.class, name: b.device }));
  if (incomplete.length === 0) out.push(ui('allComplete', lang));
  else {
    out.push(
      ...textTable(
        [ui('device', lang), ui('class', lang), ui('received', lang), ui('gaps', lang), ui('downtime', lang), ui('verdict', lang)],
        incomplete.map((c) => [
          c.device,
          classLabel(c.class, lang),
          formatPct(c.receivedPct, lang),
          c.gapMinutes ? formatDuration(c.gapMinutes * 60_000, lang) : '–',
          c.downMinutes ? formatDuration(c.downMinutes * 60_000, lang) : '–',
          ui(`verdict.${c.verdict}`, lang),
        ]),
      ),
    );
    const complete = report.completeness.length - incomplete.length;
    out.push(labelled(ui('verdict.complete', lang), String(complete), lang));
  }

  out.push(...heading(ui('thresholds', lang)));
  out.push(ui('thresholdsNote', lang));
  const t = thresholdTable(report, lang);
  out.push(...textTable(t.header, t.rows));
  return out.join('\n') + '\n';
}
