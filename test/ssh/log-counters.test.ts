/** The Clusterware alert log's CRS- codes and HP-UX EMS events, counted from documented layouts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countCrsCodes, countEmsEvents } from '../../agent/ssh/log-counters.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').replace(/^# (source|built from)[^\n]*\n/, '');

describe('Clusterware alert log', () => {
  it('counts each CRS- code once per line, eviction and heartbeat warnings apart', () => {
    expect(Object.fromEntries(countCrsCodes(fixture('crs/alert-19c.log')))).toEqual({
      'CRS-1612': 1,
      'CRS-1611': 1,
      'CRS-1610': 1,
      'CRS-1607': 1,
      'CRS-2765': 1,
      'CRS-6011': 1,
    });
  });

  it('counts a code repeated on one line once, and nothing in text without codes', () => {
    expect(Object.fromEntries(countCrsCodes('CRS-1607: node evicted (CRS-1607)\nCRS-1607 again\n'))).toEqual({ 'CRS-1607': 2 });
    expect(countCrsCodes('no codes here\nCRSX-1 nor this\n').size).toBe(0);
  });
});

describe('HP-UX EMS text log', () => {
  it('counts one event per notification by its severity', () => {
    expect(Object.fromEntries(countEmsEvents(fixture('hpux/ems-event.log')))).toEqual({ serious: 1, minor_warning: 1 });
  });

  it('knows every documented severity, spelled with a space or an underscore, and keeps an unknown one as other', () => {
    const text = ['CRITICAL', 'SERIOUS', 'MAJOR WARNING', 'MAJOR_WARNING', 'minor warning', 'INFORMATION', 'BOGUS'].map((s) => `Severity............: ${s}`).join('\n');
    expect(Object.fromEntries(countEmsEvents(text))).toEqual({ critical: 1, serious: 1, major_warning: 2, minor_warning: 1, information: 1, other: 1 });
  });

  it('does not count the header line that only repeats the value', () => {
    expect(countEmsEvents('Its current value is CRITICAL(5).\n').size).toBe(0);
  });
});
