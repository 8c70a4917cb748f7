import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { authed, AGENT, serverSamples, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);
const auth = { authorization: `Bearer ${TOKEN}` };

function batch(seq: number, overrides: Partial<IngestBatch> = {}): IngestBatch {
  return {
    agent: AGENT,
    seq,
    batch_id: `${AGENT}:${seq}:abcdef`,
    devices: [{ name: 'db00', class: 'server', vendor: 'HPE', model: 'ProLiant DL380 Gen10', site: 'dc1', room: 'A' }],
    samples: serverSamples(NOW - 1000, 1),
    ...overrides,
  };
}

describe('collector ingest', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;

  beforeEach(async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir, { maxBodyBytes: 256 * 1024, maxSamples: 500 }), now: () => NOW, logger: false });
  });
  afterEach(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    c.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { 'content-type': 'application/json', ...auth, ...headers }, payload: body as string });

  it('applies a batch, answers after commit, and registers the device', async () => {
    const res = await post(batch(1));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, batch_id: `${AGENT}:1:abcdef`, duplicate: false, accepted: 4, server_time: NOW });
    const devices = (await authed(c.app, { url: '/api/v1/devices' })).json().devices;
    expect(devices).toMatchObject([{ name: 'db00', class: 'server', vendor: 'HPE', site: 'dc1', agent: AGENT, first_seen: NOW, last_seen: NOW }]);
    const q = await authed(c.app, { url: `/api/v1/query?metric=disk.used_pct{mount="/u01"}&device=db00&from=-15m&step=1m&agg=avg` });
    expect(q.statusCode).toBe(200);
    const body = q.json();
    expect(body.series).toHaveLength(1);
    expect(body.series[0].tags).toEqual({ device: 'db00', mount: '/u01' });
    expect(body.series[0].points).toEqual([[NOW - 60_000, 91.2]]);
  });

  it('acknowledges a replayed batch_id without applying it twice', async () => {
    expect((await post(batch(1))).json().duplicate).toBe(false);
    const again = await post(batch(1, { samples: serverSamples(NOW - 500, 1) }));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, accepted: 0 });
    const q = (await authed(c.app, { url: '/api/v1/query?metric=cpu.usage_pct&from=-1m&step=raw' })).json();
    expect(q.series[0].points).toHaveLength(1);
    const metrics = (await authed(c.app, { url: '/metrics' })).body;
    expect(metrics).toMatch(/roomwatch_ingest_batches_total\{endpoint="ingest",result="duplicate"\} 1/);
    expect(metrics).toMatch(/roomwatch_ingest_samples_total\{endpoint="ingest"\} 4/);
  });

  it('accepts gzip bodies', async () => {
    const res = await post(gzipSync(JSON.stringify(batch(2))), { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(4);
  });

  const bad: Array<[string, () => Parameters<typeof post>, number, RegExp]> = [
    ['malformed JSON', () => ['{"agent": "x", ', {}], 400, /JSON/i],
    ['a wrong type', () => [{ ...batch(3), seq: 'three' }, {}], 400, /body\/seq must be integer/],
    [
      'a wrong field value type',
      () => [{ ...batch(3), samples: [{ measurement: 'cpu', tags: { device: 'd' }, fields: { usage_pct: [1] }, ts: NOW }] }, {}],
      400,
      /body\/samples\/0\/fields\/usage_pct must be a number, boolean or string/,
    ],
    ['an unknown field', () => [{ ...batch(3), colour: 'red' }, {}], 400, /unknown field 'colour'/],
    [
      'a sample without device',
      () => [{ ...batch(3), samples: [{ measurement: 'cpu', tags: { host: 'd' }, fields: { usage_pct: 1 }, ts: NOW }] }, {}],
      400,
      /body\/samples\/0\/tags is missing required field 'device'/,
    ],
    ['a timestamp in the future', () => [batch(3, { samples: serverSamples(NOW + 7_200_000) }), {}], 400, /body\/samples\/0\/ts: timestamp .* more than 1h ahead/],
    ['a missing token', () => [batch(3), { authorization: '' }], 401, /missing bearer token/],
    ['a wrong token', () => [batch(3), { authorization: 'Bearer nope' }], 401, /not valid/],
    ['another agent name', () => [batch(3, { agent: 'someone-else' }), {}], 403, /does not match the token's agent/],
    ['too many samples', () => [batch(3, { samples: serverSamples(NOW, 200) }), {}], 413, /800 samples; the limit is 500/],
    ['an oversize body', () => [JSON.stringify({ ...batch(3), pad: 'x'.repeat(300 * 1024) }), {}], 413, /.+/],
    ['a gzip bomb', () => [gzipSync(Buffer.alloc(50 * 1024 * 1024, 32)), { 'content-encoding': 'gzip' }], 413, /.+/],
    ['broken gzip', () => [Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }], 400, /gzip/],
    ['an unknown encoding', () => [JSON.stringify(batch(3)), { 'content-encoding': 'br' }], 415, /content-encoding 'br'/],
    ['an unknown content type', () => [JSON.stringify(batch(3)), { 'content-type': 'application/xml' }], 415, /.+/],
  ];

  for (const [what, args, status, message] of bad) {
    it(`answers ${status} to ${what} and keeps serving`, async () => {
      const res = await post(...args());
      expect(res.statusCode).toBe(status);
      expect(res.json().message).toMatch(message);
      expect(res.json().code).toBeTypeOf('string');
      const ok = await post(batch(99));
      expect(ok.statusCode).toBe(200);
    });
  }

  it('accepts InfluxDB line protocol with precision, mapping host to device', async () => {
    const body = ['cpu,host=web01 usage_pct=42.5,iowait_pct=1 1795420800', 'disk,device=web01,mount=/var used_pct=71i 1795420800'].join('\n');
    const res = await c.app.inject({
      method: 'POST',
      url: '/api/v2/write?org=noc&bucket=room&precision=s',
      headers: { 'content-type': 'text/plain; charset=utf-8', authorization: `Token ${TOKEN}` },
      payload: body,
    });
    expect(res.statusCode).toBe(204);
    const series = (await authed(c.app, { url: '/api/v1/series?device=web01' })).json().series;
    expect(series.map((s: { metric: string }) => s.metric).sort()).toEqual(['cpu.iowait_pct', 'cpu.usage_pct', 'disk.used_pct']);
    const q = (await authed(c.app, { url: `/api/v1/query?metric=cpu.usage_pct&device=web01&from=${1795420800000 - 1}&to=${1795420800000}&step=raw` })).json();
    expect(q.series[0].points).toEqual([[1795420800000, 42.5]]);
  });

  it('keeps good lines and reports bad ones (partial write)', async () => {
    const res = await c.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${TOKEN}` },
      payload: `cpu,device=a usage_pct=1 ${NOW}\ncpu,device=b usage_pct=oops ${NOW}\n`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/partial write: 1 points written, 1 rejected: line 2: .*usage_pct/);
    const q = (await authed(c.app, { url: '/api/v1/query?metric=cpu.usage_pct&step=raw&from=-1m' })).json();
    expect(q.series.map((s: { device: string }) => s.device)).toEqual(['a']);
  });

  const write = (url: string, payload: string, headers: Record<string, string> = {}) => c.app.inject({ method: 'POST', url, headers, payload });

  it('serves InfluxDB 1.x /write with every v1 way of presenting the token, and any or no Content-Type', async () => {
    const line = (n: number) => `cpu,host=h${n} usage_pct=${n} ${(NOW - 1000) / 1000}`;
    const basic = `Basic ${Buffer.from(`telegraf:${TOKEN}`).toString('base64')}`;
    const tries: Array<[string, Record<string, string>]> = [
      [`/write?db=telegraf&rp=autogen&precision=s&u=telegraf&p=${TOKEN}`, {}],
      ['/write?db=telegraf&precision=s', { authorization: basic }],
      ['/write?db=telegraf&precision=s', { authorization: `Token ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }],
      ['/write?precision=s', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' }],
      ['/api/v2/write?precision=s', { authorization: `Token ${TOKEN}` }],
    ];
    for (const [i, [url, headers]] of tries.entries()) {
      const res = await write(url, line(i), headers);
      expect(res.statusCode, `${url} ${JSON.stringify(headers)}: ${res.body}`).toBe(204);
    }
    const series = (await authed(c.app, { url: '/api/v1/series?measurement=cpu' })).json().series;
    expect(series.map((s: { device: string }) => s.device).sort()).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
    // ?p= and Basic are InfluxDB v1 conventions: the agent API does not take a token from the URL.
    expect((await write(`/api/v2/write?p=${TOKEN}`, line(9))).statusCode).toBe(401);
    const wrong = await write('/write?u=x&p=nope', line(9));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toMatch(/not valid/);
  });

  it('keeps good lines around out-of-window ones and answers InfluxDB-shaped 400s', async () => {
    const body = [`cpu,host=a usage_pct=1 ${NOW}`, `cpu,host=b usage_pct=2 ${NOW + 86_400_000}`, `cpu,host=c usage_pct=3 1`, `cpu,host=d usage_pct=4 ${NOW}`].join('\n');
    const res = await write('/write?precision=ms', body, { authorization: `Token ${TOKEN}` });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error).toMatch(/^partial write: 2 points written, 2 rejected: line 2: timestamp .* more than 1h ahead .*; line 3: timestamp 1970-01-01T00:00:00.001Z is before 2000/);
    const q = (await authed(c.app, { url: '/api/v1/query?metric=cpu.usage_pct&step=raw&from=-1m' })).json();
    expect(q.series.map((s: { device: string }) => s.device)).toEqual(['a', 'd']);
    const none = await write('/write', 'bad line', { authorization: `Token ${TOKEN}` });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toBe('unable to parse: 0 points written, 1 rejected: line 1: field "line": missing "="');
    expect((await write('/write', '', { authorization: `Token ${TOKEN}` })).statusCode).toBe(204);
  });

  it('gives line-protocol devices their class from a class tag, never over agent metadata', async () => {
    await post(batch(1));
    const body = [`ups,host=ups07,class=ups,site=dc2 on_battery=0i ${NOW}`, `cpu,host=db00,class=ups usage_pct=1 ${NOW}`, `x,host=odd,class=toaster v=1 ${NOW}`].join('\n');
    expect((await write('/write?precision=ms', body, { authorization: `Token ${TOKEN}` })).statusCode).toBe(204);
    const devices = (await authed(c.app, { url: '/api/v1/devices' })).json().devices as Array<{ name: string; class: string | null; site: string | null }>;
    const byName = Object.fromEntries(devices.map((d) => [d.name, d]));
    expect(byName.ups07).toMatchObject({ class: 'ups', site: 'dc2' });
    expect(byName.db00).toMatchObject({ class: 'server', site: 'dc1' });
    expect(byName.odd).toMatchObject({ class: null });
  });

  it('lists dotted and non-ASCII names as selectors that /api/v1/query reads back', async () => {
    const body = [`k8s.pod,host=n1,app.kubernetes.io/name=web cpu.usage=0.5 ${NOW}`, `温度,host=n1 室温=21.5 ${NOW}`, `cpu,host=n1 usage_pct=3 ${NOW}`].join('\n');
    expect((await write('/write?precision=ms', body, { authorization: `Token ${TOKEN}` })).statusCode).toBe(204);
    const series = (await authed(c.app, { url: '/api/v1/series?device=n1' })).json().series as Array<{ metric: string }>;
    expect(series.map((s) => s.metric).sort()).toEqual(['"k8s.pod"."cpu.usage"', '"温度"."室温"', 'cpu.usage_pct']);
    for (const { metric } of series) {
      const res = await authed(c.app, { url: `/api/v1/query?metric=${encodeURIComponent(metric)}&from=-1m&step=raw` });
      expect(res.statusCode, `${metric}: ${res.body}`).toBe(200);
      expect(res.json().metric).toBe(metric);
      expect(res.json().series).toHaveLength(1);
    }
    const label = await authed(c.app, { url: `/api/v1/query?metric=${encodeURIComponent('"k8s.pod"."cpu.usage"{"app.kubernetes.io/name"="web"}')}&from=-1m&step=raw` });
    expect(label.json().series[0].points).toEqual([[NOW, 0.5]]);
    const unquoted = await authed(c.app, { url: `/api/v1/query?metric=${encodeURIComponent('k8s.pod.cpu')}` });
    expect(unquoted.statusCode).toBe(400);
    expect(unquoted.json().message).toMatch(/quote names that contain dots, e.g. "k8s.pod".cpu/);
  });

  it('gives line-protocol devices the inventory class first, over a class tag', async () => {
    const inventory = join(tmp.dir, 'inventory.yaml');
    writeFileSync(inventory, 'devices:\n  crac03: { class: precision_ac, site: dc3 }\n');
    const config = testCollectorConfig(tmp.dir, {});
    config.rules.inventory = inventory;
    config.dataDir = join(tmp.dir, 'inv');
    const withInventory = await buildApp({ config, now: () => NOW, logger: false });
    try {
      const res = await withInventory.app.inject({
        method: 'POST',
        url: '/write?precision=ms',
        headers: { authorization: `Token ${TOKEN}` },
        payload: `ac,host=crac03,class=ups return_temp_c=24 ${NOW}`,
      });
      expect(res.statusCode).toBe(204);
      const devices = (await authed(withInventory.app, { url: '/api/v1/devices' })).json().devices;
      expect(devices).toMatchObject([{ name: 'crac03', class: 'precision_ac' }]);
    } finally {
      await withInventory.app.close();
    }
  });

  it('refuses line protocol without a valid token or with a bad precision', async () => {
    const noToken = await c.app.inject({ method: 'POST', url: '/api/v2/write', headers: { 'content-type': 'text/plain' }, payload: 'cpu,device=a x=1' });
    expect(noToken.statusCode).toBe(401);
    const badPrecision = await c.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=fortnights',
      headers: { 'content-type': 'text/plain', authorization: `Token ${TOKEN}` },
      payload: 'cpu,device=a x=1',
    });
    expect(badPrecision.statusCode).toBe(400);
    expect(badPrecision.json().message).toMatch(/precision 'fortnights'/);
  });

  it('explains bad query parameters', async () => {
    const cases: Array<[string, RegExp]> = [
      ['metric=cpu', /needs a field/],
      ['metric=cpu.usage_pct&from=yesterday', /from: 'yesterday' is not a time/],
      ['metric=cpu.usage_pct&agg=median', /agg: 'median' is not one of/],
      ['metric=cpu.usage_pct&from=-30d&step=1s', /more than 11000 points/],
      ['metric=cpu.usage_pct{mount=~"("}', /invalid regular expression/],
    ];
    for (const [qs, message] of cases) {
      const res = await authed(c.app, { url: `/api/v1/query?${qs}` });
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().message).toMatch(message);
    }
  });

  it('reports health and Prometheus metrics', async () => {
    const health = await authed(c.app, { url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', store: { ok: true, kind: 'sqlite' } });
    await post(batch(1));
    const metrics = await authed(c.app, { url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/roomwatch_ingest_batch_duration_seconds_bucket/);
    expect(metrics.body).toMatch(/roomwatch_process_resident_memory_bytes/);
  });
});
