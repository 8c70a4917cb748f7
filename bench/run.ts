/**
 * `npm run bench [-- NAME ...]`: runs the benchmarks of docs/architecture.md §10 in order
 * (all of them without arguments) and prints one JSON object per line on
 * stdout. Figures only: nothing here passes or fails on time. A bench that
 * breaks prints {"bench": NAME, "error": ...} and the exit code is 1.
 */
import { cpus } from 'node:os';
import { benchAgentResources } from './agent-resources.js';
import { benchIngestJson } from './ingest-json.js';
import { benchIngestLineProtocol } from './ingest-lp.js';
import { emit, progress } from './lib.js';
import { benchRules } from './rules.js';
import { benchIncidentEmail } from './incident-email.js';
import { benchSnmp } from './snmp.js';
import { benchIngestInflux } from './ingest-influx.js';
import { benchReport } from './report.js';
import { benchReportMonth } from './report-month.js';
import { benchSshAgentRss, benchSshChecks } from './ssh.js';
import { benchChecksAgentRss, benchPingRound, benchSyslogIngest } from './checks.js';
import { benchOverload } from './overload.js';
import { benchQueries } from './queries.js';
import { benchConsole } from './console.js';

const BENCHES: Record<string, () => Promise<void>> = {
  ingest_json: benchIngestJson,
  ingest_line_protocol: benchIngestLineProtocol,
  rules: benchRules,
  incident_email: benchIncidentEmail,
  agent_resources: benchAgentResources,
  ingest_influx: benchIngestInflux,
  report: benchReport,
  report_month: benchReportMonth,
  snmp_poll: benchSnmp,
  ssh_checks: benchSshChecks,
  ssh_agent_rss: benchSshAgentRss,
  ping_round: benchPingRound,
  syslog_ingest: benchSyslogIngest,
  checks_agent_rss: benchChecksAgentRss,
  overload: benchOverload,
  queries: benchQueries,
  console_board: benchConsole,
};

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => !Object.hasOwn(BENCHES, a));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench ${unknown.join(', ')}; choose from: ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  const selected = argv.length > 0 ? argv : Object.keys(BENCHES);
  let code = 0;
  emit({ bench: 'env', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, selected });
  for (const name of selected) {
    const started = performance.now();
    progress(`${name}: start`);
    try {
      await (BENCHES[name] as () => Promise<void>)();
    } catch (err) {
      code = 1;
      emit({ bench: name, error: (err as Error).message });
      progress((err as Error).stack ?? String(err));
    }
    progress(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
