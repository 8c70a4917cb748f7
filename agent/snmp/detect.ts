/**
 * Capability detection: which standard MIB modules a device answers, and what
 * that says about what the device is.
 *
 * Every profile with a `detect` section is a module. One batched GETNEXT asks
 * for the OID after each module's anchors (32 anchors per PDU, so today's ~30
 * modules cost one or two round trips); a module answered when the OID that
 * comes back lies inside an anchor's subtree. The poller runs this at first
 * contact, after the device restarts or changes sysObjectID, and every few
 * hours, never on every poll.
 *
 * The class comes from one precedence, first match wins:
 *   1. the target's `class` option;
 *   2. the vendor profile's device.class (sysObjectID / sysDescr / oid_exists);
 *   3. evidence from answered modules, in EVIDENCE_PRECEDENCE order:
 *      UPS-MIB, SNIA-SML (tape), FC-MGMT, precision-AC tables, environment
 *      monitors, firewall MIBs, BMC markers, HOST-RESOURCES, then bridging /
 *      IP forwarding;
 *   4. `unknown`, with the evidence that was looked at. Nothing is guessed.
 */
import type { DeviceClass } from '../../collector/contract/index.js';
import type { Profile, ProfileSet } from './profile.js';
import type { SnmpClient, SnmpValue } from './session.js';

/** The one precedence of class evidence (README "How detection works"). */
export const EVIDENCE_PRECEDENCE = ['ups', 'tape', 'fc', 'precision_ac', 'environment', 'security', 'bmc', 'host', 'bridging'] as const;
export type EvidenceKind = (typeof EVIDENCE_PRECEDENCE)[number];

export interface ModuleHit {
  module: string;
  /** The anchor that answered and the first OID found under it. */
  anchor: string;
  oid: string;
}

export interface Detection {
  /** Modules that answered, in name order. */
  modules: Profile[];
  hits: ModuleHit[];
  /** First-row values of the class_from columns, by OID. */
  values: Map<string, SnmpValue>;
  /** GETNEXT requests sent (PDUs), for the benchmark's round-trip count. */
  requests: number;
}

export interface ClassDecision {
  class: DeviceClass;
  /** Why, in words: "profile huawei-vrp", "module ups-mib (UPS-MIB answered)", "nothing identified it". */
  reason: string;
  /** Everything looked at, for `unknown`: answered modules with their evidence. */
  evidence: string[];
}

const GETNEXT_CHUNK = 32;

function under(oid: string, prefix: string): boolean {
  return oid === prefix || oid.startsWith(`${prefix}.`);
}

/** Probes every module's anchors in batched GETNEXTs. */
export async function detectModules(client: SnmpClient, profiles: ProfileSet): Promise<Detection> {
  const modules = profiles.modules;
  const asked = new Set<string>();
  for (const m of modules) {
    for (const a of m.detect?.anchors ?? []) asked.add(a);
    if (m.detect?.class_from) asked.add(m.detect.class_from.oid);
  }
  const oids = [...asked];
  const next = oids.length > 0 ? await client.getNext(oids) : new Map<string, { oid: string; value: SnmpValue }>();
  const hits: ModuleHit[] = [];
  const found: Profile[] = [];
  const values = new Map<string, SnmpValue>();
  for (const m of modules) {
    const d = m.detect;
    if (!d) continue;
    let hit: ModuleHit | undefined;
    for (const anchor of d.anchors) {
      const n = next.get(anchor);
      if (n && under(n.oid, anchor)) {
        hit = { module: m.name, anchor, oid: n.oid };
        break;
      }
    }
    if (d.class_from) {
      const n = next.get(d.class_from.oid);
      if (n && under(n.oid, d.class_from.oid)) values.set(d.class_from.oid, n.value);
    }
    if (hit) {
      hits.push(hit);
      found.push(m);
    }
  }
  return { modules: found, hits, values, requests: Math.ceil(oids.length / GETNEXT_CHUNK) };
}

/** The class of a module's evidence, or undefined when it gives none (class_from did not resolve). */
function moduleClass(m: Profile, values: Map<string, SnmpValue>): DeviceClass | undefined {
  const d = m.detect;
  if (!d) return undefined;
  if (d.class_from) {
    const v = values.get(d.class_from.oid);
    const mapped = v === undefined ? undefined : d.class_from.map[String(v.value)];
    if (mapped) return mapped;
  }
  return d.class;
}

/** Applies the precedence above; `configured` is the target's class option. */
export function decideClass(configured: DeviceClass | undefined, vendor: Profile | undefined, detection: Detection | undefined): ClassDecision {
  const evidence = (detection?.hits ?? []).map((h) => `${h.module} (${h.oid})`);
  if (configured) return { class: configured, reason: "the target's class option", evidence };
  if (vendor?.device.class) return { class: vendor.device.class, reason: `profile ${vendor.name}`, evidence };
  const mods = detection?.modules ?? [];
  for (const kind of EVIDENCE_PRECEDENCE) {
    for (const m of mods) {
      if (m.detect?.evidence !== kind) continue;
      const cls = moduleClass(m, detection?.values ?? new Map());
      if (cls) return { class: cls, reason: `module ${m.name} (${kind} evidence)`, evidence };
    }
  }
  return { class: 'unknown', reason: 'nothing identified it', evidence };
}
