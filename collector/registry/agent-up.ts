/**
 * device.up for agent hosts, from heartbeat freshness. A host watched by its
 * own agent is not pinged or polled, so nothing else says whether it is up;
 * its agent's heartbeat (agent.heartbeat, every interval) does. Without this
 * such hosts were missing from "devices down" and "devices monitored", and the
 * report counted them by their collection gaps instead of their availability.
 *
 * - Each heartbeat writes device.up = 1 for the agent's device at the
 *   heartbeat's time, in the same transaction as the batch.
 * - While no heartbeat is newer than interval × misses, every interval writes
 *   device.up = 0 for it at the tick's time: down is data, so the report's
 *   down minutes, the dashboards' "devices down" and the rules (host/Host
 *   unreachable, which reads device.up) all see the same thing.
 * - A device that also gets a real device.up (a ping or SNMP probe from
 *   another agent) within the freshness window keeps that one: the poll is
 *   the state of record, the heartbeat only says the agent is alive.
 * - The interval is the agent's own: the longest of the last gaps between
 *   heartbeats (batches in between carry one too, so the longest gap is the
 *   flush interval), never below MIN_INTERVAL_MS.
 * State is kept in SQLite, so a restart still knows which hosts to watch.
 */
import type { Statement } from 'better-sqlite3';
import type { Sample } from '../contract/index.js';
import type { Db } from '../db.js';

export const HEARTBEAT_MEASUREMENT = 'agent';
export const HEARTBEAT_FIELD = 'heartbeat';
export const UP_MEASUREMENT = 'device';
export const UP_FIELD = 'up';
/** Missed heartbeats before an agent host counts as down (the default of `agents_up.misses`). */
export const DEFAULT_MISSES = 3;
/** Before two heartbeats were seen, or when they come faster: the interval assumed. */
export const DEFAULT_INTERVAL_MS = 60_000;
export const MIN_INTERVAL_MS = 1_000;
/** A gap longer than this is an outage, not the interval. */
const MAX_INTERVAL_MS = 10 * 60_000;
const GAPS_KEPT = 4;

interface HostState {
  lastBeat: number;
  gaps: number[];
  /** Last real (probe) device.up sample for the device. */
  polledAt: number;
  /** Last device.up = 0 written for it, so a stale host is written once per interval. */
  downWrittenAt: number;
}

export interface AgentUpOptions {
  misses?: number;
}

export class AgentUp {
  private readonly hosts = new Map<string, HostState>();
  private readonly save: Statement;
  private readonly misses: number;

  constructor(db: Db, o: AgentUpOptions = {}) {
    this.misses = o.misses ?? DEFAULT_MISSES;
    db.exec(`CREATE TABLE IF NOT EXISTS agent_hosts (
      device TEXT PRIMARY KEY, last_beat INTEGER NOT NULL, gaps TEXT NOT NULL, polled_at INTEGER NOT NULL, down_written_at INTEGER NOT NULL
    )`);
    this.save = db.prepare(`INSERT INTO agent_hosts (device, last_beat, gaps, polled_at, down_written_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (device) DO UPDATE SET last_beat = excluded.last_beat, gaps = excluded.gaps, polled_at = excluded.polled_at, down_written_at = excluded.down_written_at`);
    for (const r of db.prepare('SELECT device, last_beat, gaps, polled_at, down_written_at FROM agent_hosts').all() as Array<{
      device: string;
      last_beat: number;
      gaps: string;
      polled_at: number;
      down_written_at: number;
    }>) {
      this.hosts.set(r.device, { lastBeat: r.last_beat, gaps: JSON.parse(r.gaps) as number[], polledAt: r.polled_at, downWrittenAt: r.down_written_at });
    }
  }

  /** The host's heartbeat interval as observed. */
  intervalOf(device: string): number {
    const gaps = this.hosts.get(device)?.gaps ?? [];
    return gaps.length === 0 ? DEFAULT_INTERVAL_MS : Math.max(MIN_INTERVAL_MS, ...gaps);
  }

  /** How long after its last heartbeat a host still counts as up. */
  freshnessOf(device: string): number {
    return this.intervalOf(device) * this.misses;
  }

  /**
   * A batch's samples (inside its transaction): heartbeats give device.up = 1
   * samples to write with it; real device.up samples mark a device polled.
   */
  observe(samples: readonly Sample[]): Sample[] {
    const out: Sample[] = [];
    for (const s of samples) {
      const device = s.tags.device;
      if (s.measurement === UP_MEASUREMENT && UP_FIELD in s.fields) {
        const h = this.hosts.get(device);
        if (h && s.ts > h.polledAt) {
          h.polledAt = s.ts;
          this.persist(device, h);
        }
        continue;
      }
      if (s.measurement !== HEARTBEAT_MEASUREMENT || !(HEARTBEAT_FIELD in s.fields)) continue;
      let h = this.hosts.get(device);
      if (!h) {
        h = { lastBeat: -Infinity, gaps: [], polledAt: -Infinity, downWrittenAt: -Infinity };
        this.hosts.set(device, h);
      }
      if (s.ts > h.lastBeat) {
        const gap = s.ts - h.lastBeat;
        if (Number.isFinite(gap) && gap <= MAX_INTERVAL_MS) h.gaps = [...h.gaps, gap].slice(-GAPS_KEPT);
        h.lastBeat = s.ts;
      }
      this.persist(device, h);
      if (!this.polled(device, h, s.ts)) out.push(upSample(device, 1, s.ts));
    }
    return out;
  }

  /** Every interval: device.up = 0 for each agent host whose heartbeat is stale. */
  tick(now: number): Sample[] {
    const out: Sample[] = [];
    for (const [device, h] of this.hosts) {
      if (this.polled(device, h, now) || this.isFresh(device, now)) continue;
      if (now - h.downWrittenAt < this.intervalOf(device)) continue;
      h.downWrittenAt = now;
      this.persist(device, h);
      out.push(upSample(device, 0, now));
    }
    return out;
  }

  /** Up (fresh heartbeat), down (stale) or undefined (not an agent host, or polled by a probe). */
  state(device: string, now: number): 'up' | 'down' | undefined {
    const h = this.hosts.get(device);
    if (!h || this.polled(device, h, now)) return undefined;
    return this.isFresh(device, now) ? 'up' : 'down';
  }

  /** Agent hosts (not polled otherwise) and whether each is up now. */
  list(now: number): Array<{ device: string; up: boolean; last_heartbeat: number; interval_ms: number; fresh_for_ms: number }> {
    return [...this.hosts.keys()]
      .filter((d) => this.state(d, now) !== undefined)
      .sort()
      .map((d) => ({ device: d, up: this.state(d, now) === 'up', last_heartbeat: this.hosts.get(d)!.lastBeat, interval_ms: this.intervalOf(d), fresh_for_ms: this.freshnessOf(d) }));
  }

  private isFresh(device: string, now: number): boolean {
    return now - (this.hosts.get(device)?.lastBeat ?? -Infinity) <= this.freshnessOf(device);
  }

  private polled(device: string, h: HostState, at: number): boolean {
    return at - h.polledAt <= this.freshnessOf(device);
  }

  private persist(device: string, h: HostState): void {
    const n = (x: number) => (Number.isFinite(x) ? x : -1);
    this.save.run(device, n(h.lastBeat), JSON.stringify(h.gaps), n(h.polledAt), n(h.downWrittenAt));
  }
}

function upSample(device: string, value: 0 | 1, ts: number): Sample {
  return { measurement: UP_MEASUREMENT, tags: { device }, fields: { [UP_FIELD]: value }, ts };
}
