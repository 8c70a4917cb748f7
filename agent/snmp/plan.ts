/** Composing a device's poll plan from its vendor profile and detected modules. */
import { mergeInto, type Profile } from './profile.js';

/**
 * A device's poll plan: its vendor profile (if any) plus every detected module,
 * minus what the profile or a detected module excludes. Tables and scalars
 * keep the name of the profile that defined them, so exclusion also removes a
 * module the vendor profile itself extends (a BMC that extends host-resources).
 */
export function composePlan(vendor: Profile | undefined, modules: Profile[]): Profile {
  const excluded = new Set<string>([...(vendor?.excludes ?? []), ...modules.flatMap((m) => [...m.excludes, ...(m.detect?.excludes ?? [])])]);
  const keep = modules.filter((m) => !excluded.has(m.name));
  const plan: Profile = {
    name: vendor?.name ?? (keep.map((m) => m.name).join('+') || 'none'),
    file: vendor?.file ?? '',
    description: vendor?.description,
    chain: [...(vendor?.chain ?? [])],
    match: vendor?.match ?? [],
    excludes: [...excluded],
    device: { ...(vendor?.device ?? {}) },
    scalars: [],
    tables: [],
    traps: [],
  };
  if (vendor) mergeInto(plan, vendor);
  for (const m of keep) {
    mergeInto(plan, { ...m, device: {} });
    for (const n of m.chain) if (!plan.chain.includes(n)) plan.chain.push(n);
  }
  plan.scalars = plan.scalars.filter((s) => !excluded.has(s.profile));
  plan.tables = plan.tables.filter((t) => !excluded.has(t.profile));
  plan.chain = plan.chain.filter((n) => !excluded.has(n));
  return plan;
}
