/**
 * One SNMP session per device on net-snmp, with promise-based GET and a
 * multi-column GETBULK walk.
 *
 * Walking the columns a profile needs side by side (rather than one subtree
 * after another, or the whole table entry) is what keeps a poll to a few round
 * trips: 8 columns × 25 repetitions is 200 values per packet.
 */
import snmp from 'net-snmp';

export type SnmpVersion = 'v1' | 'v2c' | 'v3';
export type V3Level = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
export type AuthProtocol = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type PrivProtocol = 'des' | 'aes' | 'aes256b' | 'aes256r';

export interface SnmpTargetOptions {
  host: string;
  port: number;
  version: SnmpVersion;
  community?: string;
  v3?: { user: string; level: V3Level; authProtocol?: AuthProtocol; authKey?: string; privProtocol?: PrivProtocol; privKey?: string; context?: string };
  timeoutMs: number;
  retries: number;
  maxRepetitions: number;
}

/** A decoded value: numbers for integers, counters, gauges and timeticks; text for strings, OIDs and addresses. */
export interface SnmpValue {
  type: number;
  value: number | string;
}

/** The outcome that becomes the `result` tag of device.up. */
export type PollResult = 'ok' | 'timeout' | 'auth' | 'refused' | 'error';

export class SnmpError extends Error {
  constructor(
    message: string,
    readonly result: PollResult,
  ) {
    super(message);
    this.name = 'SnmpError';
  }
}

/** The seam the poller talks to; unit tests hand it a fake. */
export interface SnmpClient {
  /** Values of full OIDs; a missing object is absent from the map. */
  get(oids: string[]): Promise<Map<string, SnmpValue>>;
  /**
   * One GETNEXT per OID, batched into as few PDUs as the agent takes: for each
   * asked OID, the OID and value that follow it (absent at the end of the MIB).
   */
  getNext(oids: string[]): Promise<Map<string, { oid: string; value: SnmpValue }>>;
  /** Each column's rows, keyed by the index part of the OID. */
  walkColumns(columns: string[], maxRows: number, signal?: AbortSignal): Promise<Map<string, Map<string, SnmpValue>>>;
  close(): void;
  /** How many values the session has decoded (for the benchmark). */
  readonly valuesReceived: number;
}

const ObjectType = snmp.ObjectType;
const COUNTER32 = ObjectType.Counter32;
const COUNTER64 = ObjectType.Counter64;
export { COUNTER32, COUNTER64 };

/** Decodes a varbind; undefined for errors and for noSuchObject / noSuchInstance / endOfMibView. */
export function decodeVarbind(vb: snmp.Varbind): SnmpValue | undefined {
  if (snmp.isVarbindError(vb)) return undefined;
  const v = vb.value as unknown;
  switch (vb.type) {
    case ObjectType.Integer:
    case ObjectType.Counter32:
    case ObjectType.Gauge32:
    case ObjectType.TimeTicks:
      return typeof v === 'number' ? { type: vb.type, value: v } : undefined;
    case ObjectType.Counter64:
      return Buffer.isBuffer(v) ? { type: vb.type, value: readUnsigned(v) } : typeof v === 'number' ? { type: vb.type, value: v } : undefined;
    case ObjectType.OctetString:
    case ObjectType.Opaque:
      return { type: vb.type, value: Buffer.isBuffer(v) ? octetText(v) : String(v) };
    case ObjectType.OID:
    case ObjectType.IpAddress:
      return { type: vb.type, value: String(v) };
    default:
      return undefined;
  }
}

function readUnsigned(buf: Buffer): number {
  let n = 0;
  for (const byte of buf) n = n * 256 + byte;
  return n;
}

/** Text of an OCTET STRING, without the trailing NULs some agents pad with. */
function octetText(buf: Buffer): string {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  return buf.toString('utf8', 0, end);
}

/** Compares two dotted OIDs arc by arc (string comparison gets 1.10 < 1.9 wrong). */
export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function classify(err: Error): SnmpError {
  const name = err.name;
  const msg = err.message;
  if (name === 'RequestTimedOutError') return new SnmpError(msg, 'timeout');
  if (/auth|usm|unknown user|wrong digest|password|decrypt|time window|engine/i.test(msg)) return new SnmpError(msg, 'auth');
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/.test(msg)) return new SnmpError(msg, 'refused');
  return new SnmpError(msg, 'error');
}

