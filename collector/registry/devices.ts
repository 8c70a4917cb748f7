/**
 * The device registry: what is in the room, fed by the metadata agents send
 * with their batches and by the devices that samples name.
 */
import type { Statement } from 'better-sqlite3';
import type { DeviceMeta } from '../contract/index.js';
import type { Db } from '../db.js';

export interface DeviceRecord {
  name: string;
  class: string | null;
  vendor: string | null;
  model: string | null;
  os: string | null;
  serial: string | null;
  address: string | null;
  site: string | null;
  room: string | null;
  parent: string | null;
  labels: Record<string, string>;
  agent: string | null;
  first_seen: number;
  last_seen: number;
}

export interface DeviceHint {
  name: string;
  class?: string;
  site?: string;
  room?: string;
}

interface DeviceRow extends Omit<DeviceRecord, 'labels'> {
  labels: string | null;
}

export class DeviceRegistry {
  private readonly upsertMeta: Statement;
  private readonly touchSeen: Statement;
  private readonly fillHints: Statement;
  private readonly selectOwner: Statement;

  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS devices (
        name TEXT PRIMARY KEY,
        class TEXT, vendor TEXT, model TEXT, os TEXT, serial TEXT, address TEXT,
        site TEXT, room TEXT, parent TEXT, labels TEXT, agent TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      );
    `);
    this.selectOwner = db.prepare('SELECT agent, parent FROM devices WHERE name = ?');
    // Metadata replaces what the agent said before; first_seen and the first reporting agent never move.
    this.upsertMeta = db.prepare(`
      INSERT INTO devices (name, class, vendor, model, os, serial, address, site, room, parent, labels, agent, first_seen, last_seen)
      VALUES (@name, @class, @vendor, @model, @os, @serial, @address, @site, @room, @parent, @labels, @agent, @now, @now)
      ON CONFLICT (name) DO UPDATE SET
        class = excluded.class, vendor = excluded.vendor, model = excluded.model, os = excluded.os,
        serial = excluded.serial, address = excluded.address, site = excluded.site, room = excluded.room,
        parent = excluded.parent, labels = excluded.labels, agent = coalesce(devices.agent, excluded.agent),
        last_seen = max(devices.last_seen, excluded.last_seen)
    `);
    this.touchSeen = db.prepare(`
      INSERT INTO devices (name, agent, first_seen, last_seen) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET last_seen = max(devices.last_seen, excluded.last_seen), agent = coalesce(devices.agent, excluded.agent)
    `);
    this.fillHints = db.prepare(`
      UPDATE devices SET class = coalesce(class, @class), site = coalesce(site, @site), room = coalesce(room, @room) WHERE name = @name
    `);
  }

  /** Records metadata; call inside the ingest transaction. */
  upsert(devices: readonly DeviceMeta[], agent: string, now: number): void {
    for (const d of devices) {
      this.upsertMeta.run({
        name: d.name,
        class: d.class,
        vendor: d.vendor ?? null,
        model: d.model ?? null,
        os: d.os ?? null,
        serial: d.serial ?? null,
        address: d.address ?? null,
        site: d.site ?? null,
        room: d.room ?? null,
        parent: d.parent ?? null,
        labels: d.labels ? JSON.stringify(d.labels) : null,
        agent,
        now,
      });
    }
  }

  /**
   * Class, site and room from what a device's lines say (a Telegraf `class`
   * tag, the inventory), for attributes no agent metadata has set: metadata
   * sent by an agent is never overwritten by a tag.
   */
  fillMissing(hints: Iterable<DeviceHint>): void {
    for (const h of hints) this.fillHints.run({ name: h.name, class: h.class ?? null, site: h.site ?? null, room: h.room ?? null });
  }

  /** Marks devices as seen now; unknown names are registered without a class. */
  touch(names: Iterable<string>, agent: string, now: number): void {
    for (const name of names) this.touchSeen.run(name, agent, now, now);
  }

  /** The agent that first reported the device and its parent, without decoding the rest (ingest asks per device). */
  ownerAndParent(name: string): { agent: string | null; parent: string | null } | undefined {
    return this.selectOwner.get(name) as { agent: string | null; parent: string | null } | undefined;
  }

  list(filter: { class?: string; site?: string } = {}): DeviceRecord[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.class) {
      where.push('class = ?');
      args.push(filter.class);
    }
    if (filter.site) {
      where.push('site = ?');
      args.push(filter.site);
    }
    const rows = this.db.prepare(`SELECT * FROM devices${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY name`).all(...args) as DeviceRow[];
    return rows.map(toRecord);
  }

  get(name: string): DeviceRecord | undefined {
    const row = this.db.prepare('SELECT * FROM devices WHERE name = ?').get(name) as DeviceRow | undefined;
    return row ? toRecord(row) : undefined;
  }
}

function toRecord(row: DeviceRow): DeviceRecord {
  return { ...row, labels: row.labels ? (JSON.parse(row.labels) as Record<string, string>) : {} };
}
