/** The syslog parser on recorded vendor lines and hostile bytes, and the shipped pattern file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decode, parseSyslog } from '../../agent/syslog/parse.js';
import { loadPatterns, shippedPatternsFile } from '../../agent/syslog/patterns.js';
import { tempDir } from '../helpers.js';

interface Fixture {
  vendor: string;
  line: string;
  expect: Record<string, unknown>;
  patterns: string[];
}

const NOW = new Date(2023, 9, 13, 12, 0, 0).getTime();
const fixtures = parse(readFileSync('test/fixtures/syslog/vendor-lines.yaml', 'utf8')) as Fixture[];
const patterns = loadPatterns([shippedPatternsFile()]);

describe('syslog parser on vendor lines', () => {
  for (const f of fixtures) {
    it(f.vendor, () => {
      const m = parseSyslog(Buffer.from(f.line), NOW);
      expect(m).toMatchObject({ ...f.expect, encoding: 'utf8', truncated: false });
      expect(m.timestamp, 'a timestamp').toBeGreaterThan(NOW - 400 * 86_400_000);
      expect(patterns.filter((p) => p.test(m)).map((p) => p.name)).toEqual(f.patterns);
    });
  }

  it('reads RFC 5424 with structured data and a BOM', () => {
    const m = parseSyslog(
      Buffer.from('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry'),
      NOW,
    );
    expect(m).toMatchObject({
      facility: 20,
      severity: 5,
      host: 'mymachine.example.com',
      app: 'evntslog',
      mnemonic: 'ID47',
      text: 'An application event log entry',
      timestamp: Date.parse('2003-10-11T22:14:15.003Z'),
    });
  });
});

describe('syslog parser on bad input', () => {
  it('decodes GBK from Chinese devices and marks it', () => {
    const gbk = Buffer.concat([Buffer.from('<188>Oct 13 2023 10:12:33 HUAWEI %%01SHELL/4/LOGIN_FAIL(s)[0]:'), Buffer.from([0xb5, 0xc7, 0xc2, 0xbc, 0xca, 0xa7, 0xb0, 0xdc])]);
    const m = parseSyslog(gbk, NOW);
    expect(m).toMatchObject({ encoding: 'gbk', mnemonic: 'SHELL/4/LOGIN_FAIL', text: '%%01SHELL/4/LOGIN_FAIL(s)[0]:登录失败' });
  });

  it('escapes binary and control bytes instead of passing them on', () => {
    expect(decode(Buffer.from([0x3c, 0x31, 0x3e, 0xff, 0xfe, 0x00, 0x80, 0x41]))).toEqual({ text: '<1>\\xff\\xfe\\x00\\x80A', encoding: 'binary' });
    expect(decode(Buffer.from('ok\u0000\u001b[31m'))).toEqual({ text: 'ok\\x00\\x1b[31m', encoding: 'binary' });
    for (let seed = 1; seed < 200; seed++) {
      const bytes = Buffer.from(Array.from({ length: (seed * 37) % 300 }, (_, i) => (seed * 131 + i * 17) % 256));
      expect(() => parseSyslog(bytes, NOW)).not.toThrow();
    }
  });

  it('cuts over-long messages and marks them', () => {
    const m = parseSyslog(Buffer.from(`<13>Oct 13 10:12:33 h app: ${'x'.repeat(100_000)}`), NOW, 1_000);
    expect(m.truncated).toBe(true);
    expect(m.text.length).toBeLessThan(1_000);
    expect(parseSyslog(Buffer.from('no header at all'), NOW)).toMatchObject({ facility: 1, severity: 5, text: 'no header at all' });
    expect(parseSyslog(Buffer.from('<999>x'), NOW)).toMatchObject({ severity: 5, text: '<999>x' });
  });
});

describe('syslog pattern files', () => {
  it('reports every problem with file:line:col', () => {
    const tmp = tempDir('rw-pat-');
    const file = join(tmp.dir, 'p.yaml');
    writeFileSync(file, 'patterns:\n  - name: a\n    regex: "("\n  - name: a\n    severity: warning\n  - name: b\n  - name: c\n    severity: loud\n');
    expect(() => loadPatterns([file])).toThrow([`${file}:8:15: patterns.3.severity: must be one of "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"`].join('\n'));
    writeFileSync(file, 'patterns:\n  - name: a\n    regex: "("\n  - name: a\n    severity: warning\n  - name: b\n');
    expect(() => loadPatterns([file])).toThrow(
      [
        `${file}:3:12: patterns.0.regex: invalid regular expression: Invalid regular expression: /(/: Unterminated group`,
        `${file}:4:11: patterns.1.name: pattern 'a' is already defined in ${file}`,
        `${file}:6:5: patterns.2: give at least one of mnemonic, regex, severity, facility`,
      ].join('\n'),
    );
    tmp.cleanup();
  });
});
