/**
 * The roomwatch command line (commander): every command, its options and
 * help text. bin/roomwatch.ts runs it; tests walk it to check every command.
 */
import { Command, Option } from 'commander';
import { roomwatchVersion } from '../lib/shipped.js';
import { createLogger } from '../lib/log.js';
import { intOption, strictProgram } from './cli-support.js';

/** The program; `setExit` receives each command's exit code. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = strictProgram(new Command('roomwatch'))
    .description('Machine-room monitoring: collector, agents, rules, incidents and reports')
    .version(roomwatchVersion(), '-V, --version', 'print the version and exit')
    .helpCommand(true)
    // `snmp probe --version` is the SNMP version, so the program's own options
    // (--version, --help) are only taken before the command name.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 the command ran and failed (problems found, configuration or start-up error), 2 bad command line.\n' +
        'Logs are JSON lines on stdout for long-running commands; set ROOMWATCH_LOG_LEVEL=debug for more.',
    );
  const run = (work: () => Promise<number> | number) => async () => setExit(await work());
  const log = () => createLogger(undefined, 'roomwatch');

  program
    .command('start')
    .description('the collector on http://127.0.0.1:8080 plus a local agent probing this host (embedded SQLite store)')
    .option('--collector-config <file>', 'collector.yaml (default: built-in defaults)')
    .option('--data <dir>', 'data directory (default ./data)')
    .option('--port <n>', 'listen port', intOption(0, 65535))
    .action((o: { collectorConfig?: string; data?: string; port?: number }) =>
      run(async () => (await import('./commands.js')).runStart({ collectorConfig: o.collectorConfig, dataDir: o.data, port: o.port }, log()))(),
    );

  program
    .command('collector')
    .description('the collector alone')
    .option('--config <file>', 'collector.yaml (default: built-in defaults)')
    .action((o: { config?: string }) => run(async () => (await import('./commands.js')).runCollector(o.config, log()))());

  program
    .command('agent')
    .description('an agent; with --check, validate its configuration and exit')
    .requiredOption('--config <file>', 'agent.yaml')
    .option('--check', 'validate the file, print a summary and exit')
    .option('--json', 'with --check: the summary as JSON')
    .action((o: { config: string; check?: boolean; json?: boolean }) =>
      run(async () => {
        const agent = await import('./agent-commands.js');
        return o.check ? agent.checkAgent(o.config, { json: o.json }) : agent.runAgent(o.config, log());
      })(),
    );

  const token = program.command('token').description('agent tokens');
  token
    .command('new')
    .description('a new agent token, and the collector.yaml lines with its SHA-256')
    .argument('<name>', 'the agent name')
    .option('--json', 'as JSON: {name, token, token_sha256}')
    .action((name: string, o: { json?: boolean }) => run(async () => (await import('./commands.js')).runTokenNew(name, { json: o.json }))());

  const user = program.command('user').description("operator accounts in the collector's data directory (sign-in, roles, API tokens)");
  const where = (c: Command) => c.option('--config <file>', 'collector.yaml whose data directory to use').option('--data <dir>', 'data directory when no --config is given (default ./data)');
  const collect = (v: string, all: string[] = []) => [...all, v];
  where(user.command('add'))
    .description('a local user; prints a one-time password to change at the first sign-in')
    .argument('<username>', 'lower-case letters, digits and . _ - @')
    .addOption(new Option('--role <role>', 'viewer (default), operator or admin').choices(['viewer', 'operator', 'admin']))
    .option('--display <name>', 'the name shown in the console')
    .option('--team <team>', 'limit incident actions to devices of this team (repeatable)', collect)
    .option('--site <site>', 'limit incident actions to devices at this site (repeatable)', collect)
    .option('--password-stdin', 'read the initial password from stdin instead of generating one')
    .option('--json', 'as JSON')
    .action((name: string, o: Parameters<typeof import('./user-commands.js').runUserAdd>[1]) => run(async () => (await import('./user-commands.js')).runUserAdd(name, o))());
  where(user.command('passwd'))
    .description("reset a user's password (one-time unless --password-stdin); ends their sessions")
    .argument('<username>', 'the user')
    .option('--password-stdin', 'read the new password from stdin')
    .option('--json', 'as JSON')
    .action((name: string, o: Parameters<typeof import('./user-commands.js').runUserPasswd>[1]) => run(async () => (await import('./user-commands.js')).runUserPasswd(name, o))());
  where(user.command('disable'))
    .description('stop a user signing in; ends their sessions and their API tokens stop working')
    .argument('<username>', 'the user')
    .option('--enable', 'enable the user again instead')
    .action((name: string, o: Parameters<typeof import('./user-commands.js').runUserDisable>[1]) => run(async () => (await import('./user-commands.js')).runUserDisable(name, o))());
  where(user.command('token'))
    .description('a personal API token (rwu_…) for scripts and Grafana; printed once')
    .argument('<username>', 'the owner')
    .requiredOption('--name <name>', 'what the token is for, e.g. grafana')
    .addOption(new Option('--role <role>', "at most the owner's role (default: the owner's)").choices(['viewer', 'operator', 'admin']))
    .option('--expires <duration>', 'e.g. 90d (default: never)')
    .option('--json', 'as JSON: {token, id, owner, name, role, expires_at}')
    .action((name: string, o: Parameters<typeof import('./user-commands.js').runUserToken>[1]) => run(async () => (await import('./user-commands.js')).runUserToken(name, o))());
  where(user.command('list'))
    .description('the users, their roles and state')
    .option('--json', 'as JSON')
    .action((o: Parameters<typeof import('./user-commands.js').runUserList>[0]) => run(async () => (await import('./user-commands.js')).runUserList(o))());

  const rules = program.command('rules').description('rule files');
  rules
    .command('check')
    .description('validate rule files (default: the shipped rules/); exit 1 on problems')
    .argument('[paths...]', 'files or directories')
    .option('--json', 'files, rule counts and problems as JSON')
    .option('--require-lang <lang>', 'flag a rule missing its summary or runbook in this language (repeatable: en, zh-CN)', (v: string, all: string[] = []) => [...all, v])
    .action((paths: string[], o: { json?: boolean; requireLang?: string[] }) =>
      run(async () => (await import('./rules-commands.js')).runRulesCheck(paths, { json: o.json, requireLangs: o.requireLang }))(),
    );
  rules
    .command('test')
    .description('run rule test files; exit 1 on failures')
    .argument('<files...>', 'rule test files (*.test.yaml)')
    .option('--json', 'results as JSON')
    .action((files: string[], o: { json?: boolean }) => run(async () => (await import('./rules-commands.js')).runRulesTest(files, { json: o.json }))());

  program
    .command('report')
    .description('the daily health-check report on demand (default: yesterday in the report time zone), or with --period the weekly or monthly one')
    .option('--config <file>', 'collector.yaml whose data directory and report settings to use')
    .option('--data <dir>', 'data directory when no --config is given (default ./data)')
    .addOption(new Option('--period <period>', 'day (default), week or month').choices(['day', 'week', 'month']))
    .option('--date <date>', 'the day (YYYY-MM-DD), the week (its Monday) or the month (YYYY-MM) to report; default: the last complete one')
    .addOption(new Option('--lang <lang>', 'language').choices(['zh-CN', 'en']))
    .option('--out <file>', 'write to a file (HTML unless it ends in .txt or .json)')
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'text', 'json']))
    .option('--json', 'short for --format json')
    .option('--site <site>', 'only this site')
    .option('--archive', 'also store it in the report archive')
    .action((o: { config?: string; data?: string; period?: string; date?: string; lang?: string; out?: string; format?: string; json?: boolean; site?: string; archive?: boolean }) =>
      run(async () =>
        (await import('./report-commands.js')).runReport({
          config: o.config,
          dataDir: o.data,
          date: o.date,
          lang: o.lang,
          out: o.out,
          format: o.json ? 'json' : o.format,
          site: o.site,
          archive: o.archive,
          period: o.period === 'day' ? undefined : o.period,
        }),
      )(),
    );

  const incident = program
    .command('incident')
    .description('incidents on a running collector, over its HTTP API (--url, --token or ROOMWATCH_URL, ROOMWATCH_TOKEN)')
    .addHelpText('after', '\nThe token is a personal API token; the incident is acknowledged or closed as its owner (and written to the audit log).\n');
  const remote = (c: Command) =>
    c
      .option('--url <url>', 'the collector or console URL (default $ROOMWATCH_URL or http://127.0.0.1:8080)')
      .option('--token <token>', 'personal API token (default $ROOMWATCH_TOKEN)')
      .option('--json', 'the API answer as JSON');
  remote(
    incident
      .command('list')
      .description('open and acknowledged incidents, newest first (--all: every status)')
      .option('--status <list>', 'comma list of open, acknowledged, resolved, closed')
      .addOption(new Option('--priority <p>', 'only this priority').choices(['P1', 'P2', 'P3', 'P4']))
      .option('--device <name>', 'only this device')
      .option('--limit <n>', 'at most this many (default 100)', intOption(1, 100_000))
      .option('--all', 'every status'),
  ).action((o: import('./incident-commands.js').ListOptions) => run(async () => (await import('./incident-commands.js')).runIncidentList(o))());
  remote(incident.command('show').description('one incident: SLA clocks, alerts, timeline, known fixes').argument('<id>', 'incident id')).action(
    (id: string, o: import('./incident-commands.js').ConnectionOptions) => run(async () => (await import('./incident-commands.js')).runIncidentShow(id, o))(),
  );
  remote(incident.command('ack').description('acknowledge an open incident (stops repeats and escalation)').argument('<id>', 'incident id')).action(
    (id: string, o: import('./incident-commands.js').ConnectionOptions) => run(async () => (await import('./incident-commands.js')).runIncidentAck(id, o))(),
  );
  remote(
    incident
      .command('close')
      .description('close an incident with its cause and fix (they feed the knowledge base)')
      .argument('<id>', 'incident id')
      .requiredOption('--cause <text>', 'what caused it')
      .requiredOption('--fix <text>', 'what fixed it')
      .option('--force', 'close although alerts still fire (needs --reason); they are held until they clear')
      .option('--reason <text>', 'why a forced close'),
  ).action((id: string, o: import('./incident-commands.js').CloseOptions) => run(async () => (await import('./incident-commands.js')).runIncidentClose(id, o))());

  const snmp = program.command('snmp').description('SNMP tools');
  snmp
    .command('probe')
    .description('poll one SNMP device once (twice with --rates): the profile that matched and the samples the agent would send')
    .argument('<host>', 'HOST or HOST:PORT')
    .option('--community <c>', 'v1/v2c community (default public)')
    .addOption(new Option('--version <v>', 'SNMP version').choices(['v1', 'v2c', 'v3']))
    .option('--v3', 'short for --version v3')
    .option('--user <u>', 'v3 user')
    .addOption(new Option('--level <level>', 'v3 security level').choices(['authPriv', 'authNoPriv', 'noAuthNoPriv']))
    .option('--auth-protocol <p>', 'v3 authentication protocol (sha, sha256, …)')
    .option('--auth-key <k>', 'v3 authentication key')
    .option('--priv-protocol <p>', 'v3 privacy protocol (aes, des, …)')
    .option('--priv-key <k>', 'v3 privacy key')
    .option('--profile <name>', 'use this profile instead of choosing by sysObjectID/sysDescr')
    .option('--profiles <dir>', 'an extra profile directory (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--rates <seconds>', 'poll twice, SECONDS apart, so counters show as rates', intOption(0, 300))
    .option('--timeout <duration>', 'per request (default 2s)')
    .option('--retries <n>', 'retries per request (default 1)', intOption(0, 10))
    .option('--no-detect', 'skip detection of standard MIB modules (vendor profile only)')
    .option('--json', 'one JSON document: class, profile, modules, warnings, what was not read, samples')
    .action((host: string, o: import('./snmp-commands.js').SnmpProbeOptions) => run(async () => (await import('./snmp-commands.js')).runSnmpProbe(host, o))());

  return program;
}
