/**
 * The `exec` probe: runs Nagios / Icinga / Monitoring-Plugins compatible
 * checks. The exit code is check.status (0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN) and the performance data become check.<label>_<unit> fields
 * (perfdata.ts); running is in exec-run.ts. See exec.sample.yaml.
 *
 * A plugin that fails, hangs or prints garbage is data (status 3 with the
 * reason in check.output); only the agent's own trouble is a probe error.
 */
import Type, { type Static } from 'typebox';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { MAX_STRING_FIELD_CHARS } from '../../collector/contract/index.js';
import { runPlugin, type RunResult } from './exec-run.js';
import { mapLimit } from './limit.js';
import { CHECK } from './net-metrics.js';
import { checkSchema, durationOption, findExecutable } from './options.js';
import { parsePluginOutput } from './perfdata.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type TargetSpec } from './types.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const EnvMap = Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ maxLength: 4096 }));

const ExecCheck = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', maxLength: 128 }),
    /** An argument list: the first item is the plugin, the rest its arguments. No shell. */
    command: Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 256 }),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    timeout: Type.Optional(Duration),
    env: Type.Optional(EnvMap),
  },
  { additionalProperties: false },
);

export const ExecOptionsSchema = Type.Object(
  {
    checks: Type.Array(ExecCheck, { minItems: 1, maxItems: 1_000 }),
    timeout: Type.Optional(Duration),
    max_parallel: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    max_output: Type.Optional(Type.Integer({ minimum: 1_024, maximum: 16 * 1024 * 1024 })),
    /** The status a timed-out plugin gets: 3 UNKNOWN (Icinga's habit) or 2 CRITICAL (Nagios's). */
    timeout_status: Type.Optional(Type.Union([Type.Literal(2), Type.Literal(3)])),
    env: Type.Optional(EnvMap),
  },
  { additionalProperties: false },
);
export type ExecOptions = Static<typeof ExecOptionsSchema>;

export const EXEC_DEFAULTS = { timeoutMs: 10_000, maxParallel: 4, maxOutputBytes: 64 * 1024, timeoutStatus: 3 as 2 | 3, killGraceMs: 1_000 };

interface CompiledCheck {
  name: string;
  argv: string[];
  device: string;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

export interface CompiledExec {
  checks: CompiledCheck[];
  maxParallel: number;
  maxOutputBytes: number;
  timeoutStatus: 2 | 3;
}

/**
 * Plugins parse their own output and numbers with the C locale; a German or
 * Chinese LANG would turn `0.5` into `0,5` and break the perfdata.
 */
function pluginEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', ...extra };
}

export function compileExecOptions(options: unknown, device: string): CompiledExec {
  const o = checkSchema<ExecOptions>(ExecOptionsSchema, options);
  const problems: OptionProblem[] = [];
  const timeoutMs = durationOption(problems, ['timeout'], o.timeout, EXEC_DEFAULTS.timeoutMs, 100, 3_600_000);
  const names = new Map<string, number>();
  const checks = o.checks.map((c, i): CompiledCheck => {
    const program = c.command[0] as string;
    if (!program) problems.push({ path: ['checks', i, 'command', 0], message: 'the first item is the plugin to run' });
    else if (!findExecutable(program))
      problems.push({
        path: ['checks', i, 'command', 0],
        message: `'${program}' is not an executable file (on PATH or as given); Debian's plugins are in /usr/lib/nagios/plugins (apt-get install monitoring-plugins-basic)`,
      });
    if (names.has(c.name)) problems.push({ path: ['checks', i, 'name'], message: `'${c.name}' is already checks[${names.get(c.name)}]` });
    names.set(c.name, i);
    return {
      name: c.name,
      argv: c.command,
      device: c.device ?? device,
      timeoutMs: durationOption(problems, ['checks', i, 'timeout'], c.timeout, timeoutMs, 100, 3_600_000),
      env: pluginEnv({ ...o.env, ...c.env }),
    };
  });
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  return {
    checks,
    maxParallel: o.max_parallel ?? EXEC_DEFAULTS.maxParallel,
    maxOutputBytes: o.max_output ?? EXEC_DEFAULTS.maxOutputBytes,
    timeoutStatus: o.timeout_status ?? EXEC_DEFAULTS.timeoutStatus,
  };
}

/** The previous value of each counter, for rates between runs. */
type CounterMemory = Map<string, { value: number; ts: number }>;

/** Turns one run into the check sample; `problems` hears about unreadable perfdata. */
export function checkSample(c: CompiledCheck, run: RunResult, timeoutStatus: 2 | 3, counters: CounterMemory, ts: number, problem: (m: string) => void): Sample {
  const parsed = parsePluginOutput(run.output);
  let status: number;
  let output = parsed.summary;
  if (run.spawnError) {
    status = 3;
    output = `cannot run ${c.argv[0]}: ${run.spawnError}`;
  } else if (run.timedOut) {
    status = timeoutStatus;
    output = `timed out after ${c.timeoutMs} ms; process group killed${output ? ` (${output})` : ''}`;
  } else if (run.code !== undefined && run.code >= 0 && run.code <= 3) {
    status = run.code;
  } else {
    // Exit codes outside 0–3 and deaths by signal are the plugin failing, which the guidelines call UNKNOWN.
    status = 3;
    output = `${run.signal ? `killed by ${run.signal}` : `exit code ${run.code}`}${output ? `: ${output}` : ''}`;
  }
  const fields: Sample['fields'] = { [CHECK.status]: status, [CHECK.durationMs]: run.durationMs, [CHECK.output]: output.slice(0, MAX_STRING_FIELD_CHARS) || '(no output)' };
  if (!run.timedOut && !run.spawnError) {
    for (const p of parsed.perf) {
      if (p.field in fields) continue;
      if (!p.counter) {
        fields[p.field] = p.value;
        continue;
      }
      const key = `${c.name}\u0000${p.field}`;
      const before = counters.get(key);
      counters.set(key, { value: p.value, ts });
      // A counter that went down was reset (a restart); its new value is the increase, as in rules' rate().
      if (before && ts > before.ts) fields[p.field] = Math.round(((p.value >= before.value ? p.value - before.value : p.value) / ((ts - before.ts) / 1000)) * 1000) / 1000;
    }
    if (parsed.unreadable > 0) problem(`check ${c.name}: ${parsed.unreadable} perfdata item(s) unreadable`);
  }
  if (run.truncated) problem(`check ${c.name}: output cut at the max_output limit`);
  return { measurement: CHECK.measurement, tags: { device: c.device, [CHECK.tagCheck]: c.name }, fields, ts };
}

export class ExecProbe implements Probe {
  private readonly counters: CounterMemory = new Map();

  constructor(private readonly compiled: CompiledExec) {}

  devices(): DeviceMeta[] {
    return [];
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    const { checks, maxParallel, maxOutputBytes, timeoutStatus } = this.compiled;
    const runs = await mapLimit(checks, maxParallel, (c) =>
      runPlugin({ argv: c.argv, env: c.env, timeoutMs: c.timeoutMs, maxOutputBytes, killGraceMs: EXEC_DEFAULTS.killGraceMs, signal: ctx.signal }),
    );
    const ts = ctx.now();
    return checks.map((c, i) => checkSample(c, runs[i] as RunResult, timeoutStatus, this.counters, ts, (m) => ctx.error?.(m)));
  }
}

export const execProbe: ProbeKind<ExecOptions> = {
  kind: 'exec',
  options: ExecOptionsSchema,
  init: (target: TargetSpec<ExecOptions>, env: ProbeEnv) => new ExecProbe(compileExecOptions(target.options, target.device ?? env.hostname)),
};
