/**
 * Turns Ajv's schema errors into one message that names the bad field's path,
 * e.g. `body/samples/3/fields/used_pct must be a number, boolean or string`.
 */
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  if (!first) return new Error(`${dataVar} is invalid`);
  const path = `${dataVar}${first.instancePath}`;
  const params = first.params as Record<string, unknown>;
  let message: string;
  if (first.keyword === 'additionalProperties') {
    message = `${path} has unknown field '${String(params.additionalProperty)}'`;
  } else if (first.keyword === 'required') {
    message = `${path} is missing required field '${String(params.missingProperty)}'`;
  } else if (first.keyword === 'propertyNames') {
    message = `${path} has an invalid name '${String(params.propertyName)}' (names start with a letter or _ and use letters, digits, _ . -)`;
  } else {
    // Union members each report "must be X"; gather them into one readable line.
    const samePath = errors.filter((e) => e.instancePath === first.instancePath && e.keyword === 'type');
    if (samePath.length > 1) {
      const types = samePath.map((e) => String((e.params as { type?: string }).type));
      message = `${path} must be a ${types.slice(0, -1).join(', ')} or ${types.at(-1)}`;
    } else {
      message = `${path} ${first.message ?? 'is invalid'}`;
    }
  }
  const err = new Error(message) as Error & { statusCode: number; code: string; validation: unknown };
  err.statusCode = 400;
  err.code = 'RW_INVALID_REQUEST';
  return err;
}
