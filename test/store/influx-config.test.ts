/**
 * collector.yaml's store section for InfluxDB: complete settings resolve with
 * their defaults, and every mistake is named with file:line:col.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INFLUX_DEFAULTS, loadCollectorConfig } from '../../collector/config.js';
import { sha256Hex } from '../../collector/ingest/auth.js';
import { rangeQueryStatement } from '../../collector/store/influx/influxql.js';
import { sampleToLine } from '../../collector/store/influx/lines.js';
import { makeMatcher } from '../../collector/store/selector.js';
import { tempDir } from '../helpers.js';

describe('store: influxdb in collector.yaml', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => {
    tmp.cleanup();
    delete process.env.RW_TEST_INFLUX_TOKEN;
  });
  const write = (lines: string[]) => {
    const file = join(tmp.dir, 'collector.yaml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const errors = (file: string) => {
    try {
      loadCollectorConfig(file);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('resolves a v2 store with the token from the environment, a 7-day local buffer and a 2 GiB outbox', () => {
    process.env.RW_TEST_INFLUX_TOKEN = 's3cret';
    const config = loadCollectorConfig(write(['store:', '  kind: influxdb', '  influxdb: { url: "http://influx:8086/", org: noc, bucket: roomwatch, token_env: RW_TEST_INFLUX_TOKEN }']));
    expect(config.store.kind).toBe('influxdb');
    expect(config.store.retentionMs).toBe(INFLUX_DEFAULTS.localRetentionMs);
    expect(config.store.influx).toEqual({
      url: 'http://influx:8086',
      api: 'v2',
      org: 'noc',
      bucket: 'roomwatch',
      token: 's3cret',
      database: 'roomwatch',
      retentionPolicy: undefined,
      username: undefined,
      password: undefined,
      timeoutMs: 10_000,
      maxBacklogBytes: 2 * 1024 ** 3,
    });
  });

  it('names every mistake with its position', () => {
    const text = errors(
      write(['store:', '  kind: influxdb', '  retention: 30d', '  influxdb:', '    url: http://influx:8086', '    api: v2', '    token_env: RW_NOT_SET_ANYWHERE', '    retention_policy: autogen']),
    );
    expect(text).toMatch(/collector\.yaml:3:\d+: store\.retention: with kind: influxdb, InfluxDB's retention policy keeps the history/);
    expect(text).toMatch(/collector\.yaml:\d+:\d+: store\.influxdb\.org: api v2 writes need the organisation/);
    expect(text).toMatch(/collector\.yaml:\d+:\d+: store\.influxdb\.bucket: api v2 writes need a bucket/);
    expect(text).toMatch(/collector\.yaml:7:\d+: store\.influxdb\.token_env: environment variable RW_NOT_SET_ANYWHERE is not set/);
    expect(text).toMatch(/collector\.yaml:8:\d+: store\.influxdb\.retention_policy: retention_policy is for api v1/);
    expect(errors(write(['store:', '  influxdb: { url: "http://x:8086", api: v1 }']))).toMatch(/store\.influxdb: an influxdb section needs kind: influxdb/);
    expect(errors(write(['store:', '  kind: influxdb']))).toMatch(/store\.kind: kind: influxdb needs an influxdb section/);
  });
});

describe('agents in collector.yaml', () => {
  it('takes a token from the environment and keeps only its hash; names a missing variable and a double source', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'collector.yaml');
      writeFileSync(file, 'agents:\n  - { name: compose-agent, token_env: RW_TEST_AGENT_TOKEN }\n');
      process.env.RW_TEST_AGENT_TOKEN = 'rw_abc';
      expect(loadCollectorConfig(file).agents).toEqual([{ name: 'compose-agent', tokenSha256: sha256Hex('rw_abc') }]);
      delete process.env.RW_TEST_AGENT_TOKEN;
      expect(() => loadCollectorConfig(file)).toThrow(/collector\.yaml:2:\d+: agents\.0\.token_env: environment variable RW_TEST_AGENT_TOKEN is not set/);
      writeFileSync(file, `agents:\n  - { name: a, token_env: X, token_sha256: "${'a'.repeat(64)}" }\n`);
      expect(() => loadCollectorConfig(file)).toThrow(/agents\.0\.token_sha256: give token_sha256 \(from roomwatch token new\) or token_env, not both/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('InfluxQL and line protocol', () => {
  it('quotes identifiers, strings and regexes so a value cannot change the statement', () => {
    const s = rangeQueryStatement({
      measurement: 'disk',
      field: 'used_pct',
      matchers: [makeMatcher('mount', '=', "/u01' OR 1=1"), makeMatcher('device', '=~', 'db/.*'), makeMatcher('site', '!=', 'dc2')],
      from: 1000,
      to: 2000,
      stepMs: 60_000,
      agg: 'avg',
    });
    expect(s).toBe(
      `SELECT mean("used_pct") FROM "disk" WHERE time >= 1000ms AND time <= 2000ms AND "mount" = '/u01\\' OR 1=1' AND "device" =~ /^(?:db\\/.*)$/ AND "site" != 'dc2' GROUP BY time(60000ms), * fill(none)`,
    );
  });

  it('writes numbers as floats and escapes tags, with registry tags under the sample tags', () => {
    expect(sampleToLine({ measurement: 'if', tags: { device: 'sw 1', ifname: 'Gi0/1,x' }, fields: { oper_up: 1, descr: 'up "ok"' }, ts: 1_700_000_000_123 }, { site: 'dc1', class: 'network' })).toBe(
      'if,class=network,device=sw\\ 1,ifname=Gi0/1\\,x,site=dc1 descr="up \\"ok\\"",oper_up=1 1700000000123',
    );
  });
});
