/**
 * renderHtml: Report → one self-contained HTML document for e-mail.
 *
 * Mail clients decide the constraints: table layout (Outlook's Word engine
 * ignores flex and most positioning), one <style> block for typography plus
 * inline styles and bgcolor on everything that carries meaning (Gmail and
 * Outlook drop some <style> rules, so a status colour never depends on them),
 * no scripts, no web fonts, no images or links to fetch. Sparklines are inline
 * SVG without the xmlns attribute, which HTML does not need. Statuses are
 * words as well as colours.
 */
import { CLASS_ORDER } from './checks.js';
import { alertsInDay, compareDevices } from './judge.js';
import {
  thresholdTable,
  checkLabel,
  classLabel,
  formatDateTime,
  labelled,
  formatDuration,
  formatNumber,
  formatPct,
  formatTrend,
  priorityLabel,
  alertText,
  incidentSla,
  openIncidentsOf,
  reportPeriod,
  reportTitle,
  riskAction,
  withNote,
  riskText,
  rowDetail,
  rowValue,
  statusLabel,
  ui,
} from './i18n.js';
import type { CheckRow, Lang, Priority, Report, Status } from './types.js';

const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
/** At most this many alerts are listed one by one; the counts cover all. */
export const MAX_LISTED_ALERTS = 50;

const COLOURS: Record<Status, { bg: string; fg: string }> = {
  pass: { bg: '#e6f4ea', fg: '#1e7b34' },
  warn: { bg: '#fff4e0', fg: '#8a5300' },
  fail: { bg: '#fde7e6', fg: '#b3261e' },
};

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const esc = escapeHtml;

const STYLE = `
body{margin:0;padding:0;background:#f4f5f7;color:#1f2328;font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;font-size:14px;line-height:1.4}
h1{font-size:22px;margin:0 0 4px 0}
h2{font-size:18px;margin:24px 0 8px 0;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px 0}
table.grid{border-collapse:collapse;width:100%}
table.grid th{background:#eef1f4;text-align:left;font-weight:600;padding:4px 6px;border:1px solid #d0d7de;font-size:13px}
table.grid td{padding:4px 6px;border:1px solid #d0d7de;vertical-align:top;font-size:13px}
.meta{color:#57606a;font-size:13px;margin:0}
.num{text-align:right;white-space:nowrap}
.muted{color:#57606a}
`.trim();

function statusCell(s: Status, lang: Lang): string {
  const c = COLOURS[s];
  return `<td bgcolor="${c.bg}" style="background:${c.bg};color:${c.fg};font-weight:bold;text-align:center;white-space:nowrap">${esc(statusLabel(s, lang))}</td>`;
}

/**
 * A 96×24 sparkline of the hourly averages: one polyline per run of non-null
 * hours (an empty hour breaks the line), a dot for a lone hour.
 */
