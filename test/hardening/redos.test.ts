/**
 * Defect 1 of the hardening campaign: `device=~"(.*){13}#"` ran 11 s on the
 * event loop against one 16-character device name. Regexes now run on RE2, so
 * the reproduction answers (correctly: nothing matches) within the test's
 * default time-out, and what RE2 cannot run is refused with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { compileSafeRegex, globToSafeRegex, MAX_PATTERN_LENGTH, safeRegexProblem, UnsafeRegexError } from '../../lib/safe-regex.js';
import { parseSelector } from '../../collector/store/selector.js';
import { authed, AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);
// 16 characters took 2.7 s on the backtracking engine here, and each one more about doubles it.
const DEVICE = 'abcdefghijklmnopqrstu';

describe('regexes from users run on RE2', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;

  beforeAll(async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir), now: () => NOW, logger: false });
    const res = await c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      payload: { agent: AGENT, seq: 1, batch_id: 'redos-batch-1', samples: [{ measurement: 'cpu', tags: { device: DEVICE }, fields: { usage_pct: 5 }, ts: NOW - 1000 }] },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const query = (metric: string) => authed(c.app, { url: `/api/v1/query?${new URLSearchParams({ metric, from: '-5m', step: 'raw' })}` });

  it('answers the ReDoS reproduction, and correctly', async () => {
    const none = await query('cpu.usage_pct{device=~"(.*){13}#"}');
    expect(none.statusCode).toBe(200);
    expect(none.json().series).toEqual([]);
    const some = await query('cpu.usage_pct{device=~"(.*){13}u"}');
    expect(some.json().series.map((s: { tags: { device: string } }) => s.tags.device)).toEqual([DEVICE]);
  });

  it('refuses back-references and look-around with the reason', async () => {
    for (const pattern of ['(a)\\1', 'db(?=0)']) {
      const res = await query(`cpu.usage_pct{device=~"${pattern}"}`);
      expect(res.statusCode, pattern).toBe(400);
      expect(res.json().message).toMatch(/RE2/);
    }
  });

  it('refuses a pattern over the length limit', async () => {
    const res = await query(`cpu.usage_pct{device=~"${'a'.repeat(MAX_PATTERN_LENGTH + 1)}"}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/limit is 1000/);
  });
});

describe('safe-regex', () => {
  it('keeps anchored and unanchored semantics apart', () => {
    expect(compileSafeRegex('db.*', { anchored: true }).test('xdb1')).toBe(false);
    expect(compileSafeRegex('db.*').test('xdb1')).toBe(true);
    expect(compileSafeRegex('cisco', { ignoreCase: true }).test('Cisco IOS')).toBe(true);
    expect(globToSafeRegex('db-*.dc?').test('db-01.dc1')).toBe(true);
    expect(globToSafeRegex('db-*.dc?').test('db-01xdc1')).toBe(false);
    expect(globToSafeRegex('a(b)[c]').test('a(b)[c]')).toBe(true);
  });

  it('names the reason in the error', () => {
    expect(() => compileSafeRegex('(')).toThrow(UnsafeRegexError);
    expect(safeRegexProblem('(a)\\1')).toMatch(/back-references/);
    expect(safeRegexProblem('ok|fine')).toBeUndefined();
  });

  it('makes the selector parser refuse what RE2 refuses, with an offset', () => {
    expect(() => parseSelector('cpu.usage_pct{device=~"(?<=x)y"}')).toThrow(/device: .*RE2/);
  });
});
