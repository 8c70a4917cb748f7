import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLASS_ORDER, checksFor } from '../../collector/report/checks.js';
import { defaultAction } from '../../collector/report/i18n.js';
import { MAX_RISKS, judgeReport } from '../../collector/report/judge.js';
import type { DeviceInput, ReportInput } from '../../collector/report/types.js';
import { EXPECTED_FINDINGS, EXPECTED_INCOMPLETE, buildRoomInput } from './room-fixture.js';

const MIN = 60_000;
const key = (r: { device: string; check: string }) => `${r.device} ${r.check}`;
const device = (input: ReportInput, name: string): DeviceInput => input.devices.find((d) => d.name === name)!;

describe('judgeReport on a room of 50 devices with known anomalies', () => {
  const input = buildRoomInput({});
  const report = judgeReport(input);

  it('covers every class with the checks of its class', () => {
    expect(input.devices).toHaveLength(50);
    expect(new Set(input.devices.map((d) => d.class))).toEqual(new Set(CLASS_ORDER));
    const checks = new Set(report.rows.map((r) => r.check.split(':')[0]));
    for (const c of [
      'reachable',
      'cpu',
      'mem',
      'fs',
      'if',
      'temp',
      'ts',
      'asm',
      'fra',
      'ora.up',
      'ora.errors',
      'ora.backup',
      'ora.rac',
      'ora.dg',
      'ups.battery',
      'ups.charge',
      'ups.runtime',
      'ups.load',
      'ups.selftest',
      'ups.onbattery',
      'ac.temp',
      'ac.humidity',
      'ac.alarms',
      'fw.sessions',
      'fw.ha',
      'pool',
      'storage.disks',
      'storage.ctrl',
      'fc',
      'tape.drives',
      'env.temp',
      'env.humidity',
      'env.safety',
    ]) {
      expect(checks, c).toContain(c);
    }
  });

  it('warns or fails exactly the known anomalies, everything else passes', () => {
    const flagged = report.rows
      .filter((r) => r.status !== 'pass')
      .map((r) => `${key(r)} ${r.status}`)
      .sort();
    expect(flagged).toEqual(EXPECTED_FINDINGS.map((f) => `${key(f)} ${f.status}`).sort());
  });

  it('does not depend on the noise seed', () => {
    for (const seed of [2, 3, 17, 12345]) {
      const rows = judgeReport(buildRoomInput({ seed })).rows;
      expect(
        rows
          .filter((r) => r.status !== 'pass')
          .map((r) => `${key(r)} ${r.status}`)
          .sort(),
        `seed ${seed}`,
      ).toEqual(EXPECTED_FINDINGS.map((f) => `${key(f)} ${f.status}`).sort());
    }
  });

  it('forecasts db03 /u01 (91 %, +1 %/day) full in about 9 days', () => {
    const row = report.rows.find((r) => key(r) === 'db03 fs:/u01')!;
    expect(row.status).toBe('warn');
    expect(row.daysUntilFull).toBeCloseTo(8.5, 1);
    expect(row.detail).toBe('now 91.5 % > 90 %; full in 8.5 days at the current rate');
    expect(row.trend).toBe(4); // day average 91 % against the week's 87 %
    expect(row.hourly).toHaveLength(24);
  });

  it('explains each finding in its value and detail', () => {
    const byKey = new Map(report.rows.map((r) => [key(r), r]));
    expect(byKey.get('web02 cpu')!.detail).toBe('avg 97.1 % > 95 %');
    expect(byKey.get('ora-rac1 ora.rac')!.detail).toBe('now 1 < 2');
    expect(byKey.get('db02 ora.backup')!.value).toBe('now 30 h');
    expect(byKey.get('sw-core1 if')!.value).toContain('peak util 95.2 % (10GE1/0/1)');
    expect(byKey.get('sw-core1 if')!.detail).toBe('10GE1/0/1: peak 95.2 % > 90 %');
    expect(byKey.get('fw-1 fw.sessions')!.value).toContain('peak 1,762,000 sessions (88.1 % of 2,000,000)');
    expect(byKey.get('ups-b ups.onbattery')!.value).toBe('on battery about 4 min');
    expect(byKey.get('ups-b ups.charge')!.detail).toBe('now 72 % < 80 %');
    expect(byKey.get('crac-2 ac.temp')!.detail).toBe('highest hourly avg 29.3 °C > 27 °C; outside set point ± 3 °C');
    expect(byKey.get('array-1 storage.disks')!.value).toBe('1 of 24 disks failed: slot 0:12');
    expect(byKey.get('san-sw2 fc')!.detail).toBe('enabled but down: 7');
    expect(byKey.get('tape-1 tape.drives')!.value).toBe('1 of 4 drives not OK: drive 3');
    expect(byKey.get('env-2 env.humidity:row-b')!.detail).toBe('peak 75.2 %RH > 70 %RH');
    expect(byKey.get('app04 reachable')!.value).toBe('down 2 h');
  });

  it("keeps two PDBs' tablespaces of one name apart on a CDB: one row each, judged on its own", () => {
    const cdb = structuredClone(buildRoomInput({}));
    const db = device(cdb, 'db01');
    const users = db.series.find((s) => s.metric === 'oracle.tablespace_used_pct' && s.tags.tablespace === 'USERS')!;
    const full = structuredClone(users);
    full.tags = { ...users.tags, pdb: 'SALES' };
    full.day.last = 98.5;
    const fine = structuredClone(users);
    fine.tags = { ...users.tags, pdb: 'HR' };
    db.series = [...db.series.filter((s) => s !== users), full, fine];
    const rows = judgeReport(cdb).rows.filter((r) => r.device === 'db01' && r.check.startsWith('ts:'));
    expect(rows.map((r) => r.check).sort()).toEqual(['ts:APP_DATA', 'ts:HR/USERS', 'ts:SALES/USERS', 'ts:SYSAUX', 'ts:SYSTEM', 'ts:UNDOTBS1']);
    expect(rows.find((r) => r.check === 'ts:SALES/USERS')!.status).toBe('fail');
    expect(rows.find((r) => r.check === 'ts:HR/USERS')!.status).toBe('pass');
  });

  it('summarises many interfaces into one row per device, skips /boot and shut ports', () => {
    expect(report.rows.filter((r) => r.device === 'sw-core1' && r.check === 'if')).toHaveLength(1);
    expect(report.rows.some((r) => r.check === 'fs:/boot')).toBe(false);
    expect(report.rows.filter((r) => r.device === 'db01' && r.check.startsWith('ts:'))).toHaveLength(5);
    const acc1 = report.rows.find((r) => key(r) === 'sw-acc1 if')!;
    expect(acc1.status).toBe('pass'); // GE1/0/6 is shut: admin down is not a fault
    expect(acc1.value).toContain('all up');
    expect(report.rows.find((r) => key(r) === 'env-1 env.safety')!.value).toContain('door open 3 min');
  });

  it('counts devices by their worst check, alerts by priority and incident statistics', () => {
    expect(report.summary).toEqual({ devices: 50, pass: 37, warn: 5, fail: 8 });
    // web04's clock alert resolved the day before and is not counted.
    expect(report.alertsByPriority).toEqual({ P1: 1, P2: 4, P3: 8, P4: 0 });
    expect(report.incidentStats.P1).toEqual({ opened: 1, acknowledged: 1, resolved: 1, mttaMs: 9 * MIN, mttrMs: 19 * MIN, respondSlaPct: 100, resolveSlaPct: 100 });
    const p2 = report.incidentStats.P2;
    expect(p2).toMatchObject({ opened: 3, acknowledged: 3, resolved: 1, mttrMs: 119 * MIN, respondSlaPct: 75, resolveSlaPct: 100 });
    expect(p2.mttaMs).toBeCloseTo(((19 + 47 + 8) / 3) * MIN, 6);
    const p3 = report.incidentStats.P3;
    expect(p3).toMatchObject({ opened: 3, acknowledged: 2, resolved: 1, mttaMs: 10 * MIN, mttrMs: 20 * MIN, resolveSlaPct: 100 });
    expect(p3.respondSlaPct).toBeCloseTo(200 / 3, 6);
    expect(report.incidentStats.P4).toEqual({ opened: 0, acknowledged: 0, resolved: 0, mttaMs: null, mttrMs: null, respondSlaPct: null, resolveSlaPct: null });
  });

  it('separates gaps in collection from devices that were down', () => {
    const notComplete = Object.fromEntries(report.completeness.filter((c) => c.verdict !== 'complete').map((c) => [c.device, c.verdict]));
    expect(notComplete).toEqual(EXPECTED_INCOMPLETE);
    const app05 = report.completeness.find((c) => c.device === 'app05')!;
    expect(app05.gapMinutes).toBe(90);
    expect(app05.receivedPct).toBeGreaterThan(95); // gaps by minutes, not by share
    const app04 = report.completeness.find((c) => c.device === 'app04')!;
    expect(app04).toMatchObject({ downMinutes: 120, verdict: 'down' });
    expect(report.completeness.find((c) => c.device === 'db01')).toMatchObject({ receivedPct: 100, verdict: 'complete' });
  });

  it('ranks risks: failures by priority (alerts first), then capacity warnings by days left, each with an action', () => {
    expect(report.risks.map((r) => [key(r), r.status, r.source])).toEqual([
      ['ups-b ups.onbattery', 'fail', 'runbook'], // P1
      ['ora-rac1 ora.rac', 'fail', 'runbook'], // P2 …
      ['app04 reachable', 'fail', 'runbook'],
      ['array-1 storage.disks', 'fail', 'runbook'],
      ['crac-2 ac.temp', 'fail', 'runbook'],
      ['web02 cpu', 'fail', 'runbook'], // P3 …
      ['san-sw2 fc', 'fail', 'runbook'],
      ['tape-1 tape.drives', 'fail', 'knowledge-base'],
      ['db03 fs:/u01', 'warn', 'runbook'], // 8.5 days until full
    ]);
    const action = (k: string) => report.risks.find((r) => key(r) === k)!.action;
    expect(action('ups-b ups.onbattery')).toBe('Check the mains feed and generator; prepare orderly shutdown below 10 min.');
    // The alert carries no runbook: the rule's runbook from input.runbooks is used.
    expect(action('db03 fs:/u01')).toBe('Find large files (du -xsh /mount/*); rotate or archive logs; extend the LV.');
    // No alert today: the newest known fix of the rule.
    expect(action('tape-1 tape.drives')).toBe('Loaded a cleaning cartridge and re-ran the failed backup job (#812: Dirty head after 400 loads)');
    expect(report.risks.find((r) => key(r) === 'db03 fs:/u01')!.text).toContain('full in 8.5 days');
  });
});

