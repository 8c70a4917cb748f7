/**
 * The console's live feed over a real socket: a breaching sample reaches an
 * open event stream as an `incident` event carrying the board row and its
 * clocks; an action that changes no status (a comment) is an event too; the
 * board endpoint reads the same rows; the stream ends when the server closes.
 */
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../helpers.js';
import { consoleCollector, diskSample, type ConsoleFixture } from './fixture.js';

interface Sse {
  events: Array<{ event: string; data: unknown }>;
  res: IncomingMessage;
  next(event: string, match?: (data: any) => boolean): Promise<any>;
  close(): void;
}

function openStream(base: string, headers: Record<string, string> = {}): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/v1/events`, { headers: { accept: 'text/event-stream', ...authHeaders('viewer'), ...headers } }, (res) => {
      const events: Sse['events'] = [];
      const waiters: Array<() => void> = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          waiters.splice(0).forEach((w) => w());
        }
      });
      const next: Sse['next'] = (event, match = () => true) =>
        new Promise((ok, fail) => {
          const look = () => {
            const found = events.find((e) => e.event === event && match(e.data));
            if (found) return ok(found.data);
            if (res.destroyed || res.complete) return fail(new Error(`stream ended before a ${event} event`));
            waiters.push(look);
          };
          res.on('end', look);
          look();
        });
      resolve({ events, res, next, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console events', () => {
  let f: ConsoleFixture;
  let base: string;
  beforeAll(async () => {
    f = await consoleCollector();
    base = await f.c.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => f?.close());

  it('streams a breaching sample as an incident event with its SLA clocks, and the board agrees', async () => {
    const sse = await openStream(base);
    try {
      expect(sse.res.statusCode).toBe(200);
      expect(sse.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(sse.res.headers['cache-control']).toMatch(/no-cache/);
      await sse.next('hello');
      const now = Date.now();
      expect(await f.ingest([diskSample('db-live', 97.5, now)])).toBe(200);
      const row = await sse.next('incident', (d) => d.incident.device === 'db-live');
      expect(row.incident).toMatchObject({ status: 'open', priority: 'P2', device: 'db-live', tier: 0, assignee: null });
      expect(row.sla.respond).toMatchObject({ stopped: false, breached: false });
      expect(row.sla.respond.deadline - row.incident.openedAt).toBe(row.sla.respond.targetMs);
      const alert = await sse.next('alert', (d) => d.device === 'db-live');
      expect(alert).toMatchObject({ type: 'fired', state: 'firing', priority: 'P2', ruleId: expect.stringContaining('Disk almost full') });

      const board = (await f.c.app.inject({ url: '/api/v1/board', headers: authHeaders('viewer') })).json();
      expect(board.rows.map((r: any) => r.incident.id)).toContain(row.incident.id);
      expect(board.alerts.firing).toBeGreaterThanOrEqual(1);

      // A comment changes no status and the manager reports nothing; the stream still hears of it.
      const before = sse.events.length;
      const comment = await f.c.app.inject({ method: 'POST', url: `/api/v1/incidents/${row.incident.id}/comment`, headers: authHeaders('operator'), payload: { text: 'looking', plan: true } });
      expect(comment.statusCode).toBe(200);
      const planned = await sse.next('incident', (d) => d.incident.id === row.incident.id && d.incident.plannedAt !== null);
      expect(planned.sla.plan.stopped).toBe(true);
      expect(sse.events.length).toBeGreaterThan(before);

      const ack = await f.c.app.inject({ method: 'POST', url: `/api/v1/incidents/${row.incident.id}/ack`, headers: authHeaders('operator'), payload: {} });
      expect(ack.statusCode).toBe(200);
      const acked = await sse.next('incident', (d) => d.incident.id === row.incident.id && d.incident.status === 'acknowledged');
      expect(acked.sla.respond.stopped).toBe(true);
    } finally {
      sse.close();
    }
  });

  it('needs a viewer, refuses query parameters, and under inject() answers the greeting and ends', async () => {
    expect((await f.c.app.inject({ url: '/api/v1/events?x=1', headers: authHeaders('viewer') })).statusCode).toBe(400);
    expect((await f.c.app.inject({ url: '/api/v1/events' })).statusCode).toBe(401);
    const res = await f.c.app.inject({ url: '/api/v1/events', headers: authHeaders('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^retry: 3000\n\nid: 1\nevent: hello\ndata: \{"now":\d+\}\n\n$/);
  });

  it('ends open streams when the collector closes', async () => {
    const other = await consoleCollector();
    const url = await other.c.app.listen({ host: '127.0.0.1', port: 0 });
    const sse = await openStream(url);
    await sse.next('hello');
    const ended = new Promise((ok) => sse.res.on('end', ok));
    await other.close();
    await ended;
  });
});
