/** 3PAR `-csvtable` output, next to the table layouts the same parsers still read. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShowcpg, parseShowsys } from '../../agent/ssh/hp3par.js';
import { platforms } from '../../agent/ssh/platforms.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh', '3par');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').split('\n').slice(1).join('\n');
const ctx = { now: 0 };
const MIB = 1024 * 1024;

describe('3PAR -csvtable', () => {
  it('showsys', () => {
    expect(parseShowsys(fixture('showsys-csv.txt'), ctx)).toEqual({
      metrics: [
        {
          measurement: 'storage',
          fields: {
            system_name: 's74521',
            model: 'HPE_3PAR 8400',
            serial: '4UW0001234',
            nodes: 2,
            master_node: 0,
            capacity_bytes: 91627520 * MIB,
            allocated_bytes: 41553920 * MIB,
            free_bytes: 50073600 * MIB,
            failed_bytes: 0,
          },
        },
      ],
      errors: [],
    });
  });

  it('showcpg, flat 3.3 columns: used is Total - Free; the totals row is not a pool', () => {
    const res = parseShowcpg(fixture('showcpg-csv.txt'), ctx);
    expect(res.errors).toEqual([]);
    expect(res.metrics).toEqual([
      { measurement: 'storage', tags: { pool: 'SSD_r6' }, fields: { pool_capacity_bytes: 1638400 * MIB, pool_used_bytes: 1114112 * MIB, pool_free_bytes: 524288 * MIB, pool_used_pct: 68 } },
      { measurement: 'storage', tags: { pool: 'FC_r5' }, fields: { pool_capacity_bytes: 786432 * MIB, pool_used_bytes: 524288 * MIB, pool_free_bytes: 262144 * MIB, pool_used_pct: 66.67 } },
    ]);
  });

  it('showcpg, grouped 3.2 columns: user and snapshot space', () => {
    // (307200 + 4096) / (409600 + 8192) = 74.51 %.
    expect(parseShowcpg(fixture('showcpg-csv-grouped.txt'), ctx).metrics[0]?.fields.pool_used_pct).toBe(74.51);
  });

  it('names a short row and unknown columns', () => {
    expect(parseShowcpg('Id,Name,Total,Free\n0,A,10\n', ctx).errors).toEqual(['showcpg: line 2: expected 4 comma-separated fields, got 3: "0,A,10"']);
    expect(parseShowcpg('Id,Name,Size\n0,A,10\n', ctx).errors).toEqual(['showcpg: unrecognised CSV columns: id,name,size']);
  });

  it('the table layouts still parse, and the CSV checks are there to be chosen', () => {
    expect(parseShowsys(fixture('showsys.txt'), ctx).errors).toEqual([]);
    expect(parseShowcpg(fixture('showcpg-331.txt'), ctx).errors).toEqual([]);
    const par = platforms()['3par'] ?? {};
    expect(par.system_csv).toMatchObject({ command: 'showsys -csvtable', parser: 'showsys', default: false });
    expect(par.pools_csv).toMatchObject({ command: 'showcpg -csvtable', parser: 'showcpg', default: false });
  });

  it('-showcols output (the named columns only, full names in the header) reads through the same parsers', () => {
    const par = platforms()['3par'] ?? {};
    expect(par.system_cols?.command).toMatch(/^showsys -showcols ID,Name,Model,Serial,Nodes,Master,TotalCap,AllocCap,FreeCap,FailedCap -csvtable$/);
    expect(par.pools_cols?.command).toBe('showcpg -showcols Id,Name,Total,Free -csvtable');
    const sys = parseShowsys('ID,Name,Model,Serial,Nodes,Master,TotalCap,AllocCap,FreeCap,FailedCap\n74521,s74521,HPE_3PAR 8400,4UW0001234,2,0,91627520,41553920,50073600,0\n', ctx);
    expect(sys.errors).toEqual([]);
    expect(sys.metrics[0]?.fields).toMatchObject({ nodes: 2, capacity_bytes: 91627520 * MIB, failed_bytes: 0 });
    const cpg = parseShowcpg('Id,Name,Total,Free\n0,SSD_r6,1638400,524288\n--------------------\n1,total,1638400,524288\n', ctx);
    expect(cpg.errors).toEqual([]);
    expect(cpg.metrics).toEqual([
      { measurement: 'storage', tags: { pool: 'SSD_r6' }, fields: { pool_capacity_bytes: 1638400 * MIB, pool_used_bytes: 1114112 * MIB, pool_free_bytes: 524288 * MIB, pool_used_pct: 68 } },
    ]);
  });
});
