/**
 * Defect 7 of the hardening campaign: `agent --check` passed `interval: 0s`
 * (2,534 batches in 5 s), a bare `interval: 15` (15 ms), `spool.max_size: 1`
 * and `spool.dir: /etc/passwd`, and the agent then died. All are refused with
 * file:line:col.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config.js';
import { ConfigError } from '../../lib/config.js';
import { tempDir } from '../helpers.js';

function errorsOf(yaml: string): string[] {
  const tmp = tempDir();
  const file = join(tmp.dir, 'agent.yaml');
  writeFileSync(file, yaml);
  try {
    loadAgentConfig(file, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n').map((l) => l.replace(`${file}:`, 'agent.yaml:'));
    throw err;
  } finally {
    tmp.cleanup();
  }
  return [];
}

const base = (extra: string) => `collector:\n  url: http://127.0.0.1:8080\n  token: abc\n${extra}targets:\n  - probe: host\n`;

describe('agent config bounds', () => {
  it('refuses a zero interval and a bare number', () => {
    expect(errorsOf(base('interval: 0s\n'))).toContainEqual("agent.yaml:4:11: interval: '0s' is too short; the minimum is 1000 ms");
    expect(errorsOf(base('interval: 15\n'))).toContainEqual('agent.yaml:4:11: interval: 15 has no unit; write e.g. 15s or 15ms');
  });

  it('refuses a tiny spool and a spool directory that is a file', () => {
    const errors = errorsOf(base('spool:\n  dir: /etc/passwd\n  max_size: 1\n'));
    expect(errors).toContainEqual('agent.yaml:6:13: spool.max_size: 1 has no unit; write e.g. 1MiB');
    expect(errors).toContainEqual('agent.yaml:5:8: spool.dir: /etc/passwd exists and is not a directory');
    expect(errorsOf(base('spool:\n  max_size: 1KB\n'))).toContainEqual("agent.yaml:5:13: spool.max_size: '1KB' is too small; the spool needs at least 1MiB");
    expect(errorsOf(base('spool:\n  dir: /etc/passwd/spool\n'))).toContainEqual('agent.yaml:5:8: spool.dir: /etc/passwd/spool cannot be created: /etc/passwd is not a directory');
  });

  it('accepts sane values', () => {
    const tmp = tempDir();
    expect(errorsOf(base(`interval: 15s\nspool:\n  dir: ${join(tmp.dir, 'new', 'spool')}\n  max_size: 64MiB\n`))).toEqual([]);
    tmp.cleanup();
  });
});
