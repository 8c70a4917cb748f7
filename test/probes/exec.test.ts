/**
 * The exec probe with Debian's monitoring-plugins-basic (check_tcp, check_disk,
 * check_load) and hostile plugins: one that hangs with a child, one that
 * prints 1 MB, one with garbage perfdata, one that exits 7.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileExecOptions, execProbe } from '../../agent/probes/exec.js';
import { parsePluginOutput, perfFieldName } from '../../agent/probes/perfdata.js';
import { ProbeOptionsError } from '../../agent/probes/types.js';
import { REQUIRE_PEERS } from '../peers.js';
import { freePort, tempDir } from '../helpers.js';
import { gatherOnce, probeEnv } from './helpers.js';

const PLUGINS = '/usr/lib/nagios/plugins';
const HAVE_PLUGINS = existsSync(join(PLUGINS, 'check_tcp'));
if (!HAVE_PLUGINS && REQUIRE_PEERS) throw new Error('monitoring-plugins-basic is missing: apt-get install -y monitoring-plugins-basic (ROOMWATCH_REQUIRE_PEERS=1)');
const env = probeEnv();
const tmp = tempDir('rw-exec-');

function plugin(name: string, body: string): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('plugin output', () => {
  it('converts units to the catalog: %, s, ms, B, KB, MB and counters', () => {
    const out = parsePluginOutput(
      "DISK OK - free space: / 79325MiB (76%);| /=25764560896B;243497277849;257024904396;0;270552530944 'inode /var'=3%;80;90 time=0.012s rta=2.5ms;100;200 swap=512MB mem=4KB users=3;5;10\nlong text line\n| 'it''s'=7c packets=12c",
    );
    expect(out.summary).toBe('DISK OK - free space: / 79325MiB (76%);');
    expect(Object.fromEntries(out.perf.map((p) => [p.field, p.value]))).toEqual({
      root_bytes: 25764560896,
      inode_var_pct: 3,
      time_s: 0.012,
      rta_s: 0.0025,
      swap_bytes: 512 * 1024 * 1024,
      mem_bytes: 4096,
      users: 3,
      it_s_ps: 7,
      packets_ps: 12,
    });
    expect(out.perf.filter((p) => p.counter).map((p) => p.field)).toEqual(['it_s_ps', 'packets_ps']);
    expect(out.unreadable).toBe(0);
  });

  it('skips garbage items and keeps the rest', () => {
    const out = parsePluginOutput("OK | a=1 =2 b=x c=3furlongs d=NaN e=1e400 \u0000\u0001 f=2;;; f=3 'unclosed=4");
    expect(out.perf).toEqual([
      { field: 'a', value: 1, counter: false },
      { field: 'f', value: 2, counter: false },
    ]);
    expect(out.unreadable).toBe(8);
    expect(perfFieldName('/')).toBe('root');
    expect(perfFieldName('/var/log')).toBe('var_log');
    expect(perfFieldName('1min')).toBe('_1min');
  });
});

describe('exec options', () => {
  it('refuses a missing plugin, duplicate names and a shell string', () => {
    try {
      compileExecOptions(
        {
          checks: [
            { name: 'a', command: ['/nonexistent/check_x'] },
            { name: 'a', command: ['sh'], timeout: 'soon' },
          ],
        },
        'h',
      );
      expect.unreachable();
    } catch (err) {
      expect((err as ProbeOptionsError).problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
        "checks.0.command.0: '/nonexistent/check_x' is not an executable file (on PATH or as given); Debian's plugins are in /usr/lib/nagios/plugins (apt-get install monitoring-plugins-basic)",
        "checks.1.name: 'a' is already checks[0]",
        "checks.1.timeout: 'soon' is not a duration between 100 ms and 3600000 ms, e.g. 500ms or 2s",
      ]);
    }
    expect(() => compileExecOptions({ checks: [{ name: 'a', command: 'check_load -w 1' }] }, 'h')).toThrow(/checks\.0\.command/);
  });
});

describe.skipIf(!HAVE_PLUGINS)('exec with monitoring-plugins-basic', () => {
  let server: Server;
  let open = 0;
  let closed = 0;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    open = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    closed = await freePort();
  });
  afterAll(() => {
    server.close();
    tmp.cleanup();
  });

  it('reads status and perfdata from check_tcp, check_disk and check_load', async () => {
    const probe = execProbe.init(
      {
        device: 'app1',
        options: {
          checks: [
            { name: 'tcp_open', command: [`${PLUGINS}/check_tcp`, '-H', '127.0.0.1', '-p', String(open)] },
            { name: 'tcp_closed', command: [`${PLUGINS}/check_tcp`, '-H', '127.0.0.1', '-p', String(closed)] },
            { name: 'disk_root', command: [`${PLUGINS}/check_disk`, '-w', '1%', '-c', '0%', '-p', '/'] },
            { name: 'load', command: [`${PLUGINS}/check_load`, '-w', '1000,1000,1000', '-c', '2000,2000,2000'] },
            { name: 'load_crit', command: [`${PLUGINS}/check_load`, '-w', '0,0,0', '-c', '0,0,0'] },
          ],
        },
      },
      env,
    );
    const samples = await gatherOnce(probe);
    const by = (check: string) => samples.find((s) => s.tags.check === check);
    expect(by('tcp_open')?.tags.device).toBe('app1');
    expect(by('tcp_open')?.fields).toMatchObject({ status: 0, time_s: expect.any(Number), output: expect.stringMatching(/^TCP OK/) });
    expect(by('tcp_closed')?.fields).toMatchObject({ status: 2, output: expect.stringMatching(/Connection refused/) });
    expect(by('disk_root')?.fields).toMatchObject({ status: 0, root_bytes: expect.any(Number) });
    expect(by('disk_root')?.fields.root_bytes as number).toBeGreaterThan(0);
    expect(by('load')?.fields).toMatchObject({ status: 0, load1: expect.any(Number), load5: expect.any(Number), load15: expect.any(Number) });
    expect(by('load_crit')?.fields.status).toBe(2);
  });

  it('survives plugins that hang, flood, print garbage or exit oddly', async () => {
    const pidFile = join(tmp.dir, 'child.pid');
    const probe = execProbe.init(
      {
        options: {
          max_parallel: 2,
          max_output: 65_536,
          checks: [
            { name: 'hang', timeout: '300ms', command: [plugin('hang', 'sleep 300 &\necho $! > "$1"\nsleep 300'), pidFile] },
            { name: 'flood', command: [plugin('flood', "yes x | head -c 1048576\necho '|big=1'\nexit 1")] },
            { name: 'garbage', command: [plugin('garbage', "printf 'OK \\377\\376 | =1 x=y ok=5%%;;; \\001\\n'")] },
            { name: 'odd', command: [plugin('odd', 'echo broken\nexit 7')] },
            { name: 'args', command: [plugin('args', 'echo "OK $# args: $1|n=$#"'), 'a; rm -rf / $(reboot)', 'b'] },
          ],
        },
      },
      env,
    );
    const errors: string[] = [];
    const samples = await gatherOnce(probe, errors);
    const by = (check: string) => samples.find((s) => s.tags.check === check)?.fields;
    expect(by('hang')).toMatchObject({ status: 3, output: 'timed out after 300 ms; process group killed' });
    const child = Number(readFileSync(pidFile, 'utf8'));
    const state = existsSync(`/proc/${child}/stat`) ? readFileSync(`/proc/${child}/stat`, 'utf8').split(' ')[2] : 'gone';
    expect(['gone', 'Z']).toContain(state);
    // The first line is kept; the perfdata printed after the limit is not.
    expect(by('flood')).toMatchObject({ status: 1, output: 'x' });
    expect(by('flood')?.big).toBeUndefined();
    expect(by('garbage')).toMatchObject({ status: 0, ok_pct: 5 });
    expect(by('odd')).toMatchObject({ status: 3, output: 'exit code 7: broken' });
    expect(by('args')).toMatchObject({ status: 0, output: 'OK 2 args: a; rm -rf / $(reboot)', n: 2 });
    expect(errors).toEqual(['check flood: output cut at the max_output limit', 'check garbage: 3 perfdata item(s) unreadable']);
  });

  it('runs at most max_parallel plugins at once', async () => {
    const log = join(tmp.dir, 'parallel.log');
    writeFileSync(log, '');
    const script = plugin('slow', 'echo "+" >> "$1"; sleep 0.2; echo "-" >> "$1"; echo OK');
    const checks = Array.from({ length: 6 }, (_, i) => ({ name: `slow${i}`, command: [script, log] }));
    const samples = await gatherOnce(execProbe.init({ options: { max_parallel: 2, checks } }, env));
    expect(samples.map((s) => s.fields.status)).toEqual([0, 0, 0, 0, 0, 0]);
    let running = 0;
    let most = 0;
    for (const mark of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      running += mark === '+' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(running).toBe(0);
  });

  it('turns a counter into a rate between runs', async () => {
    const counter = join(tmp.dir, 'count');
    writeFileSync(counter, '100');
    const probe = execProbe.init({ options: { checks: [{ name: 'ifc', command: [plugin('ctr', `v=$(cat "$1"); echo "OK|octets=\${v}c"`), counter] }] } }, env);
    let now = 1_700_000_000_000;
    const run = () => probe.gather({ signal: AbortSignal.timeout(10_000), now: () => now });
    expect((await run())[0]?.fields.octets_ps).toBeUndefined();
    writeFileSync(counter, '700');
    now += 60_000;
    expect((await run())[0]?.fields.octets_ps).toBe(10);
  });

  it('accepts the sample', () => {
    const sample = parse(readFileSync('agent/probes/exec.sample.yaml', 'utf8')) as Array<{ options: unknown }>;
    for (const t of sample) expect(() => compileExecOptions(t.options, 'h')).not.toThrow();
  });
});
