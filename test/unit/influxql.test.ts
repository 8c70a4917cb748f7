/**
 * The InfluxQL subset: parser errors worded like influxd's, and the engine's
 * semantics on a small in-memory source (the seam the SQLite source fills).
 * test/dashboards/embedded-query.test.ts compares it with a real influxd.
 */
import { describe, expect, it } from 'vitest';
import type { InfluxSource, SourceSeries } from '../../collector/influxql/execute.js';
import { parseQuery } from '../../collector/influxql/parser.js';
import { runQuery } from '../../collector/influxql/run.js';
import type { Value } from '../../collector/influxql/where.js';

const M = 60_000;
const T0 = 1_796_000_000_000 - (1_796_000_000_000 % (5 * M));

/** ups on two devices, a reading a minute for ten minutes; dev b has no `line` tag. */
function fakeSource(): InfluxSource {
  const data: Array<SourceSeries & { points: Array<[number, Value]> }> = [];
  for (const [device, site, base] of [
    ['a', 'n', 10],
    ['b', 's', 20],
  ] as const) {
    const tags: Record<string, string> = device === 'a' ? { device, site, line: '1' } : { device, site };
    data.push({ measurement: 'ups', field: 'load', tags, points: Array.from({ length: 10 }, (_, i) => [T0 + i * M, base + i] as [number, Value]) });
    data.push({
      measurement: 'ups',
      field: 'state',
      tags,
      points: [
        [T0, 'online'],
        [T0 + 9 * M, device === 'a' ? 'battery' : 'online'],
      ],
    });
  }
  return {
    async series(m) {
      return data.filter((s) => m === undefined || s.measurement === m);
    },
    async points(m, f, from, to, keep) {
      return data.filter((s) => s.measurement === m && s.field === f && keep(s.tags)).map((s) => ({ tags: s.tags, points: s.points.filter(([t]) => t >= from && t <= to) }));
    },
  };
}

const run = (q: string) => runQuery(q, fakeSource(), { now: T0 + 20 * M, epoch: 'ms' });
const range = `time >= ${T0}ms AND time <= ${T0 + 9 * M}ms`;

