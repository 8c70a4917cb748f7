/**
 * What every snmp target of an agent shares: the loaded profiles and the limit
 * on devices polled at once. Both live for the process, so 500 targets load
 * the profile directory once.
 */
import { shippedPath } from '../../lib/shipped.js';
import { Semaphore } from '../../lib/semaphore.js';
import { loadProfiles, type ProfileSet } from './profile.js';

export function shippedProfilesDir(): string {
  return shippedPath('agent/profiles');
}

const profileSets = new Map<string, ProfileSet>();

/** The profiles under `dirs`, loaded once per set of directories; throws ConfigError. */
export function profilesFor(dirs: string[]): ProfileSet {
  const key = dirs.join('\n');
  let set = profileSets.get(key);
  if (!set) {
    set = loadProfiles(dirs);
    profileSets.set(key, set);
  }
  return set;
}

let limiter: Semaphore | undefined;

/** The process-wide poll limiter; the latest configured limit applies. */
export function pollLimiter(concurrency: number): Semaphore {
  if (!limiter) limiter = new Semaphore(concurrency);
  else limiter.setLimit(concurrency);
  return limiter;
}
