/** Shared pieces of the probe tests: a quiet ProbeEnv and one gather with its own signal. */
import type { Sample } from '../../collector/contract/index.js';
import type { Probe, ProbeEnv } from '../../agent/probes/types.js';

const quiet = () => undefined;

export function probeEnv(intervalMs = 30_000, overrides: Partial<ProbeEnv> = {}): ProbeEnv {
  return {
    agentName: 'test',
    hostname: 'testhost',
    intervalMs,
    collectorClockOffset: () => undefined,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    ...overrides,
  };
}

/** Runs one gather with a generous abort; `errors` collects what ctx.error() reported. */
export async function gatherOnce(probe: Probe, errors: string[] = [], timeoutMs = 20_000): Promise<Sample[]> {
  return probe.gather({ signal: AbortSignal.timeout(timeoutMs), now: Date.now, error: (m) => errors.push(m) });
}
