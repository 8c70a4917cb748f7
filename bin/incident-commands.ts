/**
 * `roomwatch incident list|show|ack|close`: the incident API for people who
 * live in a terminal. It talks to a running collector over HTTP (`--url`,
 * `--token`, or ROOMWATCH_URL / ROOMWATCH_TOKEN), so it works from any
 * machine that can reach the console; who acted is the token's owner.
 */
import { EXIT_FAILED, EXIT_OK, UsageError } from './cli-support.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ConnectionOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** A failure the operator can act on; printed as one line, exit 1. */
export class ApiError extends Error {}

interface IncidentRow {
  id: number;
  status: string;
  priority: string;
  title: string;
  device: string;
  openedAt: number;
  acknowledgedBy: string | null;
  assignee: string | null;
  tier: number;
  cause: string | null;
  fix: string | null;
}

function connection(o: ConnectionOptions, env: NodeJS.ProcessEnv): { base: URL; token?: string } {
  const text = o.url ?? env.ROOMWATCH_URL ?? DEFAULT_URL;
  let base: URL;
  try {
    base = new URL(text.endsWith('/') ? text : `${text}/`);
  } catch {
    throw new UsageError(`--url: '${text}' is not a URL (e.g. https://noc.example/ or ${DEFAULT_URL})`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`--url: '${text}' must be http:// or https://`);
  return { base, token: o.token ?? env.ROOMWATCH_TOKEN };
}

/** One API call; every failure becomes a sentence that says what to do. */
export async function call(o: ConnectionOptions, method: 'GET' | 'POST', path: string, body?: object, env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const { base, token } = connection(o, env);
  const url = new URL(path.replace(/^\//, ''), base);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const code = e.cause?.code ?? e.name;
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused: is the collector running there?'
        : code === 'TimeoutError'
          ? 'no answer within 15 s'
          : `${code}: ${e.cause ? String((e.cause as Error).message ?? '') : e.message}`;
    throw new ApiError(`cannot reach the collector at ${base.href} (${why}); set --url or ROOMWATCH_URL`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (res.ok) return data;
  const message = (data as { message?: string } | undefined)?.message ?? (text.slice(0, 200) || res.statusText);
  if (res.status === 401) throw new ApiError(`not signed in (401): ${message}; pass --token or set ROOMWATCH_TOKEN to a personal API token (roomwatch user token …)`);
  if (res.status === 403) throw new ApiError(`not allowed (403): ${message}`);
  if (res.status === 404) throw new ApiError(`not found (404): ${message}`);
  throw new ApiError(`the collector answered ${res.status}: ${message}`);
}

/** "3m", "2h05m", "4d03h": how long ago, at a glance. */
export function age(ms: number): string {
  const m = Math.max(0, Math.floor(ms / 60_000));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Left-aligned columns; the last one is cut to the terminal's width. */
export function table(header: string[], rows: string[][], width = process.stdout.columns || 120): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const lines = all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + ([...cell].length - cell.length))))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.map((l) => ([...l].length > width ? `${[...l].slice(0, width - 1).join('')}…` : l)).join('\n')}\n`;
}

function out(o: ConnectionOptions, data: unknown, human: () => string): number {
  process.stdout.write(o.json ? `${JSON.stringify(data, null, 2)}\n` : human());
  return EXIT_OK;
}

async function guarded(work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    process.stderr.write(`roomwatch: ${err.message}\n`);
    return EXIT_FAILED;
  }
}

function incidentId(text: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new UsageError(`'${text}' is not an incident id (a whole number, e.g. 42)`);
  return Number(text);
}

export interface ListOptions extends ConnectionOptions {
  status?: string;
  priority?: string;
  device?: string;
  limit?: number;
  all?: boolean;
}

export function runIncidentList(o: ListOptions, now = Date.now()): Promise<number> {
  return guarded(async () => {
    const q = new URLSearchParams();
    // By default what needs attention: open and acknowledged.
    if (!o.all) q.set('status', o.status ?? 'open,acknowledged');
    if (o.priority) q.set('priority', o.priority);
    if (o.device) q.set('device', o.device);
    q.set('limit', String(o.limit ?? 100));
    const data = (await call(o, 'GET', `api/v1/incidents?${q}`)) as { incidents: IncidentRow[] };
    return out(o, data, () =>
      data.incidents.length === 0
        ? 'no incidents\n'
        : table(
            ['ID', 'PRI', 'STATUS', 'AGE', 'TIER', 'DEVICE', 'ASSIGNEE', 'TITLE'],
            data.incidents.map((i) => [String(i.id), i.priority, i.status, age(now - i.openedAt), `L${i.tier + 1}`, i.device, i.assignee ?? '-', i.title]),
          ),
    );
  });
}

const when = (ms: number | null | undefined) =>
  ms
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '-';

export function runIncidentShow(id: string, o: ConnectionOptions, now = Date.now()): Promise<number> {
  return guarded(async () => {
    const data = (await call(o, 'GET', `api/v1/incidents/${incidentId(id)}`)) as {
      incident: IncidentRow & { acknowledgedAt: number | null; resolvedAt: number | null; closedAt: number | null };
      sla: Record<string, { deadline?: number; breached?: boolean; fraction?: number }>;
      alerts: Array<{ identity: string; active: boolean; role: string }>;
      timeline: Array<{ at: number; type: string; actor: string | null; detail: Record<string, unknown> }>;
      known_fixes: Array<{ incidentId: number; cause: string; fix: string }>;
    };
    return out(o, data, () => {
      const i = data.incident;
      const lines = [
        `#${i.id} [${i.priority}] ${i.title}`,
        `  status    ${i.status}${i.acknowledgedBy ? ` (acknowledged by ${i.acknowledgedBy} ${when(i.acknowledgedAt)})` : ''}`,
        `  device    ${i.device}`,
        `  opened    ${when(i.openedAt)} (${age(now - i.openedAt)} ago), tier L${i.tier + 1}, assignee ${i.assignee ?? '-'}`,
        ...Object.entries(data.sla ?? {}).map(([clock, s]) => `  sla ${clock.padEnd(7)} ${s.breached ? 'BREACHED' : `due ${when(s.deadline)}`}`),
        ...(i.cause ? [`  cause     ${i.cause}`, `  fix       ${i.fix ?? ''}`] : []),
        '',
        'Alerts:',
        ...data.alerts.map((a) => `  ${a.active ? 'firing ' : 'cleared'} ${a.identity} (${a.role})`),
        '',
        'Timeline:',
        ...data.timeline.map((t) => `  ${when(t.at)}  ${t.type}${t.actor ? ` by ${t.actor}` : ''}${summaryOf(t.detail)}`),
        ...(data.known_fixes.length ? ['', 'Known fixes:', ...data.known_fixes.map((f) => `  #${f.incidentId}: ${f.cause} → ${f.fix}`)] : []),
      ];
      return `${lines.join('\n')}\n`;
    });
  });
}

