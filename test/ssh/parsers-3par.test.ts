import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HP3PAR_PARSERS, parseShowcpg, parseShownode, parseShowpd, parseShowsys } from '../../agent/ssh/hp3par.js';
import type { ParsedMetric, Parser } from '../../agent/ssh/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/ssh/3par');
const CTX = { now: 1_763_618_400_000 };
const MIB = 1024 * 1024;

/** A fixture without its leading `# source:` / `# built from` lines. */
function fixture(name: string): string {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').split('\n');
  while (lines[0]?.startsWith('#')) lines.shift();
  return lines.join('\n');
}

/** Fields of the one storage metric whose tags are exactly `tags`. */
function fields(metrics: ParsedMetric[], tags: Record<string, string> = {}): Record<string, number | string> | undefined {
  const found = metrics.filter((m) => m.measurement === 'storage' && JSON.stringify(m.tags ?? {}) === JSON.stringify(tags));
  expect(found.length, JSON.stringify(tags)).toBeLessThanOrEqual(1);
  return found[0]?.fields;
}

describe('HP3PAR_PARSERS', () => {
  it('holds the four commands', () => {
    expect(Object.keys(HP3PAR_PARSERS).sort()).toEqual(['showcpg', 'shownode', 'showpd', 'showsys']);
  });
});

describe('showsys', () => {
  it.each<[string, Record<string, number | string>]>([
    [
      'showsys.txt',
      {
        system_name: '3par7200a',
        model: 'HP_3PAR 7200c',
        serial: '1612345',
        nodes: 2,
        master_node: 0,
        capacity_bytes: 7_667_712 * MIB,
        allocated_bytes: 5_160_960 * MIB,
        free_bytes: 2_506_752 * MIB,
        failed_bytes: 0,
      },
    ],
    [
      'showsys-f200.txt',
      {
        system_name: 'hp3parf200',
        model: 'InServ F200',
        serial: '1307327',
        nodes: 2,
        master_node: 0,
        capacity_bytes: 9_594_956_939_264, // 9 150 464 MiB, the raw capacity delfin's test expects for this system
        allocated_bytes: 7_793_520_148_480,
        free_bytes: 1_705_638_887_424,
        failed_bytes: 95_797_903_360,
      },
    ],
  ])('%s', (name, expected) => {
    const res = parseShowsys(fixture(name), CTX);
    expect(res.errors).toEqual([]);
    expect(res.metrics).toEqual([{ measurement: 'storage', fields: expected }]);
  });

  it('reports a header without its row', () => {
    const cut = fixture('showsys.txt').split('\n').slice(0, 2).join('\n');
    expect(parseShowsys(cut, CTX)).toEqual({ metrics: [], errors: ['showsys: no system row after the header (truncated?)'] });
  });
});

describe('showpd', () => {
  type Disk = [slot: string, failed: 0 | 1];
  it.each<[string, Disk[], { disks: number; disks_failed: number; disks_degraded: number }]>([
    [
      'showpd.txt',
      [
        ['0:14:0', 0],
        ['0:1:0', 0],
      ],
      { disks: 2, disks_failed: 0, disks_degraded: 2 },
    ],
    [
      'showpd-failed.txt',
      [
        ['0:0:0', 0],
        ['0:1:0', 0],
        ['0:2:0', 1],
        ['0:3:0', 0],
        ['1:0:0', 0],
        ['1:1:0', 0],
      ], // degraded and new are not failed
      { disks: 6, disks_failed: 1, disks_degraded: 1 },
    ],
    [
      'showpd-alletra.txt',
      [
        ['1:1', 0],
        ['1:2', 1],
      ],
      { disks: 2, disks_failed: 1, disks_degraded: 0 },
    ],
    ['showpd-none.txt', [], { disks: 0, disks_failed: 0, disks_degraded: 0 }],
  ])('%s', (name, disks, totals) => {
    const res = parseShowpd(fixture(name), CTX);
    expect(res.errors).toEqual([]);
    for (const [slot, failed] of disks) expect(fields(res.metrics, { slot })).toEqual({ disk_failed: failed });
    expect(res.metrics.filter((m) => m.tags?.slot).length).toBe(disks.length);
    expect(fields(res.metrics)).toEqual(totals);
  });

  it('keeps the disks before a cut and says the table ended early', () => {
    const res = parseShowpd(fixture('showpd-truncated.txt'), CTX);
    expect(res.errors).toEqual(['showpd: line 7: expected 10 columns, got 5: "  4 1:0:0   NL     7 norm"', 'showpd: no totals line after the disk table (output truncated?)']);
    expect(fields(res.metrics, { slot: '0:2:0' })).toEqual({ disk_failed: 1 });
    expect(fields(res.metrics)).toEqual({ disks: 4, disks_failed: 1, disks_degraded: 1 });
  });

  it('reports a state it does not know', () => {
    const odd = fixture('showpd-alletra.txt').replace('failed', 'exploded');
    expect(parseShowpd(odd, CTX).errors).toEqual(['showpd: line 4: unknown disk state \'exploded\': "  1 1:2     SSD  N/A exploded  14647296        0        15360"']);
  });
});