describe('risk actions fall back from alert runbook to knowledge base, rule runbook and default', () => {
  it('without the alert, the known fix wins over the rule runbook; without either, the rule runbook; then the default', () => {
    const input = buildRoomInput({});
    input.alerts = input.alerts.filter((a) => a.device !== 'web02');
    const kb = judgeReport(input).risks.find((r) => r.device === 'web02')!;
    expect(kb).toMatchObject({ source: 'knowledge-base', action: 'Killed the report job and rescheduled it to 02:00 (#777: Runaway report job)' });

    input.knownFixes = [];
    expect(judgeReport(input).risks.find((r) => r.device === 'web02')).toMatchObject({ source: 'runbook', action: 'Find the top consumers (top, ps -eo pcpu); check for runaway batch jobs.' });

    input.runbooks = {};
    expect(judgeReport(input).risks.find((r) => r.device === 'web02')).toMatchObject({ source: 'default', action: defaultAction('cpu', 'en') });
  });

  it('fills runbook templates with the device and the row tag', () => {
    const input = buildRoomInput({});
    input.alerts = input.alerts.filter((a) => a.device !== 'db03');
    input.runbooks['host/Filesystem almost full'] = 'Clean {{ mount }} on {{device}} first.';
    expect(judgeReport(input).risks.find((r) => r.device === 'db03')!.action).toBe('Clean /u01 on db03 first.');
  });

  it('takes the runbook of the most urgent alert of the check', () => {
    const input = buildRoomInput({});
    const base = input.alerts.find((a) => a.device === 'db03')!;
    input.alerts.push({ ...base, ruleId: 'host/Filesystem full within 3 days', priority: 'P2', runbook: 'Extend /u01 tonight.' });
    expect(judgeReport(input).risks.find((r) => r.device === 'db03')!.action).toBe('Extend /u01 tonight.');
  });
});

