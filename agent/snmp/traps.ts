/**
 * The agent's SNMP trap receiver: v1 and v2c notifications (and informs) are
 * decoded, mapped by the profiles' `traps:` sections to events, deduplicated,
 * rate-limited, and sent as `trap.<event>` samples that rules can match.
 *
 * An event is a pulse, not a state: it is 1 when the trap arrives and goes
 * back to 0 after `hold` (or at once when its clearing trap arrives, such as
 * linkUp for linkDown), so an alert on `trap.link_down == 1` clears by itself.
 * The polled state (if.oper_up, ups.on_battery) stays the source of truth.
 */
import snmp from 'net-snmp';
import type { Sample } from '../../collector/contract/index.js';
import type { TrapSettings } from '../config.js';
import type { ProbeLog } from '../probes/types.js';
import type { CompiledTrap, ProfileSet } from './profile.js';
import { decodeVarbind } from './session.js';

const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
/** v1 generic traps 0–5 are the snmpTraps of RFC 3584 §3.1. */
const GENERIC_TRAPS = ['1.3.6.1.6.3.1.1.5.1', '1.3.6.1.6.3.1.1.5.2', '1.3.6.1.6.3.1.1.5.3', '1.3.6.1.6.3.1.1.5.4', '1.3.6.1.6.3.1.1.5.5', '1.3.6.1.6.3.1.1.5.6'];
/** Bounds on what the receiver remembers, whatever a storm sends. */
const MAX_TRACKED = 10_000;

export interface DecodedTrap {
  version: 'v1' | 'v2c' | 'v3';
  /** The notification's identity: snmpTrapOID.0, or enterprise.0.specific for v1. */
  oid: string;
  /** The address the trap names as its agent (v1 agent-addr) or came from. */
  source: string;
  varbinds: Array<{ oid: string; value: string | number }>;
}

export interface TrapStats {
  received: number;
  mapped: number;
  unknown: number;
  deduplicated: number;
  rateLimited: number;
  rejected: number;
}

