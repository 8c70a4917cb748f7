import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { DeviceMeta, IngestBatch, Sample } from '../../collector/contract/index.js';

const good = { measurement: 'disk', tags: { device: 'db01', mount: '/u01' }, fields: { used_pct: 91.2, free_bytes: 5.2e9, ok: true, state: 'rw' }, ts: 1795432347870 };

describe('wire contract', () => {
  it('accepts the sample of docs/architecture.md §2', () => {
    expect(Value.Check(Sample, good)).toBe(true);
  });

  const bad: Array<[string, unknown]> = [
    ['no device tag', { ...good, tags: { mount: '/u01' } }],
    ['a numeric tag value', { ...good, tags: { device: 'db01', slot: 3 } }],
    ['no fields', { ...good, fields: {} }],
    ['an array field', { ...good, fields: { x: [1] } }],
    ['a field name with a space', { ...good, fields: { 'used pct': 1 } }],
    ['a measurement starting with a digit', { ...good, measurement: '9disk' }],
    ['seconds instead of milliseconds', { ...good, ts: 1795432347 }],
    ['a fractional timestamp', { ...good, ts: 1795432347870.5 }],
    ['an unknown property', { ...good, unit: '%' }],
    ['a string field over 1024 characters', { ...good, fields: { msg: 'x'.repeat(1025) } }],
  ];
  for (const [what, sample] of bad) {
    it(`refuses a sample with ${what}`, () => {
      expect(Value.Check(Sample, sample)).toBe(false);
    });
  }

  it('knows the device classes of docs/architecture.md §2', () => {
    expect(Value.Check(DeviceMeta, { name: 'ups1', class: 'ups', parent: 'pdu-a' })).toBe(true);
    expect(Value.Check(DeviceMeta, { name: 'ups1', class: 'toaster' })).toBe(false);
  });

  it('requires agent, seq, batch_id and samples in a batch', () => {
    expect(Value.Check(IngestBatch, { agent: 'a', seq: 0, batch_id: 'a:0:abcdef', samples: [good] })).toBe(true);
    expect(Value.Check(IngestBatch, { agent: 'a', seq: -1, batch_id: 'a:0:abcdef', samples: [] })).toBe(false);
    expect(Value.Check(IngestBatch, { agent: 'a', seq: 1, batch_id: 'short', samples: [] })).toBe(false);
    expect(Value.Check(IngestBatch, { agent: 'a', seq: 1, batch_id: 'has spaces in it', samples: [] })).toBe(false);
    expect(Value.Check(IngestBatch, { seq: 1, batch_id: 'a:0:abcdef', samples: [] })).toBe(false);
  });
});
