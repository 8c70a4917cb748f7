/**
 * The command sets of agent/ssh/platforms.yaml, loaded once and checked
 * against the parser registry, so a typo in a parser name is a load error.
 */
import Type, { type Static } from 'typebox';
import { ConfigError, loadYamlConfig, type ConfigProblem } from '../../lib/config.js';
import { shippedPath } from '../../lib/shipped.js';
import { parserFor } from './parsers/index.js';

const CheckSchema = Type.Object(
  {
    command: Type.String({ minLength: 1 }),
    parser: Type.String({ minLength: 1 }),
    optional: Type.Optional(Type.Boolean()),
    shell: Type.Optional(Type.Union([Type.Literal('posix'), Type.Literal('none')])),
    stateful: Type.Optional(Type.Literal('errpt')),
    default: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const PlatformsSchema = Type.Record(Type.String({ pattern: '^[a-z0-9]+$' }), Type.Record(Type.String({ pattern: '^[a-z_]+$' }), CheckSchema));
export type CheckSpec = Static<typeof CheckSchema>;
export type Platforms = Record<string, Record<string, CheckSpec>>;

let loaded: Platforms | undefined;

export function platformsFile(): string {
  return shippedPath('agent/ssh/platforms.yaml');
}

/** The shipped platforms; throws ConfigError naming the file and line of a bad entry. */
export function platforms(file = platformsFile()): Platforms {
  if (loaded && file === platformsFile()) return loaded;
  const { value, source } = loadYamlConfig(file, PlatformsSchema);
  const problems: ConfigProblem[] = [];
  for (const [platform, checks] of Object.entries(value)) {
    for (const [name, spec] of Object.entries(checks)) {
      if (!parserFor(spec.parser)) problems.push(source.problem([platform, name, 'parser'], `no parser is named '${spec.parser}'`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (file === platformsFile()) loaded = value;
  return value;
}
