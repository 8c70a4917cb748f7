/**
 * An in-memory SNMP agent at the SnmpClient seam, for unit tests of detection
 * and value hygiene: GET, GETNEXT and column walks over a sorted OID map, and
 * a count of requests so tests can see how many round trips a poll costs.
 */
import { compareOids, type SnmpClient, type SnmpValue } from '../../agent/snmp/session.js';

export const INT = 2;
export const STR = 4;
export const OIDT = 6;
export const GAUGE = 66;
export const TICKS = 67;

export class FakeAgent implements SnmpClient {
  valuesReceived = 0;
  requests = { get: 0, getNext: 0, walk: 0 };
  private sorted: string[] = [];

  constructor(private readonly mib: Map<string, SnmpValue>) {
    this.resort();
  }

  static of(entries: Record<string, [number, number | string]>): FakeAgent {
    return new FakeAgent(new Map(Object.entries(entries).map(([oid, [type, value]]) => [oid, { type, value }])));
  }

  set(oid: string, type: number, value: number | string): void {
    this.mib.set(oid, { type, value });
    this.resort();
  }

  private resort(): void {
    this.sorted = [...this.mib.keys()].sort(compareOids);
  }

  private after(oid: string): string | undefined {
    return this.sorted.find((o) => compareOids(o, oid) > 0);
  }

  async get(oids: string[]): Promise<Map<string, SnmpValue>> {
    this.requests.get++;
    return new Map(oids.flatMap((o) => (this.mib.has(o) ? [[o, this.mib.get(o) as SnmpValue]] : [])));
  }

  async getNext(oids: string[]): Promise<Map<string, { oid: string; value: SnmpValue }>> {
    this.requests.getNext += Math.ceil(oids.length / 32);
    const out = new Map<string, { oid: string; value: SnmpValue }>();
    for (const o of oids) {
      const next = this.after(o);
      if (next) out.set(o, { oid: next, value: this.mib.get(next) as SnmpValue });
    }
    return out;
  }

  async walkColumns(columns: string[]): Promise<Map<string, Map<string, SnmpValue>>> {
    this.requests.walk++;
    const out = new Map<string, Map<string, SnmpValue>>();
    for (const c of columns) {
      const rows = new Map<string, SnmpValue>();
      for (const o of this.sorted) if (o.startsWith(`${c}.`)) rows.set(o.slice(c.length + 1), this.mib.get(o) as SnmpValue);
      out.set(c, rows);
    }
    return out;
  }

  close(): void {}
}
