/** lib/glob.ts matches like the shell, in linear-ish time on hostile patterns; lib/backoff.ts doubles with equal jitter up to its cap. */
import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../../lib/backoff.js';
import { globMatcher, isGlob } from '../../lib/glob.js';
import { escapeHtml } from '../../lib/html.js';

describe('globMatcher', () => {
  it.each([
    ['db*', 'db01', true],
    ['db*', 'xdb01', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['db?', 'db1', true],
    ['db?', 'db12', false],
    ['*.example.com', 'core1.example.com', true],
    ['*.example.com', 'example.com', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['a*b', 'abab', true],
    ['*ab*ab*', 'xxabyyabzz', true],
    ['/u0?', '/u01', true],
    ['[x]', '[x]', true],
    ['a.b', 'aXb', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s ~ %s → %s', (pattern, text, expected) => {
    expect(globMatcher(pattern)(text)).toBe(expected);
  });

  it('ignores case when asked (host names)', () => {
    expect(globMatcher('*.EXAMPLE.com', { ignoreCase: true })('Core1.example.COM')).toBe(true);
    expect(globMatcher('Core1', { ignoreCase: true })('core1')).toBe(true);
    expect(globMatcher('Core1')('core1')).toBe(false);
  });

  it('answers a pattern that makes a backtracking RegExp explode', () => {
    // As a RegExp (^a.*a.*…b$) this takes exponential time; the scan stays bounded by pattern × text.
    const pattern = `${'*a'.repeat(30)}*b`;
    expect(globMatcher(pattern)('a'.repeat(5_000))).toBe(false);
    expect(isGlob(pattern)).toBe(true);
    expect(isGlob('plain')).toBe(false);
  });
});

describe('backoff', () => {
  it('doubles from the base, with half of each delay random, up to the cap', () => {
    const policy = { baseMs: 500, maxMs: 30_000 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 0))).toEqual([250, 500, 1_000, 2_000]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 1))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(backoffDelay(20, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(1_000, policy, () => 0)).toBe(15_000);
  });

  it('counts attempts and starts over after reset', () => {
    const b = new Backoff(100, 1_000, () => 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1_000]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
  });
});
