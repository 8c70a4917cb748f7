/** maintenance.yaml: windows defined in a file (read-only through the API). */
import Type from 'typebox';
import { loadYamlConfig } from '../../lib/config.js';
import { parseTimeParam } from '../../lib/time.js';
import { parseDuration } from '../../lib/units.js';
import { validateWindow, type MaintenanceWindow } from './maintenance.js';

export const ScopeSchema = Type.Object(
  {
    devices: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    rules: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

export const WindowSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    reason: Type.Optional(Type.String()),
    start: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    end: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    cron: Type.Optional(Type.String()),
    duration: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    timezone: Type.Optional(Type.String()),
    scope: ScopeSchema,
  },
  { additionalProperties: false },
);

const FileSchema = Type.Object({ windows: Type.Array(WindowSchema) }, { additionalProperties: false });

type WindowInput = {
  name: string;
  reason?: string;
  start?: string | number;
  end?: string | number;
  cron?: string;
  duration?: string | number;
  timezone?: string;
  scope: MaintenanceWindow['scope'];
};

/** Converts the YAML/JSON shape into a window; problems name the field. */
export function windowFromInput(input: WindowInput, now: number): { window: Omit<MaintenanceWindow, 'id' | 'source'>; problems: Array<{ field: string; message: string }> } {
  const problems: Array<{ field: string; message: string }> = [];
  const time = (field: 'start' | 'end') => {
    const v = input[field];
    if (v === undefined) return undefined;
    const t = typeof v === 'number' ? v : parseTimeParam(v, now);
    if (t === undefined) problems.push({ field, message: `'${v}' is not a time (ISO 8601 like 2026-11-25T09:00:00+08:00, or epoch ms)` });
    return t;
  };
  let durationMs: number | undefined;
  if (input.duration !== undefined) {
    durationMs = parseDuration(input.duration);
    if (durationMs === undefined) problems.push({ field: 'duration', message: `'${input.duration}' is not a duration (e.g. 2h)` });
  }
  const window = {
    name: input.name,
    reason: input.reason,
    start: time('start'),
    end: time('end'),
    cron: input.cron,
    durationMs,
    timezone: input.timezone,
    scope: input.scope,
  };
  if (problems.length === 0) problems.push(...validateWindow(window));
  return { window, problems };
}

export function loadMaintenanceFile(file: string, now: number): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = [];
  loadYamlConfig(file, FileSchema, (value, source) =>
    value.windows.flatMap((w, i) => {
      const { window, problems } = windowFromInput(w, now);
      if (problems.length === 0) out.push({ ...window, id: `file:${i}:${w.name}`, source: 'file' });
      return problems.map((p) => source.problem(['windows', i, p.field === 'scope' ? 'scope' : p.field], p.message));
    }),
  );
  return out;
}
