/**
 * Line-protocol conformance: every case of test/fixtures/line-protocol/corpus.jsonl
 * is written to roomwatch's `/write` and, when influxd is installed, to a real
 * InfluxDB 1.x, each case into its own database. What both stored must be the
 * same points (measurement, tags, fields, timestamp to the millisecond), except
 * for the cases marked with a `policy`: those must differ exactly as recorded,
 * and every policy must be a row of the README's table, so neither the corpus
 * nor the documentation can drift from what the collector does.
 *
 * Comparison rules: roomwatch's added `device` tag is left out; booleans are
 * 1/0 on both sides (roomwatch stores them so); numbers compare as doubles;
 * a timestamp within ten minutes of the wall clock was stamped by the server
 * and compares as "now".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { Sample } from '../../collector/contract/index.js';
import { packageRoot } from '../../lib/paths.js';
import { startInfluxd, type RunningInfluxd } from '../dashboards/influxd.js';
import { tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { peerAvailable } from '../peers.js';

interface Case {
  id: string;
  body: string;
  note: string;
  precision?: string;
  /** Lines roomwatch keeps. */
  accepted: number;
  /** A documented difference from InfluxDB 1.x (README "Line protocol: where roomwatch differs"). */
  policy?: string;
  /** Points InfluxDB keeps, where a policy makes it differ. */
  influx?: number;
}

