/**
 * Which agent may write a device. A device belongs to the agent the
 * inventory assigns (`agent:` in inventory.yaml) or, failing that, to the
 * agent that first reported it; samples or metadata from another agent are
 * refused with 403 naming the device, unless the collector shares the device
 * (`ingest.shared_devices: true`, or a list of names and globs). Without this
 * any agent token could rewrite any device's class, site and parent.
 */
import { globToSafeRegex, type SafeRegex } from '../../lib/safe-regex.js';
import { Errors } from '../errors.js';

export interface OwnershipSources {
  /** The agent inventory.yaml assigns, if any. */
  assigned(device: string): string | undefined;
  /** The agent the registry recorded first for the device, if it is known. */
  firstReporter(device: string): string | undefined;
}

export class DeviceOwnership {
  private readonly sharedAll: boolean;
  private readonly sharedGlobs: SafeRegex[];

  constructor(
    private readonly sources: OwnershipSources,
    shared: boolean | readonly string[] = false,
  ) {
    this.sharedAll = shared === true;
    this.sharedGlobs = Array.isArray(shared) ? shared.map((g) => globToSafeRegex(g)) : [];
  }

  ownerOf(device: string): string | undefined {
    return this.sources.assigned(device) ?? this.sources.firstReporter(device);
  }

  /** Throws the 403 for the first devices in `names` that belong to another agent. */
  check(agent: string, names: Iterable<string>): void {
    if (this.sharedAll) return;
    const foreign: string[] = [];
    const refused = new Set<string>();
    for (const name of names) {
      if (refused.has(name)) continue;
      const owner = this.ownerOf(name);
      if (owner === undefined || owner === agent || this.sharedGlobs.some((g) => g.test(name))) continue;
      refused.add(name);
      foreign.push(`'${name}' (belongs to agent '${owner}')`);
    }
    if (foreign.length === 0) return;
    const shown = foreign.slice(0, 5).join(', ');
    const more = foreign.length > 5 ? ` and ${foreign.length - 5} more` : '';
    // The reply lists every refused device, so the agent can set exactly those aside and send the rest.
    throw Object.assign(new Errors.DeviceNotOwned(agent, shown + more), { devices: [...refused] });
  }
}