/** Varbinds per GET request: small enough for any agent's PDU size limit. */
const GET_CHUNK = 32;
/** Columns per GETBULK request. */
const BULK_COLUMNS = 8;

export class NetSnmpClient implements SnmpClient {
  private readonly session: snmp.Session;
  private received = 0;
  private closed = false;

  constructor(private readonly opts: SnmpTargetOptions) {
    const common = { port: opts.port, retries: opts.retries, timeout: opts.timeoutMs, transport: opts.host.includes(':') ? 'udp6' : 'udp4', idBitsSize: 32 };
    if (opts.version === 'v3') {
      const v3 = opts.v3 as NonNullable<SnmpTargetOptions['v3']>;
      const user: snmp.User = { name: v3.user, level: snmp.SecurityLevel[v3.level] } as snmp.User;
      if (v3.level !== 'noAuthNoPriv') {
        Object.assign(user, { authProtocol: snmp.AuthProtocols[v3.authProtocol ?? 'sha'], authKey: v3.authKey });
      }
      if (v3.level === 'authPriv') {
        Object.assign(user, { privProtocol: snmp.PrivProtocols[v3.privProtocol ?? 'aes'], privKey: v3.privKey });
      }
      this.session = snmp.createV3Session(opts.host, user, { ...common, version: snmp.Version3, context: v3.context ?? '' } as snmp.SessionOptionsV3);
    } else {
      const version = opts.version === 'v1' ? snmp.Version1 : snmp.Version2c;
      this.session = snmp.createSession(opts.host, opts.community ?? 'public', { ...common, version } as snmp.SessionOptions);
    }
    // A session-level error (a socket error) must not become an unhandled 'error' event.
    this.session.on('error', () => {});
  }

  get valuesReceived(): number {
    return this.received;
  }

  private request<T>(fn: (cb: (err: Error | null, res: T) => void) => void): Promise<T> {
    if (this.closed) return Promise.reject(new SnmpError('session closed', 'error'));
    return new Promise((resolve, reject) => {
      try {
        fn((err, res) => (err ? reject(classify(err)) : resolve(res)));
      } catch (err) {
        reject(classify(err as Error));
      }
    });
  }

  async get(oids: string[]): Promise<Map<string, SnmpValue>> {
    const out = new Map<string, SnmpValue>();
    for (let i = 0; i < oids.length; i += GET_CHUNK) {
      const chunk = oids.slice(i, i + GET_CHUNK);
      let varbinds: snmp.Varbind[];
      try {
        varbinds = await this.request<snmp.Varbind[]>((cb) => this.session.get(chunk, cb as snmp.ResponseCallback));
      } catch (err) {
        // SNMPv1 answers noSuchName for the whole PDU when one OID is missing: ask one by one.
        if (this.opts.version === 'v1' && chunk.length > 1 && /NoSuchName/i.test((err as Error).message)) {
          for (const oid of chunk) {
            try {
              const [vb] = await this.request<snmp.Varbind[]>((cb) => this.session.get([oid], cb as snmp.ResponseCallback));
              this.take(out, vb);
            } catch (inner) {
              if (!/NoSuchName/i.test((inner as Error).message)) throw inner;
            }
          }
          continue;
        }
        throw err;
      }
      for (const vb of varbinds) this.take(out, vb);
    }
    return out;
  }