export function sparkline(hourly: Array<number | null>, status: Status = 'pass'): string {
  const W = 96;
  const H = 24;
  const pad = 2;
  const values = hourly.filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0 || hourly.length === 0) return '';
  // A minimum span of 5 % of the level keeps ±0.1 % of noise on a disk from filling the box.
  const minSpan = 0.05 * Math.max(Math.abs(Math.min(...values)), Math.abs(Math.max(...values)));
  const mid = (Math.min(...values) + Math.max(...values)) / 2;
  const span = Math.max(Math.max(...values) - Math.min(...values), minSpan);
  const lo = mid - span / 2;
  const step = hourly.length > 1 ? (W - 2 * pad) / (hourly.length - 1) : 0;
  const x = (i: number) => (pad + i * step).toFixed(1);
  const y = (v: number) => (span === 0 ? H / 2 : H - pad - ((v - lo) / span) * (H - 2 * pad)).toFixed(1);
  const colour = COLOURS[status].fg === COLOURS.pass.fg ? '#0969da' : COLOURS[status].fg;
  const runs: string[][] = [];
  let current: string[] = [];
  hourly.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (current.length) runs.push(current);
      current = [];
    } else current.push(`${x(i)},${y(v)}`);
  });
  if (current.length) runs.push(current);
  const shapes = runs.map((r) =>
    r.length === 1
      ? `<circle cx="${r[0]!.split(',')[0]}" cy="${r[0]!.split(',')[1]}" r="1.5" fill="${colour}"/>`
      : `<polyline points="${r.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5"/>`,
  );
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="24 h">${shapes.join('')}</svg>`;
}

function th(labels: string[]): string {
  return `<tr>${labels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr>`;
}

function summaryBox(report: Report, lang: Lang): string {
  const alerts = PRIORITIES.reduce((a, p) => a + report.alertsByPriority[p], 0);
  const incidents = PRIORITIES.reduce((a, p) => a + report.incidentStats[p].opened, 0);
  const cell = (label: string, value: number, s?: Status) => {
    const c = s ? COLOURS[s] : { bg: '#ffffff', fg: '#1f2328' };
    return `<td width="16%" bgcolor="${c.bg}" style="background:${c.bg};color:${c.fg};border:1px solid #d0d7de;padding:8px;text-align:center"><div style="font-size:24px;font-weight:bold">${value}</div><div style="font-size:12px">${esc(label)}</div></td>`;
  };
  return `<table class="summary" role="presentation" width="100%" cellpadding="0" cellspacing="4" style="border-collapse:separate"><tr>${[
    cell(ui('devices', lang), report.summary.devices),
    cell(statusLabel('pass', lang), report.summary.pass, 'pass'),
    cell(statusLabel('warn', lang), report.summary.warn, 'warn'),
    cell(statusLabel('fail', lang), report.summary.fail, 'fail'),
    cell(ui('alertsTotal', lang), alerts),
    cell(ui('incidentsTotal', lang), incidents),
  ].join('')}</tr></table>`;
}

function risksSection(report: Report, lang: Lang): string {
  if (report.risks.length === 0) return `<p>${esc(ui('noRisks', lang))}</p>`;
  const rows = report.risks.map(
    (r, i) =>
      `<tr><td class="num">${i + 1}</td><td style="white-space:nowrap">${esc(r.device)}</td><td>${esc(checkLabel(r.check, lang))}</td>${statusCell(r.status, lang)}<td>${esc(riskText(report, r, lang))}</td><td>${esc(riskAction(r, lang))}</td><td class="muted">${esc(ui(`src.${r.source}`, lang))}</td></tr>`,
  );
  return `<table class="grid" width="100%" cellpadding="4" cellspacing="0">${th(['#', ui('device', lang), ui('check', lang), ui('status', lang), ui('risk', lang), ui('action', lang), ui('source', lang)])}${rows.join('')}</table>`;
}

function checkRowHtml(row: CheckRow, lang: Lang, deviceCell: string): string {
  const spark = row.hourly ? sparkline(row.hourly, row.status) : '';
  return `<tr>${deviceCell}<td>${esc(checkLabel(row.check, lang))}</td>${statusCell(row.status, lang)}<td>${esc(rowValue(row, lang))}</td><td>${esc(rowDetail(row, lang))}</td><td style="white-space:nowrap">${spark}</td><td class="num">${esc(formatTrend(row.trend, lang))}</td></tr>`;
}

function checklistSection(report: Report, lang: Lang): string {
  const byClass = new Map<string, CheckRow[]>();
  for (const r of report.rows) byClass.set(r.class, [...(byClass.get(r.class) ?? []), r]);
  const classes = [...byClass.keys()].sort((a, b) => compareDevices({ class: a, name: '' }, { class: b, name: '' }));
  const out: string[] = [];
  for (const cls of classes) {
    const rows = byClass.get(cls)!;
    const devices = [...new Set(rows.map((r) => r.device))];
    const body: string[] = [];
    for (const device of devices) {
      const mine = rows.filter((r) => r.device === device);
      mine.forEach((r, i) => {
        const cell = i === 0 ? `<td rowspan="${mine.length}" style="font-weight:600;white-space:nowrap">${esc(device)}</td>` : '';
        body.push(checkRowHtml(r, lang, cell));
      });
    }
    const anchor = CLASS_ORDER.includes(cls) ? cls : 'other';
    out.push(
      `<h3 id="class-${esc(anchor)}">${esc(withNote(classLabel(cls, lang), String(devices.length), lang))}</h3>` +
        `<table class="grid" width="100%" cellpadding="4" cellspacing="0">${th([ui('device', lang), ui('check', lang), ui('status', lang), ui('value', lang), ui('detail', lang), ui('last24h', lang), ui('trend', lang)])}${body.join('')}</table>`,
    );
  }
  return out.join('\n');
}

function alertsSection(report: Report, lang: Lang): string {
  const tz = report.input.timeZone;
  const counts = `<table class="grid" cellpadding="4" cellspacing="0" style="width:auto">${th([ui('priority', lang), ui('count', lang)])}${PRIORITIES.map((p) => `<tr><td>${esc(priorityLabel(p, lang))}</td><td class="num">${report.alertsByPriority[p]}</td></tr>`).join('')}</table>`;
  const alerts = alertsInDay(report.input).sort((a, b) => a.priority.localeCompare(b.priority) || a.firedAt - b.firedAt);
  if (alerts.length === 0) return `${counts}<p>${esc(ui('noAlerts', lang))}</p>`;
  const shown = alerts.slice(0, MAX_LISTED_ALERTS);
  const list = shown.map(
    (a) =>
      `<tr><td style="white-space:nowrap">${esc(formatDateTime(a.firedAt, tz))}</td><td>${esc(a.priority)}</td><td>${esc(a.device)}</td><td>${esc(a.ruleName)}</td><td>${esc(alertText(a, tz, lang))}</td><td style="white-space:nowrap">${esc(a.resolvedAt === null ? ui('stillFiring', lang) : formatDateTime(a.resolvedAt, tz))}</td></tr>`,
  );
  const more = alerts.length > shown.length ? `<p class="muted">${esc(ui('moreAlerts', lang, { n: alerts.length - shown.length }))}</p>` : '';
  return `${counts}<h3 id="alert-list">${esc(ui('alertList', lang))}</h3><table class="grid" width="100%" cellpadding="4" cellspacing="0">${th([ui('firedAt', lang), ui('priority', lang), ui('device', lang), ui('rule', lang), ui('summaryText', lang), ui('resolvedAt', lang)])}${list.join('')}</table>${more}`;
}

function incidentsSection(report: Report, lang: Lang): string {
  const rows = PRIORITIES.map((p) => {
    const s = report.incidentStats[p];
    return `<tr><td>${esc(priorityLabel(p, lang))}</td><td class="num">${s.opened}</td><td class="num">${s.acknowledged}</td><td class="num">${s.resolved}</td><td class="num">${esc(formatDuration(s.mttaMs, lang))}</td><td class="num">${esc(formatDuration(s.mttrMs, lang))}</td><td class="num">${esc(formatPct(s.respondSlaPct, lang))}</td><td class="num">${esc(formatPct(s.resolveSlaPct, lang))}</td></tr>`;
  });
  const stats = `<table class="grid" width="100%" cellpadding="4" cellspacing="0">${th([ui('priority', lang), ui('opened', lang), ui('acknowledged', lang), ui('resolved', lang), ui('mtta', lang), ui('mttr', lang), ui('respondSla', lang), ui('resolveSla', lang)])}${rows.join('')}</table>`;
  const open = openIncidentsOf(report);
  const tz = report.input.timeZone;
  const list =
    open.length === 0
      ? `<p>${esc(ui('noOpenIncidents', lang))}</p>`
      : `<table class="grid" width="100%" cellpadding="4" cellspacing="0">${th(['#', ui('priority', lang), ui('device', lang), ui('opened', lang), ui('slaState', lang), ui('incidentTitle', lang)])}${open
          .map(
            (i) =>
              `<tr><td class="num">${i.id}</td><td>${esc(i.priority)}</td><td>${esc(i.device)}</td><td style="white-space:nowrap">${esc(formatDateTime(i.openedAt, tz))}</td><td>${esc(incidentSla(i, lang))}</td><td>${esc(i.title)}</td></tr>`,
          )
          .join('')}</table>`;
  return `${stats}<h3 id="open-incidents">${esc(ui('openIncidents', lang))}</h3>${list}`;
}

const VERDICT_RANK = { down: 0, silent: 1, gaps: 2, complete: 3 } as const;
const VERDICT_STATUS: Record<keyof typeof VERDICT_RANK, Status> = { down: 'fail', silent: 'fail', gaps: 'warn', complete: 'pass' };

function completenessSection(report: Report, lang: Lang): string {
  const list = [...report.completeness].sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || compareDevices({ class: a.class, name: a.device }, { class: b.class, name: b.device }));
  const rows = list.map((c) => {
    const col = COLOURS[VERDICT_STATUS[c.verdict]];
    return `<tr><td>${esc(c.device)}</td><td>${esc(classLabel(c.class, lang))}</td><td class="num">${esc(formatPct(c.receivedPct, lang))}</td><td class="num">${esc(c.gapMinutes ? formatDuration(c.gapMinutes * 60_000, lang) : '–')}</td><td class="num">${esc(c.downMinutes ? formatDuration(c.downMinutes * 60_000, lang) : '–')}</td><td bgcolor="${col.bg}" style="background:${col.bg};color:${col.fg};font-weight:bold">${esc(ui(`verdict.${c.verdict}`, lang))}</td></tr>`;
  });
  const note = `<p class="meta">${esc(ui('completeNote', lang))}</p>`;
  return `${note}<table class="grid" width="100%" cellpadding="4" cellspacing="0">${th([ui('device', lang), ui('class', lang), ui('received', lang), ui('gaps', lang), ui('downtime', lang), ui('verdict', lang)])}${rows.join('')}</table>`;
}

function thresholdsSection(report: Report, lang: Lang): string {
  const t = thresholdTable(report, lang);
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
  return `<p class="meta">${esc(ui('thresholdsNote', lang))}</p><table class="grid" width="100%" cellpadding="4" cellspacing="0">${th(t.header)}${rows.join('')}</table>`;
}

export function renderHtml(report: Report, lang: Lang): string {
  const title = reportTitle(report, lang);
  const { generatedAt, timeZone } = report.input;
  const section = (id: string, key: string, body: string) => `<h2 id="${id}">${esc(ui(key, lang))}</h2>\n${body}`;
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body bgcolor="#f4f5f7">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" bgcolor="#f4f5f7"><tr><td align="center" style="padding:16px">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" bgcolor="#ffffff" style="max-width:1100px;background:#ffffff;border:1px solid #d0d7de"><tr><td style="padding:16px 20px">',
    `<h1 id="report-title">${esc(title)}</h1>`,
    `<p class="meta">${esc(reportPeriod(report, lang))} · ${esc(labelled(ui('generated', lang), formatDateTime(generatedAt, timeZone), lang))}</p>`,
    section('summary', 'summary', summaryBox(report, lang)),
    section('risks', 'risks', risksSection(report, lang)),
    section('checklist', 'checklist', checklistSection(report, lang)),
    section('alerts', 'alerts', alertsSection(report, lang)),
    section('incidents', 'incidents', incidentsSection(report, lang)),
    section('completeness', 'completeness', completenessSection(report, lang)),
    section('thresholds', 'thresholds', thresholdsSection(report, lang)),
    '</td></tr></table>',
    '</td></tr></table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
