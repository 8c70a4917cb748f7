/**
 * Every SSH output parser by name: the only list that platforms.yaml and the
 * probe look parsers up in.
 */
import type { Parser } from '../types.js';
import { HP3PAR_PARSERS } from '../hp3par.js';
import { UNIX_PARSERS } from './unix.js';

const PARSERS = new Map<string, Parser>([...Object.entries(UNIX_PARSERS), ...Object.entries(HP3PAR_PARSERS)]);

export function parserFor(name: string): Parser | undefined {
  return PARSERS.get(name);
}

export function parserNames(): string[] {
  return [...PARSERS.keys()].sort();
}
