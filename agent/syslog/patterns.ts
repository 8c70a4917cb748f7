/**
 * Syslog patterns: which messages are events worth a metric. They are
 * declared in YAML (the shipped rules/syslog/patterns.yaml, and any file an
 * agent adds) and validated with file:line:col like every other config.
 * A pattern's conditions must all hold; a message may match several patterns.
 */
import { join } from 'node:path';
import Type, { type Static } from 'typebox';
import { ConfigError, loadYamlConfig, type ConfigProblem } from '../../lib/config.js';
import { packageRoot } from '../../lib/paths.js';
import { FACILITIES, SEVERITIES, type SyslogMessage } from './parse.js';

const PatternSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 512 })),
    /** Vendor event ids; a star is a wildcard (LINK-star-UPDOWN). */
    mnemonic: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 64 })),
    /** A regular expression on the message text. */
    regex: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    ignore_case: Type.Optional(Type.Boolean()),
    /** This severity or a more severe one (a lower number). */
    severity: Type.Optional(Type.Enum([...SEVERITIES])),
    facility: Type.Optional(Type.Array(Type.Enum([...FACILITIES]), { minItems: 1 })),
  },
  { additionalProperties: false },
);

export const PatternFileSchema = Type.Object({ patterns: Type.Array(PatternSchema, { maxItems: 1_000 }) }, { additionalProperties: false });
export type PatternFile = Static<typeof PatternFileSchema>;

export interface SyslogPattern {
  name: string;
  test(m: SyslogMessage): boolean;
}

export function shippedPatternsFile(): string {
  return join(packageRoot(), 'rules', 'syslog', 'patterns.yaml');
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

function compile(p: PatternFile['patterns'][number], path: (string | number)[], problems: Array<{ path: (string | number)[]; message: string }>): SyslogPattern | undefined {
  if (!p.mnemonic && !p.regex && !p.severity && !p.facility) {
    problems.push({ path, message: 'give at least one of mnemonic, regex, severity, facility' });
    return undefined;
  }
  let re: RegExp | undefined;
  if (p.regex !== undefined) {
    try {
      re = new RegExp(p.regex, p.ignore_case ? 'i' : '');
    } catch (err) {
      problems.push({ path: [...path, 'regex'], message: `invalid regular expression: ${(err as Error).message}` });
      return undefined;
    }
  }
  const mnemonics = p.mnemonic?.map(globToRegExp);
  const maxSeverity = p.severity === undefined ? 7 : SEVERITIES.indexOf(p.severity);
  const facilities = p.facility ? new Set(p.facility.map((f) => FACILITIES.indexOf(f))) : undefined;
  return {
    name: p.name,
    test: (m) =>
      m.severity <= maxSeverity &&
      (!facilities || facilities.has(m.facility)) &&
      (!mnemonics || (m.mnemonic !== undefined && mnemonics.some((r) => r.test(m.mnemonic as string)))) &&
      (!re || re.test(m.text)),
  };
}

/** Loads pattern files in order; a name used twice is an error. Throws ConfigError with every problem. */
export function loadPatterns(files: string[]): SyslogPattern[] {
  const out: SyslogPattern[] = [];
  const seen = new Map<string, string>();
  const all: ConfigProblem[] = [];
  for (const file of files) {
    try {
      loadYamlConfig(file, PatternFileSchema, (value, source) => {
        const problems: Array<{ path: (string | number)[]; message: string }> = [];
        value.patterns.forEach((p, i) => {
          const where = seen.get(p.name);
          if (where) problems.push({ path: ['patterns', i, 'name'], message: `pattern '${p.name}' is already defined in ${where}` });
          seen.set(p.name, file);
          const compiled = compile(p, ['patterns', i], problems);
          if (compiled) out.push(compiled);
        });
        return problems.map((p) => source.problem(p.path, p.message));
      });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      all.push(...err.problems);
    }
  }
  if (all.length > 0) throw new ConfigError(all);
  return out;
}
