import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../collector/rules/inventory.js';
import { loadMaintenanceFile } from '../../collector/rules/maintenance-file.js';
import { ConfigError } from '../../lib/config.js';
import { tempDir } from '../helpers.js';

function write(name: string, text: string): { file: string; cleanup: () => void } {
  const tmp = tempDir();
  const file = join(tmp.dir, name);
  writeFileSync(file, text);
  return { file, cleanup: tmp.cleanup };
}

describe('inventory.yaml', () => {
  it('gives parents, ancestors and classes; agent metadata fills gaps', () => {
    const { file, cleanup } = write('inventory.yaml', 'devices:\n  core1: { class: network }\n  acc1: { parent: core1, class: network }\n  db01: { parent: acc1, team: dba }\n');
    const topo = loadInventory(file, (d) => (d === 'pdu1' ? 'ups-a' : undefined));
    cleanup();
    expect(topo.ancestors('db01')).toEqual(['acc1', 'core1']);
    expect(topo.entry('acc1')?.class).toBe('network');
    expect(topo.parentOf('pdu1')).toBe('ups-a');
    expect(topo.ancestors('core1')).toEqual([]);
  });

  it('refuses loops, self-parents, unknown keys and unknown classes with positions', () => {
    const { file, cleanup } = write('inventory.yaml', 'devices:\n  a: { parent: b }\n  b: { parent: a }\n  c: { parent: c, colour: red }\n  d: { class: toaster }\n');
    let message = '';
    try {
      loadInventory(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    cleanup();
    expect(message.split('\n')).toEqual([
      `${file}:4:19: devices.c.colour: unknown key 'colour' (valid keys: parent, site, room, team, class, agent)`,
      expect.stringMatching(new RegExp(`^${file}:5:15: devices.d.class: must be one of "server"`)),
    ]);
  });

  it('reports parent loops once the structure is valid', () => {
    const { file, cleanup } = write('inventory.yaml', 'devices:\n  a: { parent: b }\n  b: { parent: a }\n  c: { parent: c }\n');
    let message = '';
    try {
      loadInventory(file);
    } catch (err) {
      message = (err as Error).message;
    }
    cleanup();
    expect(message.split('\n')).toEqual([
      `${file}:2:16: devices.a.parent: parent chain loops back: a → b → a`,
      `${file}:3:16: devices.b.parent: parent chain loops back: b → a → b`,
      `${file}:4:16: devices.c.parent: parent chain loops back: c → c`,
      `${file}:4:16: devices.c.parent: a device cannot be its own parent`,
    ]);
  });
});

describe('maintenance.yaml', () => {
  it('loads one-off and recurring windows', () => {
    const { file, cleanup } = write(
      'maintenance.yaml',
      'windows:\n  - name: patching\n    cron: "0 2 * * 0"\n    duration: 2h\n    timezone: Asia/Shanghai\n    scope: { devices: ["db*"] }\n  - name: swap\n    start: 2026-11-25T09:00:00+08:00\n    end: 2026-11-25T12:00:00+08:00\n    scope: { devices: [ups-a] }\n',
    );
    const windows = loadMaintenanceFile(file, Date.UTC(2026, 10, 23));
    cleanup();
    expect(windows).toMatchObject([
      { name: 'patching', cron: '0 2 * * 0', durationMs: 7_200_000, source: 'file' },
      { name: 'swap', start: Date.UTC(2026, 10, 25, 1), end: Date.UTC(2026, 10, 25, 4) },
    ]);
  });

  it('names the field of a bad window', () => {
    const { file, cleanup } = write('maintenance.yaml', 'windows:\n  - name: bad\n    cron: "99 * * * *"\n    duration: 2 hours\n    scope: {}\n');
    let message = '';
    try {
      loadMaintenanceFile(file, 0);
    } catch (err) {
      message = (err as Error).message;
    }
    cleanup();
    expect(message).toBe(`${file}:4:15: windows.0.duration: '2 hours' is not a duration (e.g. 2h)`);
  });
});
