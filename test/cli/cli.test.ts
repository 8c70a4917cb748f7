/**
 * Command-line conventions, for every command the program defines (the list
 * is walked from bin/program.ts, so a new command is covered by itself):
 * --help on stdout with exit 0, unknown options refused with exit 2,
 * --version, --json where a command lists or shows, and start-up errors as
 * one line with exit 1.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../bin/program.js';
import { packageRoot } from '../../lib/paths.js';
import { tempDir } from '../helpers.js';

const exec = promisify(execFile);
const CLI = join(packageRoot(), 'dist', 'bin', 'roomwatch.js');
const AGENT_BUNDLE = join(packageRoot(), 'dist', 'roomwatch-agent.mjs');
const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
async function run(file: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [file, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every command path ('rules check', 'snmp probe', …), groups included; not the implicit help command. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}
const program = buildProgram(() => undefined);
const paths = commandPaths(program);

/** The least a command needs before an option can be judged: its required arguments and options. */
function minimalArgs(path: string[]): string[] {
  let cmd: Command = program;
  for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
  const args = cmd.registeredArguments.filter((a) => a.required).map(() => 'x');
  const opts = cmd.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, 'x']);
  return [...args, ...opts];
}
const leaves = paths.filter((p) => !paths.some((q) => q.length > p.length && p.every((w, i) => q[i] === w)));

describe('roomwatch command line', () => {
  it('walks a program with every documented command', () => {
    expect(leaves.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['start', 'collector', 'agent', 'token new', 'rules check', 'rules test', 'report', 'snmp probe']));
  });

  it('prints help for the program and for every command on stdout, exit 0', async () => {
    const top = await run(CLI, ['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: roomwatch /);
    const results = await Promise.all(paths.map(async (p) => ({ p, r: await run(CLI, [...p, '--help']) })));
    for (const { p, r } of results) {
      expect(r.code, p.join(' ')).toBe(0);
      expect(r.stdout, p.join(' ')).toContain(`Usage: roomwatch ${p.join(' ')}`);
    }
  });

  it('refuses unknown options on every command with exit 2 and one error line', async () => {
    const results = await Promise.all(leaves.map(async (p) => ({ p, r: await run(CLI, [...p, ...minimalArgs(p), '--no-such-option']) })));
    for (const { p, r } of results) {
      expect(r.code, p.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], p.join(' ')).toBe("error: unknown option '--no-such-option'");
    }
  });

  it('answers --version, and exit 2 for no command or an unknown one', async () => {
    expect((await run(CLI, ['--version'])).stdout.trim()).toBe(version);
    expect((await run(CLI, [])).code).toBe(2);
    const unknown = await run(CLI, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const badPort = await run(CLI, ['start', '--port', '99999']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port <n>' argument '99999' is invalid/);
  });

  it('gives JSON where a command lists or shows', async () => {
    const tmp = tempDir();
    try {
      const token = JSON.parse((await run(CLI, ['token', 'new', 'db01', '--json'])).stdout) as { name: string; token: string; token_sha256: string };
      expect(token.name).toBe('db01');
      expect(token.token_sha256).toMatch(/^[0-9a-f]{64}$/);
      const rules = JSON.parse((await run(CLI, ['rules', 'check', '--json'])).stdout) as { ok: boolean; files: Array<{ group: string; rules: number }> };
      expect(rules.ok).toBe(true);
      expect(rules.files.some((f) => f.group === 'ups' && f.rules > 0)).toBe(true);
      const bad = join(tmp.dir, 'bad.yaml');
      writeFileSync(bad, 'group: g\nrules:\n  - name: x\n    when: cpu.usage_pct >\n    priority: P3\n');
      const refused = await run(CLI, ['rules', 'check', bad, '--json']);
      expect(refused.code).toBe(1);
      expect((JSON.parse(refused.stdout) as { problems: Array<{ line: number }> }).problems[0]?.line).toBe(4);
      const agentFile = join(tmp.dir, 'agent.yaml');
      writeFileSync(agentFile, 'collector: { url: "http://127.0.0.1:8080", token: x }\ntargets:\n  - probe: host\n');
      const check = JSON.parse((await run(CLI, ['agent', '--config', agentFile, '--check', '--json'])).stdout) as { ok: boolean; targets: Array<{ probe: string }> };
      expect(check).toMatchObject({ ok: true, targets: [{ probe: 'host' }] });
    } finally {
      tmp.cleanup();
    }
  });

  it('reports a port in use as one line and exits 1', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const tmp = tempDir();
    try {
      const r = await run(CLI, ['start', '--port', String(port), '--data', join(tmp.dir, 'data')]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toEqual([`roomwatch: listen EADDRINUSE: address already in use 127.0.0.1:${port}`]);
    } finally {
      busy.close();
      tmp.cleanup();
    }
  });
});

describe('roomwatch-agent command line (the bundle)', () => {
  it('prints help and version, and refuses unknown options', async () => {
    const help = await run(AGENT_BUNDLE, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: roomwatch-agent /);
    expect((await run(AGENT_BUNDLE, ['--version'])).stdout.trim()).toBe(version);
    expect((await run(AGENT_BUNDLE, ['--bogus'])).code).toBe(2);
    const noConfig = await run(AGENT_BUNDLE, []);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/required option '-c, --config <file>' not specified/);
  });
});
