/**
 * Weekly and monthly reports as HTML (mail-safe tables, like the daily one)
 * and plain text, in zh-CN or en.
 */
import { escapeHtml as esc } from './render-html.js';
import { classLabel, formatDateTime, formatDuration, formatPct, priorityLabel } from './i18n.js';
import type { PeriodReport, PeriodStats } from './period.js';
import type { Lang, Priority } from './types.js';

const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];

const T: Record<string, [en: string, zh: string]> = {
  week: ['Weekly report', '运维周报'],
  month: ['Monthly report', '运维月报'],
  period: ['Period', '统计周期'],
  previous: ['compared with', '对比上期'],
  generated: ['Generated', '生成时间'],
  availability: ['Availability', '可用性'],
  byClass: ['By class', '按设备类别'],
  device: ['Device', '设备'],
  class: ['Class', '类别'],
  devices: ['Devices', '设备数'],
  avail: ['Availability', '可用率'],
  down: ['Down', '宕机时长'],
  worst: ['Least available devices', '可用率最低的设备'],
  incidents: ['Incidents and SLA', '事件与 SLA'],
  priority: ['Priority', '级别'],
  opened: ['Opened', '新增'],
  mtta: ['MTTA', '平均响应时间'],
  mttr: ['MTTR', '平均解决时间'],
  respond: ['Respond SLA', '响应达标率'],
  plan: ['Plan SLA', '方案达标率'],
  resolve: ['Resolve SLA', '解决达标率'],
  noisy: ['Noisiest rules and devices', '告警最多的规则与设备'],
  rule: ['Rule', '规则'],
  fired: ['Fired', '触发次数'],
  forecasts: ['Capacity forecasts', '容量预测'],
  metric: ['Metric', '指标'],
  now: ['Now', '当前'],
  full: ['Full in', '预计写满'],
  days: ['{n} days', '{n} 天'],
  maintenance: ['Maintenance performed', '维护执行情况'],
  window: ['Window', '时间'],
  knowledge: ['Knowledge base entries added', '新增知识库条目'],
  cause: ['Cause', '原因'],
  fix: ['Fix', '处理'],
  inventory: ['Inventory', '资产概况'],
  total: ['Devices in inventory', '设备总数'],
  added: ['Added in the period', '本期新增'],
  silent: ['Silent for a day or more', '超过一天无数据'],
  none: ['None.', '无。'],
};

const t = (key: string, lang: Lang, params: Record<string, string | number> = {}) => (T[key]?.[lang === 'zh-CN' ? 1 : 0] ?? key).replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));

/** "12 min (was 20 min)". */
function versus(now: number | null, before: number | null, fmt: (v: number | null) => string): string {
  return before === null ? fmt(now) : `${fmt(now)} (${fmt(before)})`;
}

export function periodTitle(r: PeriodReport, lang: Lang): string {
  return `${t(r.period, lang)} ${r.label}`;
}

interface Table {
  head: string[];
  rows: string[][];
}

