#!/usr/bin/env node
/**
 * roomwatch CLI.
 *   roomwatch start      [--collector-config FILE] [--data DIR]   collector + a local host agent
 *   roomwatch collector  [--config FILE]
 *   roomwatch agent      --config FILE [--check]
 *   roomwatch token new  NAME                                   a new agent token and its hash
 *   roomwatch rules check [PATH…] | rules test FILE…           validate rule files / run rule tests
 *   roomwatch snmp probe HOST [options]                        the profile and samples of one SNMP device
 *   roomwatch report [--date D] [--lang L] [--out FILE]        the daily health-check report on demand
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config.js';
import { createLogger } from '../lib/log.js';

const USAGE = `usage:
  roomwatch start [--collector-config FILE] [--data DIR] [--port N]
      collector on http://127.0.0.1:8080 plus a local agent probing this host (embedded SQLite store)
  roomwatch collector [--config FILE]
  roomwatch agent --config FILE [--check]
  roomwatch token new NAME
  roomwatch rules check [PATH...] [--require-lang zh-CN]
      validate rule files (default: the shipped rules/), flag text that claims more than the rule sees and,
      with --require-lang (repeatable), a rule missing its summary or runbook in that language; exit 1 on problems
  roomwatch rules test FILE...        run rule test files; exit 1 on failures
  roomwatch snmp probe HOST [--community C | --v3 --user U ...] [--profile NAME] [--rates N]
      the profile that matches an SNMP device and the samples the agent would send
  roomwatch report [--config FILE] [--date YYYY-MM-DD] [--lang zh-CN|en] [--out FILE] [--format html|text] [--site S] [--archive]
      the daily health-check report (default: yesterday in the report's time zone)
  roomwatch report --period week|month [--date MONDAY|YYYY-MM] [--lang …] [--out FILE] [--archive]
      the weekly or monthly report (default: the last complete week or month)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // snmp has options of its own, so it parses its arguments itself.
  if (command === 'snmp') {
    const snmp = await import('./snmp-commands.js');
    if (rest[0] !== 'probe') throw new UsageError(snmp.SNMP_USAGE.trimEnd());
    return snmp.runSnmpProbe(rest.slice(1));
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      'collector-config': { type: 'string' },
      data: { type: 'string' },
      port: { type: 'string' },
      check: { type: 'boolean' },
      date: { type: 'string' },
      lang: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      site: { type: 'string' },
      archive: { type: 'boolean' },
      'require-lang': { type: 'string', multiple: true },
      period: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !command || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const log = createLogger(undefined, 'roomwatch');
  switch (command) {
    // Each command loads only its own modules, so the agent stays small.
    case 'start':
      return (await import('./commands.js')).runStart({ collectorConfig: values['collector-config'], dataDir: values.data, port: values.port ? Number(values.port) : undefined }, log);
    case 'collector':
      return (await import('./commands.js')).runCollector(values.config, log);
    case 'agent':
      if (!values.config) throw new UsageError('agent needs --config FILE');
      {
        const agent = await import('./agent-commands.js');
        return values.check ? agent.checkAgent(values.config) : agent.runAgent(values.config, log);
      }
    case 'rules':
      if (positionals[0] === 'check') return (await import('./rules-commands.js')).runRulesCheck(positionals.slice(1), values['require-lang'] ?? []);
      if (positionals[0] === 'test' && positionals.length > 1) return (await import('./rules-commands.js')).runRulesTest(positionals.slice(1));
      throw new UsageError('usage: roomwatch rules check [PATH...] | roomwatch rules test FILE...');
    case 'report':
      return (await import('./report-commands.js')).runReport({
        config: values.config,
        dataDir: values.data,
        date: values.date,
        lang: values.lang,
        out: values.out,
        format: values.format,
        site: values.site,
        archive: values.archive,
        period: values.period,
      });
    case 'token':
      if (positionals[0] !== 'new' || !positionals[1]) throw new UsageError('usage: roomwatch token new NAME');
      return (await import('./commands.js')).runTokenNew(positionals[1]);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined && code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration errors:\n${err.message}\n`);
      process.exitCode = 1;
    } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`roomwatch: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
