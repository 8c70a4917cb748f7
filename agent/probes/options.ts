/**
 * Helpers the probe kinds share to validate their options: the schema check
 * that every kind starts with, and durations written as `500ms`, `2s` or a
 * number of milliseconds. Problems are collected, never thrown one by one.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { pointerToPath } from '../../lib/config.js';
import { parseDuration } from '../../lib/units.js';
import { ProbeOptionsError, type OptionProblem } from './types.js';

/** Throws every schema problem at once; returns the value typed when it fits. */
export function checkSchema<T>(schema: TSchema, options: unknown): T {
  if (Value.Check(schema, options)) return options as T;
  const problems: OptionProblem[] = [];
  for (const err of Value.Errors(schema, options)) problems.push({ path: pointerToPath(err.instancePath), message: err.message });
  throw new ProbeOptionsError(problems);
}

/** A duration option between `min` and `max` ms, or the fallback; a bad one becomes a problem. */
export function durationOption(problems: OptionProblem[], path: (string | number)[], value: string | number | undefined, fallback: number, min = 1, max = 24 * 3_600_000): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || ms < min || ms > max) {
    problems.push({ path, message: `'${value}' is not a duration between ${min} ms and ${max} ms, e.g. 500ms or 2s` });
    return fallback;
  }
  return ms;
}

/** Finds an executable on PATH (or checks an absolute path) without spawning anything. */
export function findExecutable(command: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const candidates =
    isAbsolute(command) || command.includes('/')
      ? [command]
      : pathEnv
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, command));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}
