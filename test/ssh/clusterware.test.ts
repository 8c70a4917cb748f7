import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterwareCommand, parseClusterware } from '../../agent/ssh/clusterware.js';
import type { ParsedMetric } from '../../agent/ssh/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh', 'crs');
const body = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').split('\n').slice(1).join('\n');
const output = (res: string, ocr = 'ocrcheck.txt', vote = 'votedisk.txt') => `@@ crsctl_res\n${body(res)}@@ ocrcheck\n${body(ocr)}@@ votedisk\n${body(vote)}`;

function value(metrics: ParsedMetric[], field: string, tags: Record<string, string> = {}): number | string | undefined {
  const found = metrics.filter((m) => JSON.stringify(m.tags ?? {}) === JSON.stringify(tags) && field in m.fields);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.fields[field];
}

describe('parseClusterware', () => {
  it('reads 19c resources, OCR and voting disks', () => {
    const res = parseClusterware(output('crsctl-stat-res-t-19c.txt'));
    expect(res.errors).toEqual([]);
    const m = res.metrics;
    expect(value(m, 'resource_ok', { resource: 'ora.DATA.dg', server: 'racnode2' })).toBe(0);
    expect(value(m, 'state', { resource: 'ora.DATA.dg', server: 'racnode2' })).toBe('OFFLINE');
    expect(value(m, 'resource_ok', { resource: 'ora.DATA.dg', server: 'racnode1' })).toBe(1);
    expect(value(m, 'resource_ok', { resource: 'ora.LISTENER_SCAN2.lsnr', instance: '1' })).toBe(0);
    expect(value(m, 'resource_ok', { resource: 'ora.LISTENER_SCAN1.lsnr', instance: '1' })).toBe(1);
    expect(value(m, 'resource_ok', { resource: 'ora.cvu', instance: '1' })).toBe(1); // target OFFLINE: on purpose
    expect(value(m, 'resource_ok', { resource: 'ora.orcl.db', instance: '2' })).toBe(1); // wrapped details are not members
    expect(value(m, 'resources_not_online')).toBe(2);
    expect(value(m, 'ocr_integrity_ok')).toBe(1);
    expect(value(m, 'ocr_devices_failed')).toBe(1);
    expect(value(m, 'ocr_used_pct')).toBe(17.15);
    expect(value(m, 'votedisks_online')).toBe(2);
    expect(value(m, 'votedisks_offline')).toBe(1);
    expect(m.filter((x) => 'resource_ok' in x.fields)).toHaveLength(17);
  });

  it('reads the 11.2 layout', () => {
    const res = parseClusterware(output('crsctl-stat-res-t-112.txt'));
    expect(res.errors).toEqual([]);
    expect(value(res.metrics, 'resources_not_online')).toBe(0);
    expect(value(res.metrics, 'resource_ok', { resource: 'ora.gsd', server: 'aixrac2' })).toBe(1);
    expect(value(res.metrics, 'resource_ok', { resource: 'ora.prod.db', instance: '2' })).toBe(1);
  });

  it('names what it could not read', () => {
    const res = parseClusterware(
      '@@ crsctl_res\nCRS-4535: Cannot communicate with Cluster Ready Services\nCRS-4000: Command Status failed, or completed with errors.\n@@ ocrcheck\nPROT-602: Failed to retrieve data from the cluster registry\n',
    );
    expect(res.errors).toEqual([
      'clusterware: crsctl_res: CRS-4535: Cannot communicate with Cluster Ready Services CRS-4000: Command Status failed, or completed with errors.',
      "clusterware: no 'votedisk' section (output cut off?)",
    ]);
    expect(value(res.metrics, 'ocr_integrity_ok')).toBe(0);
  });

  it('builds a command that runs all three tools from the grid home', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-crs-'));
    try {
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'bin', 'crsctl'), `#!/bin/sh\nif [ "$1" = stat ]; then sed 1d '${join(FIXTURES, 'crsctl-stat-res-t-112.txt')}'; else sed 1d '${join(FIXTURES, 'votedisk.txt')}'; fi\n`, {
        mode: 0o755,
      });
      writeFileSync(join(dir, 'bin', 'ocrcheck'), `#!/bin/sh\nsed 1d '${join(FIXTURES, 'ocrcheck.txt')}'\n`, { mode: 0o755 });
      const out = execFileSync('/bin/sh', ['-c', clusterwareCommand(dir)], { encoding: 'utf8' });
      const res = parseClusterware(out);
      expect(res.errors).toEqual([]);
      expect(value(res.metrics, 'votedisks_offline')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