function summaryOf(d: Record<string, unknown>): string {
  const keys = ['text', 'to', 'channel', 'cause', 'fix', 'note', 'reason', 'error'].filter((k) => typeof d[k] === 'string' || typeof d[k] === 'number');
  return keys.length ? `: ${keys.map((k) => `${k}=${String(d[k])}`).join(' ')}` : '';
}

export function runIncidentAck(id: string, o: ConnectionOptions): Promise<number> {
  return guarded(async () => {
    const data = (await call(o, 'POST', `api/v1/incidents/${incidentId(id)}/ack`, {})) as IncidentRow;
    return out(o, data, () => `#${data.id} acknowledged by ${data.acknowledgedBy ?? '?'}\n`);
  });
}

export interface CloseOptions extends ConnectionOptions {
  cause: string;
  fix: string;
  force?: boolean;
  reason?: string;
}

export function runIncidentClose(id: string, o: CloseOptions): Promise<number> {
  return guarded(async () => {
    if (o.force && !o.reason?.trim()) throw new UsageError('--force needs --reason: why close while alerts still fire');
    const body = { cause: o.cause, fix: o.fix, ...(o.force ? { force: true, reason: o.reason } : {}) };
    const data = (await call(o, 'POST', `api/v1/incidents/${incidentId(id)}/close`, body)) as IncidentRow;
    return out(o, data, () => `#${data.id} closed; cause and fix are in the knowledge base\n`);
  });
}
