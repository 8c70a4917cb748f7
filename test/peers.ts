/**
 * Real peers for integration suites (docs/architecture.md §9). A suite asks for a peer;
 * when it is missing the suite is skipped — unless ROOMWATCH_REQUIRE_PEERS=1
 * (set by .ci/run), where a missing peer is a failure.
 */
import { execFileSync } from 'node:child_process';

export const REQUIRE_PEERS = process.env.ROOMWATCH_REQUIRE_PEERS === '1';

/** The absolute path of a command, or undefined when it is not installed. */
export function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a suite that needs `command` should run. Throws under
 * ROOMWATCH_REQUIRE_PEERS=1 when the command is missing.
 */
export function peerAvailable(command: string, debianPackage: string): boolean {
  if (which(command)) return true;
  if (REQUIRE_PEERS) throw new Error(`peer '${command}' is missing: apt-get install -y ${debianPackage} (ROOMWATCH_REQUIRE_PEERS=1)`);
  return false;
}
