import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config.js';
import { loadCollectorConfig } from '../../collector/config.js';
import { ConfigError } from '../../lib/config.js';
import { parseDuration, parseSize, formatDuration } from '../../lib/units.js';
import { tempDir } from '../helpers.js';

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('units', () => {
  it('parses durations and sizes as engineers write them', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('15 seconds')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(parseSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('1GB')).toBe(1e9);
    expect(parseSize('12 parsecs')).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
});

describe('agent.yaml', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  const write = (text: string) => {
    const file = join(tmp.dir, 'agent.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('loads the shipped example with defaults filled in', () => {
    const config = loadAgentConfig('examples/agent.yaml', { ROOMWATCH_TOKEN: 'secret' });
    expect(config.name).toBe('db01');
    expect(config.collector.token).toBe('secret');
    expect(config.intervalMs).toBe(15_000);
    expect(config.spool).toEqual({ dir: '/var/lib/roomwatch/spool', maxBytes: 256 * 1024 * 1024 });
    expect(config.targets).toHaveLength(1);
    expect(config.targets[0]).toMatchObject({ probe: 'host', intervalMs: 15_000, timeoutMs: 15_000 });
  });

  it('reports every problem at once with file:line:col', () => {
    const file = write(
      [
        'collector:',
        '  url: http://127.0.0.1:8080',
        '  token: abc',
        'interval: 15 seconds',
        'colour: blue',
        'targets:',
        '  - probe: host',
        '    options:',
        '      processs: [sshd]',
        '  - probe: telepathy',
        '  - probe: host',
        '    name: h2',
        '    cron: "61 * * * *"',
        '',
      ].join('\n'),
    );
    const errors = errorsOf(() => loadAgentConfig(file, {}));
    expect(errors).toEqual([
      `${file}:5:1: colour: unknown key 'colour' (valid keys: agent, collector, interval, jitter, batch, spool, snmp, targets)`,
      `${file}:4:11: interval: '15 seconds' is not a duration (write e.g. 500ms, 15s, 5m, 1h, 1d)`,
      `${file}:13:11: targets.2.cron: '61 * * * *' is not a cron expression (minute: 61 is a invalid expression for minute); e.g. "*/5 * * * *"`,
      `${file}:9:7: targets.0.options.processs: unknown key 'processs' (valid keys: processes, ntp_server, mounts, interfaces, disks, class, backend, services)`,
      `${file}:10:12: targets.1.probe: unknown probe 'telepathy' (known: host, snmp, ssh, oracle, ping, tcp, http, exec, syslog)`,
    ]);
  });

  it('refuses a missing token source and names the environment variable', () => {
    const file = write('collector:\n  url: http://x:1\n  token_env: RW_TOKEN\ntargets: []\n');
    expect(errorsOf(() => loadAgentConfig(file, {}))).toEqual([`${file}:3:14: collector.token_env: environment variable RW_TOKEN is not set`]);
    const both = write('collector:\n  url: http://x:1\n  token: a\n  token_file: /nope\ntargets: []\n');
    expect(errorsOf(() => loadAgentConfig(both, {}))[0]).toMatch(/give exactly one of token, token_file or token_env \(found token, token_file\)/);
  });

  it('reports YAML syntax errors with their position', () => {
    const file = write('collector:\n  url: [unclosed\ntargets: []\n');
    const errors = errorsOf(() => loadAgentConfig(file, {}));
    expect(errors[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
  });

  it('names an alias without its anchor, and aliases that expand without bound, instead of throwing', () => {
    const dangling = write('collector: { url: "http://x:1", token: t }\ntargets:\n  - *nosuch\n');
    expect(errorsOf(() => loadAgentConfig(dangling, {}))).toEqual([`${dangling}:3:5: alias *nosuch has no anchor &nosuch before it`]);
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
    ])
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    const laughs = write(`${rows.join('\n')}\n`);
    expect(errorsOf(() => loadAgentConfig(laughs, {}))).toEqual([`${laughs}:1:1: cannot be read: Excessive alias count indicates a resource exhaustion attack`]);
  });

  it('refuses a timeout longer than the interval', () => {
    const file = write('collector:\n  url: http://x:1\n  token: t\ntargets:\n  - probe: host\n    interval: 10s\n    timeout: 1m\n');
    expect(errorsOf(() => loadAgentConfig(file, {}))).toEqual([`${file}:7:14: targets.0.timeout: timeout must not exceed the interval (10000 ms)`]);
  });
});