  async getNext(oids: string[]): Promise<Map<string, { oid: string; value: SnmpValue }>> {
    const out = new Map<string, { oid: string; value: SnmpValue }>();
    const one = async (chunk: string[]): Promise<void> => {
      const varbinds = await this.request<snmp.Varbind[]>((cb) => this.session.getNext(chunk, cb as snmp.ResponseCallback));
      varbinds.forEach((vb, i) => {
        const v = vb ? decodeVarbind(vb) : undefined;
        if (v) {
          this.received++;
          out.set(chunk[i] as string, { oid: vb.oid, value: v });
        }
      });
    };
    for (let i = 0; i < oids.length; i += GET_CHUNK) {
      const chunk = oids.slice(i, i + GET_CHUNK);
      try {
        await one(chunk);
      } catch (err) {
        // SNMPv1 fails the whole PDU at the end of the MIB (noSuchName); ask the rest one by one.
        if (!(this.opts.version === 'v1' && chunk.length > 1 && /NoSuchName/i.test((err as Error).message))) throw err;
        for (const oid of chunk) {
          try {
            await one([oid]);
          } catch (inner) {
            if (!/NoSuchName/i.test((inner as Error).message)) throw inner;
          }
        }
      }
    }
    return out;
  }

  private take(out: Map<string, SnmpValue>, vb: snmp.Varbind | undefined): void {
    if (!vb) return;
    const v = decodeVarbind(vb);
    if (v) {
      this.received++;
      out.set(vb.oid, v);
    }
  }

  async walkColumns(columns: string[], maxRows: number, signal?: AbortSignal): Promise<Map<string, Map<string, SnmpValue>>> {
    const result = new Map<string, Map<string, SnmpValue>>();
    const pending = columns.map((col) => ({ col, prefix: `${col}.`, next: col, done: false, rows: new Map<string, SnmpValue>() }));
    for (const p of pending) result.set(p.col, p.rows);
    let reps = this.opts.maxRepetitions;
    let width = BULK_COLUMNS;
    for (;;) {
      if (signal?.aborted) throw new SnmpError('poll aborted', 'timeout');
      const active = pending.filter((p) => !p.done).slice(0, width);
      if (active.length === 0) return result;
      let groups: snmp.Varbind[][];
      try {
        groups = await this.fetchNext(
          active.map((a) => a.next),
          reps,
        );
      } catch (err) {
        const message = (err as Error).message;
        if (/TooBig/i.test(message) && (reps > 1 || width > 1)) {
          if (reps > 1) reps = Math.max(1, Math.floor(reps / 2));
          else width = Math.max(1, Math.floor(width / 2));
          continue;
        }
        if (this.opts.version === 'v1' && /NoSuchName/i.test(message)) {
          // v1 ends a walk with noSuchName at the end of the MIB; the error index names the column.
          const index = Number((err as { index?: number }).index ?? 1) - 1;
          (active[index] ?? (active[0] as (typeof active)[number])).done = true;
          continue;
        }
        throw err;
      }
      active.forEach((a, i) => this.advance(a, groups[i] ?? [], maxRows));
    }
  }

  private advance(a: { prefix: string; next: string; done: boolean; rows: Map<string, SnmpValue> }, varbinds: snmp.Varbind[], maxRows: number): void {
    if (varbinds.length === 0) return;
    for (const vb of varbinds) {
      if (a.done) return;
      if (snmp.isVarbindError(vb) || !vb.oid.startsWith(a.prefix)) {
        a.done = true;
        return;
      }
      // A broken agent that answers a lower OID would walk forever; stop the column there.
      if (a.next.startsWith(a.prefix) && compareOids(vb.oid, a.next) <= 0) {
        a.done = true;
        return;
      }
      a.next = vb.oid;
      const v = decodeVarbind(vb);
      if (v) {
        this.received++;
        a.rows.set(vb.oid.slice(a.prefix.length), v);
      }
      if (a.rows.size >= maxRows) a.done = true;
    }
  }

  /** The next values after each OID: GETBULK with repetitions, or GETNEXT on v1. */
  private async fetchNext(oids: string[], reps: number): Promise<snmp.Varbind[][]> {
    if (this.opts.version === 'v1') {
      const vbs = await this.request<snmp.Varbind[]>((cb) => this.session.getNext(oids, cb as snmp.ResponseCallback));
      return vbs.map((vb) => [vb]);
    }
    const vbs = await this.request<Array<snmp.Varbind | snmp.Varbind[]>>((cb) => this.session.getBulk(oids, 0, reps, cb as unknown as snmp.GetBulkCallback));
    return vbs.map((g) => (Array.isArray(g) ? g : [g]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.session.close();
    } catch {
      // Already closed by a socket error.
    }
  }
}