export interface TrapReceiverDeps {
  profiles: ProfileSet;
  /** The configured device name for a source address, when a target polls it. */
  deviceFor(address: string): string | undefined;
  emit(samples: Sample[]): void;
  log: ProbeLog;
  now?: () => number;
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perSec: number,
    now: number,
  ) {
    this.tokens = perSec * 2;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.perSec * 2, this.tokens + ((now - this.last) / 1000) * this.perSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Turns a net-snmp notification into the parts a mapping needs; undefined for malformed ones. */
export function decodeNotification(pdu: Record<string, unknown>, address: string, version: DecodedTrap['version']): DecodedTrap | undefined {
  const varbinds: DecodedTrap['varbinds'] = [];
  for (const vb of (pdu.varbinds as snmp.Varbind[] | undefined) ?? []) {
    const v = decodeVarbind(vb);
    if (v) varbinds.push({ oid: vb.oid, value: v.value });
  }
  if (pdu.type === snmp.PduType.Trap) {
    const generic = Number(pdu.generic);
    const enterprise = String(pdu.enterprise ?? '');
    const oid = generic >= 0 && generic <= 5 ? GENERIC_TRAPS[generic] : `${enterprise}.0.${Number(pdu.specific)}`;
    if (!oid) return undefined;
    const agentAddr = typeof pdu.agentAddr === 'string' && pdu.agentAddr !== '0.0.0.0' ? pdu.agentAddr : address;
    return { version: 'v1', oid, source: agentAddr, varbinds };
  }
  const trapOid = varbinds.find((v) => v.oid === SNMP_TRAP_OID)?.value;
  if (typeof trapOid !== 'string') return undefined;
  return { version, oid: trapOid, source: address, varbinds: varbinds.filter((v) => v.oid !== SNMP_TRAP_OID && v.oid !== SYS_UPTIME) };
}

export class TrapReceiver {
  readonly stats: TrapStats = { received: 0, mapped: 0, unknown: 0, deduplicated: 0, rateLimited: 0, rejected: 0 };
  private receiver: { close(cb?: () => void): void } | undefined;
  private readonly recent = new Map<string, number>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly total: TokenBucket;
  private readonly holds = new Map<string, { until: number; sample: Sample }>();
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private stormWarnedAt = 0;

  constructor(
    private readonly settings: TrapSettings,
    private readonly deps: TrapReceiverDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.total = new TokenBucket(settings.totalPerSec, this.now());
  }

  /** Binds the UDP port; rejects when it cannot (port in use, no privilege for 162). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const options = {
        port: this.settings.port,
        address: this.settings.host,
        transport: this.settings.host.includes(':') ? 'udp6' : 'udp4',
        disableAuthorization: this.settings.communities.length === 0,
        includeAuthentication: true,
      };
      let started = false;
      const receiver = snmp.createReceiver(options, (err: Error | null, notification: { pdu: Record<string, unknown>; rinfo: { address: string } } | null) => {
        if (err || !notification) {
          this.stats.rejected++;
          this.deps.log.debug('trap rejected', { err: err?.message });
          return;
        }
        const version = notification.pdu.type === snmp.PduType.Trap ? 'v1' : notification.pdu.user ? 'v3' : 'v2c';
        this.handle(decodeNotification(notification.pdu, notification.rinfo.address, version));
      });
      for (const c of this.settings.communities) receiver.getAuthorizer().addCommunity(c);
      // net-snmp binds asynchronously; a bind error arrives on the socket.
      const socket = (receiver as { listener?: { sockets?: Record<string, { once(e: string, f: (x?: Error) => void): void }> } }).listener?.sockets;
      const sock = socket ? Object.values(socket)[0] : undefined;
      this.receiver = receiver;
      if (!sock) {
        resolve();
        return;
      }
      sock.once('listening', () => {
        started = true;
        resolve();
      });
      sock.once('error', (e) => {
        if (!started) reject(new Error(`cannot listen for traps on ${this.settings.host}:${this.settings.port}: ${e?.message}`));
      });
    });
  }

  /** Maps one decoded trap; exposed so unit tests need no socket. */
  handle(trap: DecodedTrap | undefined): void {
    this.stats.received++;
    if (!trap) {
      this.stats.rejected++;
      return;
    }
    const now = this.now();
    if (!this.admit(trap.source, now)) return;
    const spec = this.deps.profiles.trap(trap.oid);
    const device = this.deps.deviceFor(trap.source) ?? trap.source;
    if (!spec) {
      this.stats.unknown++;
      this.emitDeduplicated(`${trap.source}|${trap.oid}`, [this.sample(device, { trap_oid: trap.oid }, { unknown: 1 }, now)], now);
      return;
    }
    const tags = this.tagsFor(spec, trap);
    const value = this.valueFor(spec, trap);
    if (value === undefined) {
      this.stats.unknown++;
      return;
    }
    const samples = [this.sample(device, tags, { [spec.event]: value }, now)];
    for (const cleared of spec.clears ?? []) {
      samples.push(this.sample(device, tags, { [cleared]: 0 }, now));
      this.holds.delete(this.holdKey(device, tags, cleared));
    }
    const dedupKey = `${trap.source}|${trap.oid}|${trap.varbinds.map((v) => `${v.oid}=${v.value}`).join(',')}`;
    if (!this.emitDeduplicated(dedupKey, samples, now)) return;
    this.stats.mapped++;
    if (value !== 0) this.hold(device, tags, spec.event, now);
    else this.holds.delete(this.holdKey(device, tags, spec.event));
  }

  private valueFor(spec: CompiledTrap, trap: DecodedTrap): number | undefined {
    if (!spec.value_from) return spec.value ?? 1;
    const prefix = spec.value_from.oid.replace(/^\./, '');
    const vb = trap.varbinds.find((v) => v.oid === prefix || v.oid.startsWith(`${prefix}.`));
    if (!vb) return undefined;
    return spec.value_from.map[String(vb.value)] ?? undefined;
  }

  /** Per-source and total token buckets; a storm is logged once a minute, never per trap. */
  private admit(source: string, now: number): boolean {
    let bucket = this.buckets.get(source);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED) this.buckets.clear();
      bucket = new TokenBucket(this.settings.perSourcePerSec, now);
      this.buckets.set(source, bucket);
    }
    if (bucket.take(now) && this.total.take(now)) return true;
    this.stats.rateLimited++;
    if (now - this.stormWarnedAt > 60_000) {
      this.stormWarnedAt = now;
      this.deps.log.warn('trap storm: dropping traps over the rate limit', { source, dropped_so_far: this.stats.rateLimited });
    }
    return false;
  }

  private emitDeduplicated(key: string, samples: Sample[], now: number): boolean {
    const seen = this.recent.get(key);
    if (seen !== undefined && now - seen < this.settings.dedupWindowMs) {
      this.stats.deduplicated++;
      return false;
    }
    if (this.recent.size >= MAX_TRACKED) {
      for (const [k, t] of this.recent) if (now - t >= this.settings.dedupWindowMs) this.recent.delete(k);
      if (this.recent.size >= MAX_TRACKED) this.recent.clear();
    }
    this.recent.set(key, now);
    this.deps.emit(samples);
    return true;
  }

  private tagsFor(spec: CompiledTrap, trap: DecodedTrap): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const [name, src] of Object.entries(spec.tags ?? {})) {
      const indexOf = /^index:\.?([0-9.]+)$/.exec(src);
      if (indexOf) {
        const prefix = `${indexOf[1]}.`;
        const vb = trap.varbinds.find((v) => v.oid.startsWith(prefix));
        if (vb) tags[name] = vb.oid.slice(prefix.length);
        continue;
      }
      if (/^\.?[0-9]+(\.[0-9]+)+$/.test(src)) {
        const prefix = src.replace(/^\./, '');
        const vb = trap.varbinds.find((v) => v.oid === prefix || v.oid.startsWith(`${prefix}.`));
        if (vb && String(vb.value).trim() !== '') tags[name] = String(vb.value).trim().slice(0, 256);
        continue;
      }
      tags[name] = src;
    }
    return tags;
  }

  private sample(device: string, tags: Record<string, string>, fields: Record<string, number>, ts: number): Sample {
    return { measurement: 'trap', tags: { device, ...tags }, fields, ts };
  }

  private holdKey(device: string, tags: Record<string, string>, event: string): string {
    return `${device}|${event}|${Object.entries(tags)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
  }

  /** Schedules the event's return to 0 after `hold`; a repeat of the trap extends it. */
  private hold(device: string, tags: Record<string, string>, event: string, now: number): void {
    if (this.holds.size >= MAX_TRACKED) return;
    this.holds.set(this.holdKey(device, tags, event), { until: now + this.settings.holdMs, sample: this.sample(device, tags, { [event]: 0 }, 0) });
    this.holdTimer ??= setInterval(() => this.expireHolds(), Math.min(1000, this.settings.holdMs)).unref();
  }

  /** Ends held events whose time is up; public so tests can drive it with their clock. */
  expireHolds(): void {
    const now = this.now();
    const due: Sample[] = [];
    for (const [key, h] of this.holds) {
      if (h.until <= now) {
        due.push({ ...h.sample, ts: now });
        this.holds.delete(key);
      }
    }
    if (due.length > 0) this.deps.emit(due);
  }

  async stop(): Promise<void> {
    clearInterval(this.holdTimer);
    this.holdTimer = undefined;
    const r = this.receiver;
    this.receiver = undefined;
    if (r) await new Promise<void>((resolve) => r.close(() => resolve()));
  }
}