describe('collector.yaml', () => {
  it('loads the shipped example', () => {
    process.env.ROOMWATCH_SMTP_PASSWORD = 'x';
    process.env.ROOMWATCH_SMS_SECRET = 'y';
    process.env.ROOMWATCH_SMS_REPLY_SECRET = 'reply-secret-0123456789';
    const config = loadCollectorConfig('examples/collector.yaml');
    delete process.env.ROOMWATCH_SMTP_PASSWORD;
    delete process.env.ROOMWATCH_SMS_SECRET;
    delete process.env.ROOMWATCH_SMS_REPLY_SECRET;
    expect(config.incidents.baseUrl).toBe('https://noc.example/');
    expect(config.notify.smsReply).toEqual({ secret: 'reply-secret-0123456789', windowMs: 300_000 });
    expect(config.notify.channels.map((c) => c.name)).toEqual(['email', 'sms', 'wecom']);
    expect(config.incidents.policy).toMatch(/examples\/escalation\.yaml$/);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.store).toEqual({ kind: 'sqlite', retentionMs: 30 * 86_400_000, chunkMs: 86_400_000, synchronous: 'full' });
    expect(config.agents).toEqual([{ name: 'db01', tokenSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }]);
    expect(config.ingest.maxBodyBytes).toBe(16 * 1024 * 1024);
    expect(config.ingest.names).toBe('accept');
  });

  it('refuses an SMS reply callback without one good secret, and ends base_url in a slash', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'collector.yaml');
      writeFileSync(file, 'incidents:\n  base_url: https://noc.example/rw\nnotify:\n  sms_reply:\n    secret: short\n');
      expect(errorsOf(() => loadCollectorConfig(file))).toEqual([`${file}:5:13: notify.sms_reply.secret: the shared secret must be at least 16 characters`]);
      writeFileSync(file, 'notify:\n  sms_reply:\n    secret: a-long-enough-secret\n    secret_env: X\n');
      expect(errorsOf(() => loadCollectorConfig(file))).toEqual([`${file}:4:17: notify.sms_reply.secret_env: give exactly one of secret, secret_env or secret_file`]);
      writeFileSync(file, 'incidents:\n  base_url: https://noc.example/rw\n');
      expect(loadCollectorConfig(file).incidents.baseUrl).toBe('https://noc.example/rw/');
    } finally {
      tmp.cleanup();
    }
  });

  it('names bad values', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'collector.yaml');
    writeFileSync(
      file,
      ['store:', '  retention: forever', '  synchronous: sometimes', 'agents:', '  - name: a', `    token_sha256: ${'a'.repeat(64)}`, '  - name: a', '    token_sha256: not-a-hash', ''].join('\n'),
    );
    const errors = errorsOf(() => loadCollectorConfig(file));
    tmp.cleanup();
    expect(errors).toContainEqual(`${file}:3:16: store.synchronous: must be one of "full", "normal"`);
    expect(errors).toContainEqual(expect.stringMatching(new RegExp(`^${file}:8:19: agents.1.token_sha256: must match pattern`)));
  });

  it('reads the line-protocol name policy and names a wrong one', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'collector.yaml');
    writeFileSync(file, 'ingest:\n  line_protocol:\n    names: sanitise\n');
    expect(loadCollectorConfig(file).ingest.names).toBe('sanitise');
    writeFileSync(file, 'ingest:\n  line_protocol:\n    names: loose\n');
    const errors = errorsOf(() => loadCollectorConfig(file));
    tmp.cleanup();
    expect(errors).toEqual([`${file}:3:12: ingest.line_protocol.names: must be one of "accept", "sanitise", "strict"`]);
  });

  it('names an agent listed twice and a retention that does not parse', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'collector.yaml');
    const hash = 'a'.repeat(64);
    writeFileSync(file, `store:\n  retention: forever\nagents:\n  - name: a\n    token_sha256: ${hash}\n  - name: a\n    token_sha256: ${hash}\n`);
    const errors = errorsOf(() => loadCollectorConfig(file));
    tmp.cleanup();
    expect(errors).toEqual([`${file}:6:11: agents.1.name: agent 'a' is listed twice`, `${file}:2:14: store.retention: 'forever' is not a duration (write e.g. 500ms, 15s, 5m, 1h, 1d)`]);
  });
});
