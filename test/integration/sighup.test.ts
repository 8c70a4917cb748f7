/** SIGHUP reloads the rule files of a running collector process; a broken file keeps the old rules. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authHeaders, ROLE_TOKENS, tempDir } from '../helpers.js';
import { sha256Hex } from '../../collector/ingest/auth.js';

const CLI = join(process.cwd(), 'dist/bin/roomwatch.js');
const rule = (name: string) => `group: g\nrules:\n  - name: ${name}\n    when: cpu.usage_pct > 90\n    priority: P3\n`;

describe('collector reload on SIGHUP', () => {
  it('applies a good file and refuses a broken one', async () => {
    const tmp = tempDir();
    const rules = join(tmp.dir, 'g.yaml');
    writeFileSync(rules, rule('first'));
    writeFileSync(
      join(tmp.dir, 'collector.yaml'),
      `listen: { port: 0 }\ndata_dir: ./data\nrules:\n  paths: [g.yaml]\nauth:\n  tokens: [{ name: test-admin, role: admin, token_sha256: ${sha256Hex(ROLE_TOKENS.admin)} }]\n`,
    );
    const child = spawn(process.execPath, [CLI, 'collector', '--config', join(tmp.dir, 'collector.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
          if (m) {
            clearInterval(timer);
            resolve(m[1] as string);
          }
        }, 50);
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const names = async () => ((await (await fetch(`${url}/api/v1/rules`, { headers: authHeaders() })).json()) as { rules: Array<{ name: string }> }).rules.map((r) => r.name);
      const until = async (cond: () => boolean) => {
        for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
      };
      expect(await names()).toEqual(['first']);
      writeFileSync(rules, rule('second'));
      child.kill('SIGHUP');
      await until(() => out.includes('rules reloaded'));
      expect(await names()).toEqual(['second']);
      writeFileSync(rules, rule('third').replace('P3', 'P0'));
      child.kill('SIGHUP');
      await until(() => out.includes('rules NOT reloaded'));
      expect(out).toMatch(/rules NOT reloaded/);
      expect(await names()).toEqual(['second']);
      const audit = (await (await fetch(`${url}/api/v1/audit?action=rules.reload`, { headers: authHeaders() })).json()) as { entries: Array<{ actor: string; via: string; detail: { ok: boolean } }> };
      expect(audit.entries.map((e) => [e.actor, e.via, e.detail.ok])).toEqual([
        ['SIGHUP', 'signal', false],
        ['SIGHUP', 'signal', true],
      ]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      tmp.cleanup();
    }
  });
});
