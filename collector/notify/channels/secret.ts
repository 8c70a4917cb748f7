import { readFileSync } from 'node:fs';

/** A secret from inline text, an environment variable or a file; throws naming the source. */
export function readSecret(inline: string | undefined, env: string | undefined, file: string | undefined, vars: NodeJS.ProcessEnv): string | undefined {
  if (inline !== undefined) return inline;
  if (env !== undefined) {
    const v = vars[env];
    if (!v) throw new Error(`environment variable ${env} is not set`);
    return v;
  }
  if (file !== undefined) return readFileSync(file, 'utf8').trim();
  return undefined;
}
