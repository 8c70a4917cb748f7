/**
 * What every roomwatch command line shares: exit codes, how errors are
 * printed, colour only on a terminal, and progress on stderr.
 *
 * Exit codes: 0 done; 1 the command ran and failed (problems found, a device
 * that does not answer, a configuration or start-up error); 2 the command
 * line itself is wrong (unknown command or option, a bad argument).
 */
import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../lib/config.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A bad argument found after parsing; printed as one line, exit 2. */
export class UsageError extends Error {}

/** Commander's own exits mapped onto ours: help and version are success, anything else is usage. */
export function commanderExitCode(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
  // `roomwatch help CMD` is help asked for; a bare `roomwatch` or `roomwatch rules` is a usage error.
  if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return EXIT_USAGE;
}

/**
 * Configures a program (and, through `copyInheritedSettings`, its
 * subcommands): errors never call process.exit, help goes to stdout, and a
 * usage error says where to find help.
 */
export function strictProgram(program: Command): Command {
  return program
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
}

/** Prints an error the way an operator wants it, and returns the exit code. */
export function reportError(program: string, err: unknown): number {
  if (err instanceof CommanderError) return commanderExitCode(err);
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration errors:\n${err.message}\n`);
    return EXIT_FAILED;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`${program}: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const e = err as NodeJS.ErrnoException;
  // System errors (EADDRINUSE, EACCES, ENOENT…) are the operator's to fix: one line.
  // Anything else is a bug in roomwatch, and its stack is what a bug report needs.
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    process.stderr.write(`${program}: ${e.message}\n`);
  } else {
    process.stderr.write(`${program}: ${e?.stack ?? String(err)}\n`);
  }
  return EXIT_FAILED;
}

/** Colour for a word, only when the stream is a terminal and NO_COLOR is unset. */
export function paint(stream: NodeJS.WriteStream | NodeJS.WritableStream, colour: 'red' | 'green' | 'yellow', text: string): string {
  const tty = (stream as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR;
  if (!tty) return text;
  const code = { red: 31, green: 32, yellow: 33 }[colour];
  return `\u001b[${code}m${text}\u001b[0m`;
}

/** A line of progress on stderr (long waits say what they wait for). */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A parser for a whole-number option in [min, max]; commander names the option in its error. */
export function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`use a whole number from ${min} to ${max}.`);
    return n;
  };
}
