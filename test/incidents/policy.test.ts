import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directory, loadEscalationPolicy, slaClock } from '../../collector/incidents/policy.js';
import { ConfigError } from '../../lib/config.js';
import { tempDir } from '../helpers.js';

const FULL = `
sla:
  P1: { respond: 15m, plan: 1h, resolve: 8h }
  warn_at: [0.5, 0.8]
  business_hours:
    timezone: Asia/Shanghai
    hours: { mon: ["09:00-18:00"], tue: ["09:00-18:00"], wed: ["09:00-18:00"], thu: ["09:00-18:00"], fri: ["09:00-18:00"] }
    holidays: ["2026-10-01"]
    applies_to: [P3, P4]
contacts:
  alice: { email: alice@noc.example, phone: "+8613800000001", lang: en }
  bob: { email: bob@noc.example }
  carol: { phone: "+8613800000003", lang: zh-CN, channels: [sms] }
  vendor: { email: support@vendor.example }
tiers:
  - name: L1
    description: Service desk
    contacts: [alice, bob]
    schedule: { rotation: weekly, handoff: "09:00", start: 2026-11-02, timezone: Asia/Shanghai, members: [alice, bob] }
  - { name: L2, contacts: [carol] }
  - { name: L3, description: Vendor, contacts: [vendor] }
routes:
  P1: { tiers: [L1, L2], channels: [sms, email] }
  P4: { tiers: [L1], channels: [email], digest: true }
escalate: { at_risk: 0.8, on_breach: true }
repeat: { P1: 15m, P2: 30m }
auto_resolve: { P2: false }
reopen_window: 1h
correlation_window: 10m
`;

function write(text: string): { file: string; cleanup: () => void } {
  const tmp = tempDir();
  const file = join(tmp.dir, 'escalation.yaml');
  writeFileSync(file, text);
  return { file, cleanup: tmp.cleanup };
}

describe('escalation.yaml', () => {
  it('loads a full policy', () => {
    const { file, cleanup } = write(FULL);
    const p = loadEscalationPolicy(file);
    cleanup();
    expect(p.targets.P1).toEqual({ respond: 900_000, plan: 3_600_000, resolve: 28_800_000 });
    expect(p.targets.P3.resolve).toBe(48 * 3_600_000);
    expect(p.routes.P1).toEqual({ tiers: [0, 1], channels: ['sms', 'email'], digest: false });
    expect(p.routes.P2).toEqual({ tiers: [0], channels: ['email'], digest: false });
    expect(p.incidents).toEqual({ correlationWindowMs: 600_000, reopenWindowMs: 3_600_000, autoResolve: { P1: false, P2: false, P3: true, P4: true } });
    expect(p.repeatMs).toEqual({ P1: 900_000, P2: 1_800_000 });
    // The L1 schedule pages only the member on duty.
    const dir = directory(p);
    expect(dir.tierRecipients(0, Date.parse('2026-11-03T12:00:00+08:00')).map((r) => r.name)).toEqual(['alice']);
    expect(dir.tierRecipients(0, Date.parse('2026-11-10T12:00:00+08:00')).map((r) => r.name)).toEqual(['bob']);
    expect(dir.tierRecipients(1, 0)).toEqual([{ name: 'carol', phone: '+8613800000003', lang: 'zh-CN', channels: ['sms'], email: undefined }]);
    // P3 follows business hours; P1 runs around the clock.
    const fri1730 = Date.parse('2026-11-20T17:30:00+08:00');
    const mon1000 = Date.parse('2026-11-23T10:00:00+08:00');
    expect(slaClock(p, 'P3', 'respond', fri1730, [], mon1000).elapsedMs).toBe(90 * 60_000);
    expect(slaClock(p, 'P1', 'respond', fri1730, [], mon1000).elapsedMs).toBe(mon1000 - fri1730);
    const s = slaClock(p, 'P1', 'respond', 0, [{ start: 5 * 60_000, end: 10 * 60_000 }], 14 * 60_000);
    expect(s).toMatchObject({ elapsedMs: 9 * 60_000, breached: false, warnings: [0.5] });
  });

  it('loads the shipped example', () => {
    const p = loadEscalationPolicy('examples/escalation.yaml');
    expect(p.tiers.map((t) => t.name)).toEqual(['L1', 'L2', 'L3']);
    expect(p.calendar?.appliesTo).toEqual(['P3', 'P4']);
    expect(p.routes.P4.digest).toBe(true);
  });

  it('reports every problem with file:line:col', () => {
    const bad = FULL.replace('members: [alice, bob]', 'members: [alice, mallory]')
      .replace('bob: { email: bob@noc.example }', 'bob: { email: bob@noc.example }\n  ghost: { lang: en }')
      .replace('P1: { tiers: [L1, L2]', 'P1: { tiers: [L1, L9]')
      .replace('timezone: Asia/Shanghai\n    hours', 'timezone: Mars/Olympus\n    hours')
      .replace('mon: ["09:00-18:00"]', 'mon: ["9am-6pm"]');
    const { file, cleanup } = write(bad);
    let message = '';
    try {
      loadEscalationPolicy(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    cleanup();
    const lines = message.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/escalation\.yaml:\d+:\d+: contacts\.ghost: contact 'ghost' has neither email nor phone/));
    expect(lines).toContainEqual(expect.stringMatching(/escalation\.yaml:\d+:\d+: tiers\.0\.schedule\.members\.1: unknown contact 'mallory'/));
    expect(lines).toContainEqual(expect.stringMatching(/escalation\.yaml:\d+:\d+: routes\.P1\.tiers\.1: unknown tier 'L9' \(tiers: L1, L2, L3\)/));
    expect(lines).toContainEqual(expect.stringMatching(/escalation\.yaml:\d+:\d+: sla\.business_hours\.timezone: 'Mars\/Olympus' is not a time zone/));
    expect(lines).toContainEqual(expect.stringMatching(/escalation\.yaml:\d+:\d+: sla\.business_hours\.hours\.mon\.0: '9am-6pm' is not a range like 09:00-18:00/));
    expect(lines).toHaveLength(5);
  });
});