const CORPUS: Case[] = readFileSync(join(packageRoot(), 'test/fixtures/line-protocol/corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Case);

/** Timestamps an hour ago, in every precision, so both servers keep them. */
const S = Math.floor(Date.now() / 1000) - 3600;
function render(body: string): string {
  return body
    .replaceAll('{TS_FUTURE}', `${S + 86_400}000000000`)
    .replaceAll('{TS_US}', `${S}000000`)
    .replaceAll('{TS_MS}', `${S}000`)
    .replaceAll('{TS_S}', `${S}`)
    .replaceAll('{TS_M}', `${Math.floor(S / 60)}`)
    .replaceAll('{TS_H}', `${Math.floor(S / 3600)}`)
    .replaceAll('{TS}', `${S}000000000`);
}

type Value = number | string;
interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, Value>;
  ts: number;
}

function canonicalValue(v: unknown): Value {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' || typeof v === 'string' ? v : String(v);
}

/** Points as sorted strings; fields of one (measurement, tags, time) merge, as both stores do. */
function canonical(points: Point[]): string[] {
  const now = Date.now();
  const merged = new Map<string, Record<string, Value>>();
  for (const p of points) {
    const tags = Object.fromEntries(
      Object.entries(p.tags)
        .filter(([, v]) => v !== '')
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    const ts = Math.abs(p.ts - now) < 600_000 ? 'now' : String(p.ts);
    const key = JSON.stringify([p.measurement, tags, ts]);
    merged.set(key, { ...(merged.get(key) ?? {}), ...p.fields });
  }
  return [...merged].map(([k, f]) => `${k} ${JSON.stringify(Object.fromEntries(Object.entries(f).sort(([a], [b]) => (a < b ? -1 : 1))))}`).sort();
}

function fromSamples(samples: readonly Sample[]): Point[] {
  return samples.map((s) => {
    const { device: _device, ...tags } = s.tags;
    return { measurement: s.measurement, tags, fields: Object.fromEntries(Object.entries(s.fields).map(([k, v]) => [k, canonicalValue(v)])), ts: s.ts };
  });
}

interface Outcome {
  status: number;
  points: string[];
  lines: number;
}

describe('line protocol corpus', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  const roomwatch = new Map<string, Outcome>();

  beforeAll(async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir), logger: false });
    let captured: Sample[] = [];
    c.ingest.onCommitted((e) => captured.push(...e.samples));
    for (const k of CORPUS) {
      captured = [];
      const res = await c.app.inject({
        method: 'POST',
        url: `/write?db=corpus&precision=${k.precision ?? 'ns'}`,
        headers: { authorization: `Token ${TOKEN}` },
        payload: render(k.body),
      });
      roomwatch.set(k.id, { status: res.statusCode, points: canonical(fromSamples(captured)), lines: captured.length });
    }
  });

  afterAll(async () => {
    await c?.app.close();
    tmp?.cleanup();
  });

  it('has at least 120 cases with unique ids', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(120);
    expect(new Set(CORPUS.map((k) => k.id)).size).toBe(CORPUS.length);
  });

  it('roomwatch keeps the lines each case expects, answering 204 only when it kept every line', () => {
    const wrong = CORPUS.flatMap((k) => {
      const o = roomwatch.get(k.id) as Outcome;
      return o.lines === k.accepted ? [] : [`${k.id} (${k.note}): kept ${o.lines} lines, expected ${k.accepted} (HTTP ${o.status})`];
    });
    expect(wrong, wrong.join('\n')).toEqual([]);
    for (const k of CORPUS) expect([204, 400], k.id).toContain(roomwatch.get(k.id)?.status);
  });

  it('differs from InfluxDB 1.x on at most 5% of the cases, each a policy in the README table', () => {
    const policies = CORPUS.filter((k) => k.policy);
    expect(policies.length / CORPUS.length).toBeLessThanOrEqual(0.05);
    const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `(lp-[a-z0-9-]+)` \|/gm)].map((m) => m[1]));
    for (const k of policies) expect(documented, `policy ${k.policy} of ${k.id} is not in the README table`).toContain(k.policy);
    expect([...documented].sort()).toEqual([...new Set(policies.map((k) => k.policy))].sort());
  });

  describe.skipIf(!peerAvailable('influxd', 'influxdb'))('against a real influxd', () => {
    let influx: RunningInfluxd;
    const influxOutcome = new Map<string, Outcome>();

    const query = async (db: string, q: string) => {
      const res = await fetch(`${influx.url}/query?db=${db}&epoch=ms`, { method: 'POST', body: new URLSearchParams({ q }) });
      return (await res.json()) as { results: Array<{ series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }> };
    };

    beforeAll(async () => {
      influx = await startInfluxd();
      for (const [i, k] of CORPUS.entries()) {
        const db = `corpus${i}`;
        await query(db, `CREATE DATABASE ${db}`);
        const res = await fetch(`${influx.url}/write?db=${db}&precision=${k.precision ?? 'ns'}`, { method: 'POST', body: render(k.body) });
        await res.arrayBuffer();
        const names = ((await query(db, 'SHOW MEASUREMENTS')).results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
        const points: Point[] = [];
        for (const m of names) {
          const ident = `"${m.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
          for (const s of (await query(db, `SELECT * FROM ${ident} GROUP BY *`)).results[0]?.series ?? []) {
            for (const row of s.values) {
              const fields: Record<string, Value> = {};
              s.columns.forEach((col, j) => {
                if (j > 0 && row[j] !== null) fields[col] = canonicalValue(row[j]);
              });
              points.push({ measurement: s.name, tags: s.tags ?? {}, fields, ts: row[0] as number });
            }
          }
        }
        influxOutcome.set(k.id, { status: res.status, points: canonical(points), lines: points.length });
      }
    }, 120_000);

    afterAll(async () => {
      await influx?.stop();
    });

    it('stores the same points as InfluxDB, with the same status, outside the documented policies', () => {
      const differ = CORPUS.filter((k) => !k.policy).flatMap((k) => {
        const ours = roomwatch.get(k.id) as Outcome;
        const theirs = influxOutcome.get(k.id) as Outcome;
        if (ours.status === theirs.status && JSON.stringify(ours.points) === JSON.stringify(theirs.points)) return [];
        return [`${k.id} (${k.note}) ${JSON.stringify(k.body).slice(0, 80)}\n  roomwatch ${ours.status} ${ours.points.join(' | ')}\n  influxd   ${theirs.status} ${theirs.points.join(' | ')}`];
      });
      const agreed = CORPUS.length - CORPUS.filter((k) => k.policy).length - differ.length;
      console.log(`line protocol corpus: ${agreed}/${CORPUS.length} cases agree with influxd (${((100 * agreed) / CORPUS.length).toFixed(1)} %)`);
      expect(differ, differ.join('\n')).toEqual([]);
    });

    it('differs from InfluxDB exactly as each policy case records', () => {
      const wrong = CORPUS.filter((k) => k.policy).flatMap((k) => {
        const ours = roomwatch.get(k.id) as Outcome;
        const theirs = influxOutcome.get(k.id) as Outcome;
        const same = ours.status === theirs.status && JSON.stringify(ours.points) === JSON.stringify(theirs.points);
        return !same && theirs.points.length === k.influx
          ? []
          : [`${k.id} (${k.policy}): influxd kept ${theirs.points.length} points, expected ${k.influx}; ${same ? 'no longer differs' : 'differs'}`];
      });
      expect(wrong, wrong.join('\n')).toEqual([]);
    });
  });
});
