/**
 * Strict YAML configuration loading shared by the agent and the collector.
 *
 * A file is parsed with source positions kept, checked against a TypeBox schema
 * (unknown keys are errors), and every problem is reported at once as
 * `file:line:col: path: message`, so an engineer fixes a file in one pass.
 */
import { readFileSync } from 'node:fs';
import { embeddedText } from './shipped.js';
import { isMap, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { parseDuration, parseSize } from './units.js';

export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
  /** Unknown keys leave the rest of the structure intact, so later checks can still run. */
  unknownKey?: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** A parsed YAML document that can answer "where in the file is this path?". */
export class YamlSource {
  readonly lineCounter = new LineCounter();
  readonly doc: Document;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
  }

  syntaxProblems(): ConfigProblem[] {
    const problems = this.doc.errors.map((e) => {
      const pos = this.lineCounter.linePos(e.pos[0]);
      return { file: this.file, line: pos.line, col: pos.col, path: '', message: e.message.split('\n')[0] ?? e.message };
    });
    // An alias without its anchor would only fail later, inside toJS(), as a bare ReferenceError.
    visit(this.doc, {
      Alias: (_key, node) => {
        if (node.resolve(this.doc) !== undefined) return;
        const pos = this.lineCounter.linePos(node.range?.[0] ?? 0);
        problems.push({ file: this.file, line: pos.line, col: pos.col, path: '', message: `alias *${node.source} has no anchor &${node.source} before it` });
      },
    });
    return problems;
  }

  /** The position of the node at `path` (or of its nearest existing ancestor). */
  position(path: (string | number)[], keyOfLast = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const key = path[i] as string | number;
      if (isMap(node)) {
        const pair = node.items.find((it) => keyText(it.key) === String(key));
        if (!pair) break;
        const isLast = i === path.length - 1;
        const target = isLast && keyOfLast ? pair.key : (pair.value ?? pair.key);
        offset = rangeStart(target) ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(key)];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.lineCounter.linePos(offset);
  }

  problem(path: (string | number)[], message: string, keyOfLast = false): ConfigProblem {
    const { line, col } = this.position(path, keyOfLast);
    return { file: this.file, line, col, path: path.join('.'), message };
  }

  toJS(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // e.g. aliases that expand without bound ("billion laughs"): refused with the file named.
      throw new ConfigError([{ file: this.file, line: 1, col: 1, path: '', message: `cannot be read: ${(err as Error).message}` }]);
    }
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}

function keyText(key: unknown): string {
  if (key && typeof key === 'object' && 'value' in key) return String((key as { value: unknown }).value);
  return String(key);
}

/** Decodes a JSON pointer (`/targets/0/interval`) into path segments. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Schema problems for `value`, with unknown keys named and the valid ones listed. */
export function schemaProblems(source: YamlSource, schema: TSchema, value: unknown, basePath: (string | number)[] = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const err of Value.Errors(schema, value)) {
    // Unknown keys show up twice (as a false sub-schema and as additionalProperties); report them once.
    if (err.keyword === 'boolean') continue;
    const path = pointerToPath(err.instancePath);
    if (err.keyword === 'additionalProperties') {
      const extra = (err.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      const valid = validKeys(schema, path);
      for (const key of extra) {
        const p = { ...source.problem([...basePath, ...path, key], `unknown key '${key}'${valid ? ` (valid keys: ${valid})` : ''}`, true), unknownKey: true };
        pushUnique(problems, seen, p);
      }
      continue;
    }
    let message = err.message;
    if (err.keyword === 'enum' || err.keyword === 'anyOf') {
      const options = enumOptions(schema, path);
      if (options) message = `must be one of ${options}`;
    }
    pushUnique(problems, seen, source.problem([...basePath, ...path], message));
  }
  return problems;
}

function pushUnique(list: ConfigProblem[], seen: Set<string>, p: ConfigProblem): void {
  const key = `${p.line}:${p.col}:${p.message}`;
  if (seen.has(key)) return;
  seen.add(key);
  list.push(p);
}

function subSchema(schema: TSchema, path: (string | number)[]): Record<string, unknown> | undefined {
  let s: Record<string, unknown> | undefined = schema as unknown as Record<string, unknown>;
  for (const seg of path) {
    if (!s) return undefined;
    if (typeof seg === 'number') s = s.items as Record<string, unknown> | undefined;
    else {
      const props = s.properties as Record<string, Record<string, unknown>> | undefined;
      // Records are patternProperties in TypeBox; their values share one schema.
      const pattern = s.patternProperties ? (Object.values(s.patternProperties)[0] as Record<string, unknown>) : undefined;
      s = props?.[seg] ?? pattern ?? (typeof s.additionalProperties === 'object' ? (s.additionalProperties as Record<string, unknown>) : undefined);
    }
  }
  return s;
}

function validKeys(schema: TSchema, path: (string | number)[]): string | undefined {
  const props = subSchema(schema, path)?.properties as Record<string, unknown> | undefined;
  return props ? Object.keys(props).join(', ') : undefined;
}

function enumOptions(schema: TSchema, path: (string | number)[]): string | undefined {
  const s = subSchema(schema, path);
  if (!s) return undefined;
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(', ');
  const any = s.anyOf as Array<Record<string, unknown>> | undefined;
  if (any && any.every((a) => 'const' in a)) return any.map((a) => JSON.stringify(a.const)).join(', ');
  return undefined;
}

export interface LoadedConfig<T> {
  value: T;
  source: YamlSource;
}

/**
 * Reads and validates a YAML file. `check` adds semantic problems (durations that
 * do not parse, duplicate names) with positions; all problems are thrown together.
 */
export function loadYamlConfig<S extends TSchema>(file: string, schema: S, check?: (value: Static<S>, source: YamlSource) => ConfigProblem[], text?: string): LoadedConfig<Static<S>> {
  let raw: string;
  try {
    raw = text ?? embeddedText(file) ?? readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 0, col: 0, path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  const source = new YamlSource(file, raw);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new ConfigError(syntax);
  const value = source.toJS() ?? {};
  const problems = schemaProblems(source, schema, value);
  if (check && problems.every((p) => p.unknownKey)) problems.push(...check(value as Static<S>, source));
  if (problems.length > 0) throw new ConfigError(problems);
  return { value: value as Static<S>, source };
}

/** Adds a problem when a duration string does not parse; returns the milliseconds. */
export function checkDuration(source: YamlSource, problems: ConfigProblem[], path: (string | number)[], text: string | number | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) {
    problems.push(source.problem(path, `'${text}' is not a duration (write e.g. 500ms, 15s, 5m, 1h, 1d)`));
    return fallback;
  }
  return ms;
}

/** Adds a problem when a size string does not parse; returns the bytes. */
export function checkSize(source: YamlSource, problems: ConfigProblem[], path: (string | number)[], text: string | number | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const bytes = parseSize(text);
  if (bytes === undefined) {
    problems.push(source.problem(path, `'${text}' is not a size (write e.g. 512KB, 64MiB, 1GB)`));
    return fallback;
  }
  return bytes;
}