describe('showcpg', () => {
  type Pool = [pool: string, capacity: number, used: number, pct: number | undefined];
  it.each<[string, Pool[]]>([
    [
      'showcpg.txt',
      [
        ['FC_r5', (4_194_304 + 524_288) * MIB, (3_145_728 + 262_144) * MIB, 72.22], // Usr + Snp; Adm is metadata
        ['NL_r6', 8_388_608 * MIB, 8_126_464 * MIB, 96.88], // 31/32 = 96.875 %
        ['SSD_r1', 0, 0, undefined], // no logical disks yet
      ],
    ],
    [
      'showcpg-331.txt',
      [
        ['SSD_r6', 5_242_880 * MIB, (5_242_880 - 1_179_648) * MIB, 77.5], // Total - Free
        ['FC_r6', 2_097_152 * MIB, 1_572_864 * MIB, 75],
      ],
    ],
  ])('%s', (name, pools) => {
    const res = parseShowcpg(fixture(name), CTX);
    expect(res.errors).toEqual([]);
    expect(res.metrics.length).toBe(pools.length);
    for (const [pool, capacity, used, pct] of pools) {
      expect(fields(res.metrics, { pool })).toEqual({
        pool_capacity_bytes: capacity,
        pool_used_bytes: used,
        pool_free_bytes: capacity - used,
        ...(pct === undefined ? {} : { pool_used_pct: pct }),
      });
    }
  });

  it('keeps the CPGs before a cut and says the table ended early', () => {
    const res = parseShowcpg(fixture('showcpg-truncated.txt'), CTX);
    expect(res.errors.length).toBe(2);
    expect(res.errors[0]).toMatch(/^showcpg: line 6: expected 14 columns, got 6: "  2 SSD_r1 /);
    expect(res.errors[1]).toBe('showcpg: no totals line after the CPG table (output truncated?)');
    expect(fields(res.metrics, { pool: 'FC_r5' })?.pool_used_pct).toBe(72.22);
    expect(fields(res.metrics, { pool: 'NL_r6' })?.pool_used_pct).toBe(96.88);
  });

  it('refuses a layout it does not know instead of guessing', () => {
    const res = parseShowcpg(' Id Name Warn% VVs\n  0 X - 1\n', CTX);
    expect(res).toEqual({ metrics: [], errors: ['showcpg: unrecognised column layout: Id Name Warn% VVs'] });
  });
});

describe('shownode', () => {
  type Node = [ctrl: string, ok: 0 | 1, master: 0 | 1, inCluster: 0 | 1];
  it.each<[string, Node[]]>([
    [
      'shownode.txt',
      [
        ['0', 0, 1, 1],
        ['1', 0, 0, 1],
      ],
    ], // the simulator reports Degraded
    [
      'shownode-4node.txt',
      [
        ['0', 1, 1, 1],
        ['1', 1, 0, 1],
        ['2', 0, 0, 0],
        ['3', 0, 0, 0],
      ],
    ], // 3 is OK but out of the cluster
    [
      'shownode-ic.txt',
      [
        ['0', 0, 1, 1],
        ['1', 0, 0, 1],
      ],
    ],
  ])('%s', (name, nodes) => {
    const res = parseShownode(fixture(name), CTX);
    expect(res.errors).toEqual([]);
    expect(res.metrics.length).toBe(nodes.length);
    for (const [ctrl, ok, master, inCluster] of nodes) {
      expect(fields(res.metrics, { ctrl })).toEqual({ controller_ok: ok, controller_master: master, controller_in_cluster: inCluster });
    }
  });
});

describe('unreadable output', () => {
  const headers: Record<string, string> = {
    showsys: 'ID Name Model Serial Nodes',
    showpd: 'Id CagePos Type RPM State',
    showcpg: 'Id Name Warn%',
    shownode: 'Node Name State Master InCluster',
  };
  const cases: Array<[string, string, string]> = [];
  for (const command of Object.keys(HP3PAR_PARSERS)) {
    cases.push([command, 'garbage.txt', `output starts "-bash: showpd: command not found"`]);
    cases.push([command, 'cli-error.txt', `output starts "Error: Permission denied"`]);
    cases.push([command, '', '(empty output)']);
  }
  it.each(cases)('%s on %j', (command, name, tail) => {
    const parser = HP3PAR_PARSERS[command] as Parser;
    const res = parser(name === '' ? '' : fixture(name), CTX);
    expect(res.metrics).toEqual([]);
    expect(res.errors).toEqual([`${command}: no '${headers[command]}' header${tail.startsWith('(') ? ` ${tail}` : `; ${tail}`}`]);
  });

  it('never throws on arbitrary input', () => {
    for (const parser of Object.values(HP3PAR_PARSERS)) {
      for (const junk of ['Id\n', 'Node\n\n-----\n', ' ID Name Model Serial Nodes\n1 a b c d e f g h i j\n', 'Id CagePos State\n1 2\n']) {
        expect(() => parser(junk, CTX)).not.toThrow();
      }
    }
  });
});