function sections(r: PeriodReport, lang: Lang): Array<{ id: string; title: string; note?: string; tables: Table[] }> {
  const tz = r.timeZone;
  const span = (from?: number, to?: number, cron?: string) => (from !== undefined && to !== undefined ? `${formatDateTime(from, tz)} – ${formatDateTime(to, tz)}` : (cron ?? ''));
  const stat = (p: Priority, f: (s: PeriodStats) => number | null, fmt: (v: number | null) => string) => versus(f(r.incidents[p].now), f(r.incidents[p].before), fmt);
  const dur = (v: number | null) => formatDuration(v, lang);
  const pc = (v: number | null) => formatPct(v, lang);
  return [
    {
      id: 'availability',
      title: t('availability', lang),
      tables: [
        { head: [t('class', lang), t('devices', lang), t('avail', lang)], rows: r.availabilityByClass.map((c) => [classLabel(c.class, lang), String(c.devices), pc(c.pct)]) },
        {
          head: [t('device', lang), t('class', lang), t('avail', lang), t('down', lang)],
          rows: r.availability
            .filter((a) => a.pct !== null && a.pct < 100)
            .slice(0, 20)
            .map((a) => [a.device, classLabel(a.class, lang), pc(a.pct), dur(a.downMinutes * 60_000)]),
        },
      ],
    },
    {
      id: 'incidents',
      title: t('incidents', lang),
      note: `${t('previous', lang)}: ${formatDateTime(r.previous.from, tz)} – ${formatDateTime(r.previous.to, tz)}`,
      tables: [
        {
          head: [t('priority', lang), t('opened', lang), t('mtta', lang), t('mttr', lang), t('respond', lang), t('plan', lang), t('resolve', lang)],
          rows: PRIORITIES.map((p) => [
            priorityLabel(p, lang),
            stat(
              p,
              (s) => s.opened,
              (v) => String(v ?? 0),
            ),
            stat(p, (s) => s.mttaMs, dur),
            stat(p, (s) => s.mttrMs, dur),
            stat(p, (s) => s.respondPct, pc),
            stat(p, (s) => s.planPct, pc),
            stat(p, (s) => s.resolvePct, pc),
          ]),
        },
      ],
    },
    {
      id: 'noisy',
      title: t('noisy', lang),
      tables: [
        { head: [t('rule', lang), t('fired', lang)], rows: r.noisyRules.map((n) => [n.ruleId, String(n.fired)]) },
        { head: [t('device', lang), t('fired', lang)], rows: r.noisyDevices.map((n) => [n.device, String(n.fired)]) },
      ],
    },
    {
      id: 'forecasts',
      title: t('forecasts', lang),
      tables: [
        {
          head: [t('device', lang), t('metric', lang), t('now', lang), t('full', lang)],
          rows: r.forecasts.map((f) => [f.device, `${f.metric}${Object.values(f.tags).length ? ` ${Object.values(f.tags).join(' ')}` : ''}`, pc(f.last), t('days', lang, { n: f.daysUntilFull })]),
        },
      ],
    },
    { id: 'maintenance', title: t('maintenance', lang), tables: [{ head: [t('window', lang), ''], rows: r.maintenance.map((m) => [m.name, span(m.start, m.end, m.cron)]) }] },
    {
      id: 'knowledge',
      title: t('knowledge', lang),
      tables: [{ head: ['#', t('rule', lang), t('cause', lang), t('fix', lang)], rows: r.knowledge.map((k) => [String(k.incidentId), k.ruleId, k.cause, k.fix]) }],
    },
    {
      id: 'inventory',
      title: t('inventory', lang),
      note: `${t('total', lang)}: ${r.inventory.devices}; ${t('added', lang)}: ${r.inventory.added.join(', ') || '–'}; ${t('silent', lang)}: ${r.inventory.silent.join(', ') || '–'}`,
      tables: [
        {
          head: [t('class', lang), t('devices', lang)],
          rows: Object.entries(r.inventory.byClass)
            .sort()
            .map(([c, n]) => [classLabel(c, lang), String(n)]),
        },
      ],
    },
  ];
}

function header(r: PeriodReport, lang: Lang): string {
  return `${t('period', lang)}: ${formatDateTime(r.from, r.timeZone)} – ${formatDateTime(r.to, r.timeZone)} (${r.timeZone}) · ${t('generated', lang)}: ${formatDateTime(r.generatedAt, r.timeZone)}`;
}

export function renderPeriodHtml(r: PeriodReport, lang: Lang): string {
  const title = periodTitle(r, lang);
  const table = (tb: Table) =>
    tb.rows.length === 0
      ? `<p>${esc(t('none', lang))}</p>`
      : `<table class="grid" width="100%" cellpadding="4" cellspacing="0" style="border-collapse:collapse"><tr>${tb.head.map((h) => `<th align="left" style="border:1px solid #d0d7de;background:#f6f8fa">${esc(h)}</th>`).join('')}</tr>${tb.rows
          .map((row) => `<tr>${row.map((c) => `<td style="border:1px solid #d0d7de">${esc(c)}</td>`).join('')}</tr>`)
          .join('')}</table>`;
  const body = sections(r, lang)
    .map((s) => `<h2 id="${s.id}">${esc(s.title)}</h2>${s.note ? `<p style="color:#57606a">${esc(s.note)}</p>` : ''}${s.tables.map(table).join('<br>')}`)
    .join('\n');
  const font = "font-family:'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei','PingFang SC',Arial,sans-serif";
  return `<!DOCTYPE html>\n<html lang="${lang}">\n<head><meta charset="utf-8"><title>${esc(title)}</title></head>\n<body style="${font};color:#1f2328;max-width:1100px;margin:16px auto">\n<h1 id="report-title">${esc(title)}</h1><p style="color:#57606a">${esc(header(r, lang))}</p>\n${body}\n</body>\n</html>\n`;
}

export function renderPeriodText(r: PeriodReport, lang: Lang): string {
  const out = [periodTitle(r, lang), header(r, lang)];
  for (const s of sections(r, lang)) {
    out.push('', `== ${s.title} ==`);
    if (s.note) out.push(s.note);
    for (const tb of s.tables) {
      if (tb.rows.length === 0) out.push(t('none', lang));
      else out.push(tb.head.join(' | '), ...tb.rows.map((row) => row.join(' | ')));
    }
  }
  return `${out.join('\n')}\n`;
}
