#!/usr/bin/env node
/**
 * The stand-alone agent: `roomwatch-agent --config agent.yaml [--check]`.
 * `npm run build` also bundles this entry into one minified file,
 * dist/roomwatch-agent.mjs (scripts/bundle-agent.mjs), which is what goes
 * onto the hosts in the room: one file to copy, with its profiles and
 * command sets inside, and about 15 MB less resident memory than loading the
 * same modules one by one.
 */
import { Command } from 'commander';
import { createLogger } from '../lib/log.js';
import { roomwatchVersion } from '../lib/shipped.js';
import { checkAgent, runAgent } from './agent-commands.js';
import { EXIT_OK, reportError, strictProgram } from './cli-support.js';

async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const program = strictProgram(new Command('roomwatch-agent'))
    .description('The roomwatch agent: probes this host and the devices around it, and streams samples to the collector')
    .version(roomwatchVersion(), '-V, --version', 'print the version and exit')
    .requiredOption('-c, --config <file>', 'agent.yaml')
    .option('--check', 'validate the file, print a summary and exit')
    .option('--json', 'with --check: the summary as JSON')
    .addHelpText('after', '\nSIGHUP reloads agent.yaml; SIGINT/SIGTERM stop after delivering what is buffered.\nExit codes: 0 done, 1 configuration or start-up error, 2 bad command line.')
    .action(async (o: { config: string; check?: boolean; json?: boolean }) => {
      code = o.check ? checkAgent(o.config, { json: o.json }) : await runAgent(o.config, createLogger(undefined, 'agent'));
    });
  await program.parseAsync(argv, { from: 'user' });
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError('roomwatch-agent', err);
  },
);
