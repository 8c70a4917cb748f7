#!/usr/bin/env node
/**
 * roomwatch CLI, on commander: `roomwatch --help` lists the commands and
 * `roomwatch COMMAND --help` each one's options. Unknown options are refused.
 * Exit codes are in cli-support.ts (0 done, 1 failed, 2 bad command line).
 * Each command loads only its own modules, so `roomwatch agent` never loads
 * the collector's.
 */
import { buildProgram } from './program.js';
import { EXIT_OK, reportError } from './cli-support.js';

// `roomwatch … | head` closes the pipe early: end quietly, as other command-line tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => (code = c));
  await program.parseAsync(argv, { from: 'user' });
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError('roomwatch', err);
  },
);
