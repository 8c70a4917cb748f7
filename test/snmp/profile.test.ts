/**
 * Profile loading and selection, and the profile expression language.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { compileExpr, ExprError } from '../../agent/snmp/expr.js';
import { loadProfiles } from '../../agent/snmp/profile.js';
import { shippedProfilesDir } from '../../agent/snmp/shared.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rw-prof-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(dirs: string[]): string[] {
  try {
    loadProfiles(dirs);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}

describe('SNMP profiles', () => {
  it('loads every shipped profile, each with a description and every extends resolved', () => {
    const set = loadProfiles([shippedProfilesDir()]);
    expect(set.names.length).toBeGreaterThanOrEqual(3);
    for (const name of set.names) {
      const p = set.get(name);
      expect(p?.description, name).toBeTruthy();
      expect(p?.chain.at(-1)).toBe(name);
    }
  });

  it('reports every problem of a broken profile at once, with file:line:col', () => {
    const dir = dirWith({
      'bad.yaml': [
        'name: bad',
        'description: broken on purpose',
        'extends: [nothere]',
        'match:',
        '  - sys_descr: "([unclosed"',
        'scalars:',
        '  - metric: ups.charge_pct',
        '    oid: 1.3.6.1.2.1.33.1.2.4.0',
        '    counter: true',
        '    map: { 1: 1 }',
        '  - metric: ups.x',
        '    oid: 1.3.6.1.2.1.33.1.2.5.0',
        '    expr: "value * * 2"',
        'tables:',
        '  - name: t',
        '    tags: { port: "{nosuch}" }',
        '    metrics:',
        '      - metric: fc.port_up',
        '        expr: "unknown_col + 1"',
        '',
      ].join('\n'),
      'typo.yaml': 'name: typo\ndescription: x\nscalar: []\n',
    });
    const problems = problemsOf([dir]);
    const text = problems.join('\n');
    expect(text).toMatch(/bad\.yaml:3:\d+: extends\.0: no profile is named 'nothere'/);
    expect(text).toMatch(/bad\.yaml:5:\d+: .*not a regular expression/);
    expect(text).toMatch(/bad\.yaml:10:\d+: scalars\.0\.map: a counter cannot have an enum map/);
    expect(text).toMatch(/bad\.yaml:13:\d+: .*expr 'value \* \* 2'.*character 9/);
    expect(text).toMatch(/bad\.yaml:16:\d+: .*template reads \{nosuch\}/);
    expect(text).toMatch(/bad\.yaml:19:\d+: .*reads 'unknown_col'/);
    expect(text).toMatch(/typo\.yaml:3:1: .*unknown key 'scalar'/);
  });

  it('refuses a name used twice and an extends cycle', () => {
    const a = dirWith({ 'x.yaml': 'name: x\ndescription: a\nextends: [y]\n', 'y.yaml': 'name: y\ndescription: b\nextends: [x]\n' });
    expect(problemsOf([a]).join('\n')).toMatch(/extends forms a cycle/);
    const b = dirWith({ 'if-mib.yaml': 'name: if-mib\ndescription: shadow\n' });
    expect(problemsOf([shippedProfilesDir(), b]).join('\n')).toMatch(/profile 'if-mib' is already defined in .*agent\/profiles\/if-mib\.yaml/);
  });

  it('chooses the most specific match: longest sysObjectID prefix, then sysDescr, then an existing OID', () => {
    const dir = dirWith({
      'base.yaml': 'name: base\ndescription: b\nmatch: [{ sys_object_id: 1.3.6.1.4.1.9 }]\n',
      'deep.yaml': 'name: deep\ndescription: d\nmatch: [{ sys_object_id: 1.3.6.1.4.1.9.1 }]\n',
      'asa.yaml': 'name: asa\ndescription: a\nmatch: [{ sys_object_id: 1.3.6.1.4.1.9.1, sys_descr: "adaptive security" }]\n',
      'probe.yaml': 'name: probe\ndescription: p\nmatch: [{ sys_object_id: 1.3.6.1.4.1.9.1, oid_exists: 1.3.6.1.4.1.9.9.1.0 }]\n',
    });
    const set = loadProfiles([dir]);
    expect(set.select({ sysObjectID: '1.3.6.1.4.1.9.5.1' })?.name).toBe('base');
    expect(set.select({ sysObjectID: '1.3.6.1.4.1.9.1.634', sysDescr: 'Cisco IOS' })?.name).toBe('deep');
    expect(set.select({ sysObjectID: '1.3.6.1.4.1.9.1.2404', sysDescr: 'Cisco Adaptive Security Appliance' })?.name).toBe('asa');
    expect(set.existenceOids({ sysObjectID: '1.3.6.1.4.1.9.1.1' })).toEqual(['1.3.6.1.4.1.9.9.1.0']);
    expect(set.select({ sysObjectID: '1.3.6.1.4.1.9.1.1' }, (oid) => oid === '1.3.6.1.4.1.9.9.1.0')?.name).toBe('probe');
    // A prefix must end at an arc: 1.3.6.1.4.1.90 is not under 1.3.6.1.4.1.9.
    expect(set.select({ sysObjectID: '1.3.6.1.4.1.90.1' })).toBeUndefined();
  });
});

describe('profile expressions', () => {
  const scope = (vars: Record<string, number | string | undefined>) => (name: string) => vars[name];
  it('computes arithmetic, comparisons and functions', () => {
    expect(compileExpr('max(if.in_bps, if.out_bps) / (speed * 1e6) * 100').evaluate(scope({ 'if.in_bps': 5e6, 'if.out_bps': 2e7, speed: 100 }))).toBe(20);
    expect(compileExpr('100 - value').evaluate(scope({ value: 93 }))).toBe(7);
    expect(compileExpr('type == "1.3.6.1.2.1.25.2.1.4"').evaluate(scope({ type: '1.3.6.1.2.1.25.2.1.4' }))).toBe(1);
    expect(compileExpr('status == 8').evaluate(scope({ status: '8' }))).toBe(1);
    expect(compileExpr('if(total > 0, used / total * 100, 0)').evaluate(scope({ total: 0, used: 5 }))).toBe(0);
    expect(compileExpr('default(hc, low)').evaluate(scope({ low: 3 }))).toBe(3);
    expect(compileExpr('round(2 / 3, 2)').evaluate(scope({}))).toBe(0.67);
  });

  it('yields undefined, never NaN or 0, when an input is missing or a division is by zero', () => {
    expect(compileExpr('a / b').evaluate(scope({ a: 1, b: 0 }))).toBeUndefined();
    expect(compileExpr('a + 1').evaluate(scope({}))).toBeUndefined();
    expect(compileExpr('a * 2').evaluate(scope({ a: 'garbage' }))).toBeUndefined();
    expect(compileExpr('max(a, b)').evaluate(scope({ b: 4 }))).toBe(4);
    expect(compileExpr('max(a, b)').evaluate(scope({}))).toBeUndefined();
  });

  it('names the column of a syntax error and lists the functions for an unknown one', () => {
    expect(() => compileExpr('a + (b')).toThrow(ExprError);
    expect(() => compileExpr('a +* b')).toThrow(expect.objectContaining({ name: 'ExprError', column: 4 }));
    expect(() => compileExpr('avg(a)')).toThrow(/unknown function 'avg'; use one of min, max/);
    expect(() => compileExpr('if(a, b)')).toThrow(/if\(\) takes 3 arguments/);
  });
});

describe('the README', () => {
  it("'Adding a vendor' example is a profile that loads", async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Adding a vendor'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] as string;
    expect(yaml).toContain('name: acme-pdu');
    const dir = dirWith({ 'acme-pdu.yaml': yaml });
    const set = loadProfiles([shippedProfilesDir(), dir]);
    const p = set.get('acme-pdu');
    expect(p?.chain).toEqual(['if-mib', 'acme-pdu']);
    expect(set.select({ sysObjectID: '1.3.6.1.4.1.99999.2.7' })?.name).toBe('acme-pdu');
    expect(set.trap('1.3.6.1.4.1.99999.2.0.6')?.clears).toEqual(['pdu_overload']);
  });
});