describe('edge cases', () => {
  it('caps risks at 10, failures first, and leaves out capacity warnings 14 days or more away', () => {
    const input = buildRoomInput({});
    for (const name of ['web01', 'web03', 'web04', 'web05']) {
      const cpu = device(input, name).series.find((s) => s.metric === 'cpu.usage_pct')!;
      cpu.day.avg = 98;
      cpu.hourly = cpu.hourly.map(() => 98);
    }
    const report = judgeReport(input);
    expect(report.rows.filter((r) => r.status === 'fail')).toHaveLength(12);
    expect(report.risks).toHaveLength(MAX_RISKS);
    expect(report.risks.every((r) => r.status === 'fail')).toBe(true);

    const slow = buildRoomInput({});
    const u01 = device(slow, 'db03').series.find((s) => s.metric === 'disk.used_pct' && s.tags.mount === '/u01')!;
    u01.hourly = u01.hourly.map((_, h) => 91 + (0.4 * (h + 0.5)) / 24);
    u01.week!.avg = 91 - 0.4 * 3.5; // 0.4 %/day: about 22 days
    const row = judgeReport(slow).rows.find((r) => key(r) === 'db03 fs:/u01')!;
    expect(row.status).toBe('warn');
    expect(row.daysUntilFull).toBeGreaterThan(14);
    expect(judgeReport(slow).risks.some((r) => r.device === 'db03')).toBe(false);
  });

  it('ranks capacity warnings by days left, soonest first, whatever the device order or alerts', () => {
    const input = buildRoomInput({});
    // base %, growth %/day: db01 fills in about 4 days, db02 in about 11, db03 keeps its 8.5.
    const grow = (name: string, mount: string, base: number, rate: number) => {
      const s = device(input, name).series.find((x) => x.metric === 'disk.used_pct' && x.tags.mount === mount)!;
      s.hourly = s.hourly.map((_, h) => base + (rate * (h + 0.5)) / 24);
      s.day.avg = base + rate / 2;
      s.day.max = base + rate;
      s.day.last = base + rate;
      s.week!.avg = base - rate * 3.5;
    };
    grow('db01', '/u01', 91, 2);
    grow('db02', '/u02', 91, 0.8);
    // Room under the risk cap for all three: web02's CPU is healthy in this copy.
    const cpu = device(input, 'web02').series.find((x) => x.metric === 'cpu.usage_pct')!;
    cpu.day.avg = 40;
    cpu.hourly = cpu.hourly.map(() => 40);
    const report = judgeReport(input);
    const warnings = report.risks.filter((r) => r.status === 'warn');
    // db01 and db02 rank P2 in this room, db03 P3: P1 and P2 come first whatever raised them
    // (issue 17); within a priority, the soonest to fill comes first.
    expect(warnings.map((w) => `${key(w)} ${w.priority}`)).toEqual(['db01 fs:/u01 P2', 'db02 fs:/u02 P2', 'db03 fs:/u01 P3']);
    const days = warnings.map((w) => report.rows.find((r) => key(r) === key(w))!.daysUntilFull!);
    expect(days[0]).toBeLessThan(days[1]!);
    expect(days[2]).toBeLessThan(days[1]!);
    // Ranked by priority, then failed before warned.
    const rank = { P1: 1, P2: 2, P3: 3, P4: 4 } as const;
    const order = report.risks.map((r) => rank[r.priority ?? 'P4'] * 2 + (r.status === 'fail' ? 0 : 1));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('a silent device: warn on reachability, verdict silent; mostly down by device.up: verdict down', () => {
    const input = buildRoomInput({});
    const web05 = device(input, 'web05');
    web05.series = [];
    web05.receivedSamples = 0;
    web05.gapMinutes = 1440;
    const web06 = device(input, 'web06');
    const up = web06.series.find((s) => s.metric === 'device.up')!;
    up.day = { ...up.day, avg: 0.2, min: 0, last: 0 };
    web06.downMinutes = 30; // the gatherer under-counted: device.up still says mostly down
    const report = judgeReport(input);
    expect(report.rows.filter((r) => r.device === 'web05')).toEqual([expect.objectContaining({ check: 'reachable', status: 'warn', value: 'no data received' })]);
    expect(report.completeness.find((c) => c.device === 'web05')!.verdict).toBe('silent');
    expect(report.rows.find((r) => key(r) === 'web06 reachable')).toMatchObject({ status: 'fail', detail: 'still down at the end of the day' });
    expect(report.completeness.find((c) => c.device === 'web06')!.verdict).toBe('down');
  });

  it('a short outage (beyond one missed poll) warns; a device of unknown class still gets reachability', () => {
    const input = buildRoomInput({});
    device(input, 'web05').downMinutes = 5;
    input.devices.push({ ...device(input, 'web06'), name: 'kvm-1', class: 'kvm' });
    const report = judgeReport(input);
    expect(report.rows.find((r) => key(r) === 'web05 reachable')).toMatchObject({ status: 'warn', value: 'down 5 min' });
    expect(report.rows.filter((r) => r.device === 'kvm-1').map((r) => r.check)).toEqual(['reachable']);
  });

  it('a firewall without a configured capacity reports its peak and passes', () => {
    const input = buildRoomInput({});
    delete device(input, 'fw-1').limits;
    expect(judgeReport(input).rows.find((r) => key(r) === 'fw-1 fw.sessions')).toMatchObject({ status: 'pass', value: expect.stringContaining('capacity not configured') });
  });

  it('ORA- internal errors fail, other new errors warn', () => {
    const input = buildRoomInput({});
    const errs = device(input, 'db01').series.find((s) => s.metric === 'oracle.alert_errors')!;
    errs.day = { ...errs.day, avg: 3 / errs.day.count, max: 1 };
    expect(judgeReport(input).rows.find((r) => key(r) === 'db01 ora.errors')).toMatchObject({ status: 'warn', value: '3 new: ORA-00060 × 3' });
    errs.tags = { code: 'ORA-00600' };
    expect(judgeReport(input).rows.find((r) => key(r) === 'db01 ora.errors')!.status).toBe('fail');
  });
});

describe('the checks agree with the shipped rule packs', () => {
  const ruleIds = new Set<string>();
  const dir = join(import.meta.dirname, '../../rules');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml') && !n.endsWith('.test.yaml'))) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { group: string; rules: Array<{ name: string }> };
    for (const r of doc.rules) ruleIds.add(`${doc.group}/${r.name}`);
  }

  it('every rule a check names exists in rules/*.yaml', () => {
    for (const cls of CLASS_ORDER) for (const def of checksFor(cls)) for (const id of def.rules) expect(ruleIds, `${cls} ${def.id}`).toContain(id);
  });
});

describe('buildRoomInput scales for benchmarks', () => {
  it('makes the requested number of uniquely named devices and keeps the anomalies', () => {
    const input = buildRoomInput({ devices: 300, seed: 9 });
    expect(input.devices).toHaveLength(300);
    expect(new Set(input.devices.map((d) => d.name)).size).toBe(300);
    const flagged = judgeReport(input)
      .rows.filter((r) => r.status !== 'pass')
      .map(key)
      .sort();
    expect(flagged).toEqual(EXPECTED_FINDINGS.map(key).sort());
  });

  it('can build a healthy room', () => {
    const report = judgeReport(buildRoomInput({ anomalies: false }));
    expect(report.rows.every((r) => r.status === 'pass')).toBe(true);
    expect(report.risks).toEqual([]);
    expect(report.completeness.every((c) => c.verdict === 'complete')).toBe(true);
  });
});