describe('InfluxQL parser', () => {
  it("parses the dashboards' shapes", () => {
    const [s] = parseQuery(
      `SELECT count("up") - sum("up") AS "down" FROM (SELECT last("up") AS "up" FROM "device" WHERE "site" =~ /^(dc\\-north)$/ and $x GROUP BY "device") GROUP BY "class"`.replace(' and $x', ''),
    );
    expect(s).toMatchObject({ kind: 'select', fields: [{ alias: 'down', expr: { kind: 'binary', op: '-' } }], groupBy: { tags: ['class'] }, from: { subquery: { kind: 'select' } } });
    expect(parseQuery('SHOW TAG VALUES FROM "device" WITH KEY = "site"; show measurements limit 5')).toMatchObject([
      { kind: 'show-tag-values', from: ['device'], keys: { op: '=', values: ['site'] } },
      { kind: 'show-measurements', limit: 5 },
    ]);
    expect(parseQuery('SELECT mean(x) FROM "roomwatch"."autogen"."cpu" WHERE time > now() - 1h GROUP BY time(5m, -1m) fill(-1)')[0]).toMatchObject({
      from: { measurement: 'cpu' },
      groupBy: { intervalMs: 300_000, offsetMs: -60_000 },
      fill: { kind: 'value', value: -1 },
    });
  });

  it('reports errors with the position, as influxd does', async () => {
    expect(await run('SELECT FROM x')).toEqual({ error: 'error parsing query: found FROM, expected identifier, string, number, bool at line 1, char 8' });
    expect(await run('SELECT x FROM')).toEqual({ error: 'error parsing query: found EOF, expected measurement at line 1, char 14' });
    expect(await run('SELECT x FROM m WHERE a =~ /(/')).toMatchObject({ error: expect.stringMatching(/^error parsing query: invalid regex \/\(\/:/) });
    expect(await run("SELECT x FROM m WHERE s = 'open")).toEqual({ error: 'error parsing query: unterminated string at line 1, char 27' });
    expect(await run('DROP DATABASE x')).toEqual({ error: 'error parsing query: found DROP, expected SELECT, SHOW, CREATE at line 1, char 1' });
    expect(await run('SELECT x FROM m fill(sometimes)')).toEqual({ error: 'error parsing query: fill(sometimes) is not one of null, none, previous, linear or a number' });
  });
});

describe('InfluxQL engine', () => {
  it('answers statement errors per statement, beside good ones', async () => {
    const r = await run(`SELECT mean("load") FROM "ups" GROUP BY time(5m); SELECT last("load") FROM "ups" WHERE "device" = 'b' AND ${range}`);
    expect(r.results?.[0]).toEqual({ statement_id: 0, error: 'aggregate functions with GROUP BY time require a WHERE time clause with a lower bound' });
    expect(r.results?.[1]).toEqual({ statement_id: 1, series: [{ name: 'ups', columns: ['time', 'last'], values: [[T0 + 9 * M, 29]] }] });
  });

  it('buckets by time with each fill', async () => {
    const q = (fill: string) => run(`SELECT mean("load") FROM "ups" WHERE "device" = 'a' AND time >= ${T0}ms AND time <= ${T0 + 14 * M}ms GROUP BY time(5m) fill(${fill})`);
    const values = async (fill: string) => (await q(fill)).results?.[0]?.series?.[0]?.values;
    expect(await values('null')).toEqual([
      [T0, 12],
      [T0 + 5 * M, 17],
      [T0 + 10 * M, null],
    ]);
    expect(await values('none')).toEqual([
      [T0, 12],
      [T0 + 5 * M, 17],
    ]);
    expect(await values('0')).toEqual([
      [T0, 12],
      [T0 + 5 * M, 17],
      [T0 + 10 * M, 0],
    ]);
    expect(await values('previous')).toEqual([
      [T0, 12],
      [T0 + 5 * M, 17],
      [T0 + 10 * M, 17],
    ]);
  });

  it('groups by tags, a missing tag reading as ""', async () => {
    const r = await run(`SELECT max("load") FROM "ups" WHERE ${range} GROUP BY "line"`);
    expect(r.results?.[0]?.series).toEqual([
      { name: 'ups', tags: { line: '' }, columns: ['time', 'max'], values: [[T0 + 9 * M, 29]] },
      { name: 'ups', tags: { line: '1' }, columns: ['time', 'max'], values: [[T0 + 9 * M, 19]] },
    ]);
  });

  it('filters rows on field values and selects tags as columns (raw)', async () => {
    const r = await run(`SELECT "state", "device" FROM "ups" WHERE "state" = 'battery' AND ${range}`);
    expect(r.results?.[0]?.series).toEqual([{ name: 'ups', columns: ['time', 'state', 'device'], values: [[T0 + 9 * M, 'battery', 'a']] }]);
    const desc = await run(`SELECT "load" FROM "ups" WHERE "device" = 'b' AND ${range} ORDER BY time DESC LIMIT 2`);
    expect(desc.results?.[0]?.series?.[0]?.values).toEqual([
      [T0 + 9 * M, 29],
      [T0 + 8 * M, 28],
    ]);
  });

  it('runs subqueries, arithmetic between aggregates, and TOP', async () => {
    const down = await run(`SELECT count("l") - sum("l") AS "d" FROM (SELECT last("load") AS "l" FROM "ups" WHERE ${range} GROUP BY "device")`);
    expect(down.results?.[0]?.series).toEqual([{ name: 'ups', columns: ['time', 'd'], values: [[0, 2 - 48]] }]);
    const top = await run(`SELECT TOP("l", "device", 1) AS "l" FROM (SELECT max("load") AS "l" FROM "ups" WHERE ${range} GROUP BY "device")`);
    expect(top.results?.[0]?.series).toEqual([{ name: 'ups', columns: ['time', 'l', 'device'], values: [[T0 + 9 * M, 29, 'b']] }]);
    const distinct = await run(`SELECT count(distinct("state")) FROM "ups" WHERE ${range}`);
    expect(distinct.results?.[0]?.series?.[0]?.values).toEqual([[T0, 2]]);
  });

  it('answers SHOW statements from the series index', async () => {
    const r = await run(`SHOW TAG VALUES FROM "ups" WITH KEY = "device" WHERE "site" =~ /^s$/; SHOW FIELD KEYS; SHOW TAG KEYS FROM "ups"; SHOW MEASUREMENTS`);
    expect(r.results?.map((x) => x.series)).toEqual([
      [{ name: 'ups', columns: ['key', 'value'], values: [['device', 'b']] }],
      [
        {
          name: 'ups',
          columns: ['fieldKey', 'fieldType'],
          values: [
            ['load', 'float'],
            ['state', 'float'],
          ],
        },
      ],
      [{ name: 'ups', columns: ['tagKey'], values: [['device'], ['line'], ['site']] }],
      [{ name: 'measurements', columns: ['name'], values: [['ups']] }],
    ]);
  });

  it('writes times as RFC3339 without epoch, trimming the fraction as influxd does', async () => {
    const r = await runQuery(`SELECT last("load") FROM "ups" WHERE ${range}`, fakeSource(), { now: T0 });
    expect(r.results?.[0]?.series?.[0]?.values[0]?.[0]).toBe(new Date(T0 + 9 * M).toISOString().replace('.000Z', 'Z'));
  });
});
