/**
 * Durable write-ahead spool for outgoing agent batches.
 *
 * Layout of `dir`:
 *   NNNNNNNNNNNN.seg  append-only segments (12-digit increasing number); the newest is "active".
 *   cursor.json       {segment, offset}: everything in `segment` ending at or before `offset`,
 *                     and every older segment, is acknowledged. Written temp+rename but not
 *                     fsync'd: losing it only re-sends batches, which the collector dedups by id.
 *   state.json        {droppedSamples, corruptRecords, seqReservedUpTo, countedCorrupt}; fsync'd.
 *
 * Record framing (little-endian, HDR = 28 bytes, then the payload):
 *   0 u16 magic 0x5752 | 2 u8 version 1 | 3 u8 header length (28) | 4 u32 payload length
 *   8 f64 seq | 16 u32 samples | 20 u32 crc32(payload) | 24 u32 crc32(header bytes 0..23)
 * The header crc lets a scan trust the payload length (to skip a record whose payload is damaged)
 * and lets it resynchronise on the next valid header after a damaged header.
 *
 * Bound invariant: after open() and after every append(), `bytes` (framed size of unacknowledged,
 * intact records) <= maxBytes. Dropping is whole-segment granular: the oldest segments are
 * deleted outright, so a drop may discard up to one segment more than strictly necessary. Disk
 * usage can additionally include the acknowledged prefix of the oldest segment and damaged
 * records, i.e. at most about maxBytes + segmentBytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  segmentBytes?: number;
  fsync?: boolean;
}

export interface SpoolRecord {
  seq: number;
  samples: number;
  payload: Buffer;
  /** Opaque position, only meaningful to ack(). */
  readonly pos: unknown;
}

const MAGIC = 0x5752;
const VERSION = 1;
const HDR = 28;
const SEQ_BLOCK = 1000;
const SEG_RE = /^(\d{12})\.seg$/;

interface Rec {
  off: number;
  len: number;
  seq: number;
  samples: number;
  crc: number;
}
/** `head` = index of the first unacknowledged record; only the oldest segment can have head > 0. */
interface Seg {
  num: number;
  file: string;
  size: number;
  recs: Rec[];
  head: number;
}
interface Pos {
  segment: number;
  offset: number;
}
interface State {
  droppedSamples: number;
  corruptRecords: number;
  seqReservedUpTo: number;
  countedCorrupt: string[];
}

function parseHeader(b: Buffer): { plen: number; seq: number; samples: number; crc: number } | undefined {
  if (b.length < HDR || b.readUInt16LE(0) !== MAGIC || b[2] !== VERSION || b[3] !== HDR) return undefined;
  if (crc32(b.subarray(0, 24)) !== b.readUInt32LE(24)) return undefined;
  return { plen: b.readUInt32LE(4), seq: b.readDoubleLE(8), samples: b.readUInt32LE(16), crc: b.readUInt32LE(20) };
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  for (let n = 1; got < len && n > 0; got += n) n = fs.readSync(fd, buf, got, len - got, pos + got);
  return buf.subarray(0, got);
}

const MAGIC_BYTES = Buffer.from([MAGIC & 0xff, MAGIC >> 8]);

/** Offset of the next valid header at or after `from`, or -1. Reads 64 KiB at a time. */
function findHeader(fd: number, from: number, size: number): number {
  let p = from;
  while (p + HDR <= size) {
    const chunk = readAt(fd, p, Math.min(65536, size - p));
    const i = chunk.indexOf(MAGIC_BYTES);
    if (i < 0) {
      p += Math.max(1, chunk.length - 1);
      continue;
    } // keep 1 byte overlap for a split magic
    if (parseHeader(readAt(fd, p + i, HDR))) return p + i;
    p += i + 1;
  }
  return -1;
}

/**
 * Verifies every record of a segment, one record in memory at a time. `end` is the end of the
 * last intact record; anything after it in the active segment is a torn write.
 */
function scan(fd: number, size: number): { recs: Rec[]; corrupt: Array<{ off: number; samples: number }>; end: number } {
  const recs: Rec[] = [];
  const corrupt: Array<{ off: number; samples: number }> = [];
  let pos = 0,
    end = 0;
  while (pos + HDR <= size) {
    const h = parseHeader(readAt(fd, pos, HDR));
    if (!h) {
      const next = findHeader(fd, pos + 1, size);
      if (next < 0) break;
      corrupt.push({ off: pos, samples: 0 }); // header unreadable: its sample count is unknown
      pos = next;
      continue;
    }
    const len = HDR + h.plen;
    if (pos + len > size) {
      corrupt.push({ off: pos, samples: h.samples });
      break;
    }
    if (crc32(readAt(fd, pos + HDR, h.plen)) === h.crc) {
      recs.push({ off: pos, len, seq: h.seq, samples: h.samples, crc: h.crc });
      end = pos + len;
    } else {
      corrupt.push({ off: pos, samples: h.samples });
    }
    pos += len;
  }
  return { recs, corrupt, end };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export class Spool {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly sync: boolean;
  private segs: Seg[] = [];
  private fd: number;
  private closed = false;
  private peeked: SpoolRecord | undefined;
  private pRecs = 0;
  private pSamples = 0;
  private pBytes = 0; // totals over unacked intact records
  private dropped = 0;
  private corrupt = 0;
  /** Keys "segment:offset" of damaged records already counted, so a reopen doesn't count them twice. */
  private counted = new Set<string>();
  private seqNext = 1;
  private seqReserved = 1; // seqReserved is exclusive and persisted

  static open(opts: SpoolOptions): Spool {
    return new Spool(opts);
  }

  private constructor(opts: SpoolOptions) {
    if (!(opts.maxBytes > HDR)) throw new RangeError('spool: maxBytes too small');
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.segmentBytes = opts.segmentBytes ?? Math.min(4 << 20, Math.max(64 << 10, Math.floor(opts.maxBytes / 8)));
    if (!(this.segmentBytes > HDR)) throw new RangeError('spool: segmentBytes too small');
    this.sync = opts.fsync ?? true;
    fs.mkdirSync(this.dir, { recursive: true });

    const st = readJson(this.p('state.json')) as Partial<State> | undefined;
    if (isCount(st?.droppedSamples)) this.dropped = st.droppedSamples;
    if (isCount(st?.corruptRecords)) this.corrupt = st.corruptRecords;
    const prevCounted = new Set(Array.isArray(st?.countedCorrupt) ? st.countedCorrupt.map(String) : []);

    const nums = fs
      .readdirSync(this.dir)
      .flatMap((f) => {
        const m = SEG_RE.exec(f);
        return m ? [Number(m[1])] : [];
      })
      .sort((a, b) => a - b);
    const damaged: Array<{ num: number; off: number; samples: number }> = [];
    let maxSeq = 0;
    nums.forEach((num, i) => {
      const file = this.segPath(num);
      const fd = fs.openSync(file, 'r+');
      try {
        const size = fs.fstatSync(fd).size;
        const r = scan(fd, size);
        let segSize = size;
        if (i === nums.length - 1 && r.end < size) {
          // Torn tail of the active segment: the append never returned, so nothing is lost.
          fs.ftruncateSync(fd, r.end);
          if (this.sync) fs.fsyncSync(fd);
          segSize = r.end;
          r.corrupt = r.corrupt.filter((c) => c.off < r.end);
        }
        for (const c of r.corrupt) damaged.push({ num, ...c });
        for (const rec of r.recs) maxSeq = Math.max(maxSeq, rec.seq);
        this.segs.push({ num, file, size: segSize, recs: r.recs, head: 0 });
      } finally {
        fs.closeSync(fd);
      }
    });
    if (this.segs.length === 0) this.segs.push(this.createSeg(1));

    // A missing, corrupt or unknown cursor replays from the oldest segment (duplicates are harmless).
    const cur = readJson(this.p('cursor.json')) as Partial<Pos> | undefined;
    const ci = isCount(cur?.offset) ? this.segs.findIndex((s) => s.num === cur?.segment) : -1;
    const coff = ci >= 0 ? (cur?.offset as number) : 0;
    for (const s of this.segs.slice(0, Math.max(ci, 0))) fs.rmSync(s.file, { force: true });
    this.segs = this.segs.slice(Math.max(ci, 0));
    const first = this.segs[0]!;
    while (first.head < first.recs.length && first.recs[first.head]!.off + first.recs[first.head]!.len <= coff) first.head++;

    // Damaged records that are still unacknowledged count as dropped, once across restarts.
    for (const d of damaged) {
      if (d.num < first.num || (d.num === first.num && d.off < coff)) continue;
      const key = `${d.num}:${d.off}`;
      this.counted.add(key);
      if (!prevCounted.has(key)) {
        this.corrupt++;
        this.dropped += d.samples;
      }
    }
    for (const s of this.segs) for (let i = s.head; i < s.recs.length; i++) this.addPending(s.recs[i]!, 1);

    // Resume above both the persisted reservation (covers seqs handed out but never spooled by
    // a crashed process) and every seq still on disk.
    const reserved = isCount(st?.seqReservedUpTo) ? st.seqReservedUpTo : 0;
    this.seqNext = this.seqReserved = Math.max(1, reserved, maxSeq + 1);
    this.fd = fs.openSync(this.active.file, 'r+');
    this.gc();
    this.enforceBound(0);
    this.saveState();
  }

  /** Hi/lo: a block is persisted before any seq from it is handed out, so no process reuses one. */
  nextSeq(): number {
    this.assertOpen();
    if (this.seqNext >= this.seqReserved) {
      this.seqReserved = this.seqNext + SEQ_BLOCK;
      this.saveState();
    }
    return this.seqNext++;
  }

  append(seq: number, samples: number, payload: Buffer): void {
    this.assertOpen();
    if (!Number.isFinite(seq) || !isCount(samples) || samples > 0xffffffff) throw new RangeError('spool: bad seq/samples');
    const len = HDR + payload.length;
    // A record that can never fit under the bound is dropped like any other data the bound evicts.
    if (len > this.maxBytes) {
      this.dropped += samples;
      this.saveState();
      return;
    }
    if (this.active.size > 0 && this.active.size + len > this.segmentBytes) this.rotate();
    this.enforceBound(len);
    const active = this.active;
    const buf = Buffer.allocUnsafe(len);
    const crc = crc32(payload);
    buf.writeUInt16LE(MAGIC, 0);
    buf.writeUInt8(VERSION, 2);
    buf.writeUInt8(HDR, 3);
    buf.writeUInt32LE(payload.length, 4);
    buf.writeDoubleLE(seq, 8);
    buf.writeUInt32LE(samples, 16);
    buf.writeUInt32LE(crc, 20);
    buf.writeUInt32LE(crc32(buf.subarray(0, 24)), 24);
    payload.copy(buf, HDR);
    try {
      let done = 0;
      while (done < len) done += fs.writeSync(this.fd, buf, done, len - done, active.size + done);
      if (this.sync) fs.fdatasyncSync(this.fd);
    } catch (err) {
      // Don't leave a partial record for later appends to land behind.
      try {
        fs.ftruncateSync(this.fd, active.size);
      } catch {
        /* open() will repair the tail */
      }
      throw err;
    }
    const rec: Rec = { off: active.size, len, seq, samples, crc };
    active.recs.push(rec);
    active.size += len;
    this.addPending(rec, 1);
  }

  peek(): SpoolRecord | undefined {
    this.assertOpen();
    while (!this.peeked) {
      const s = this.segs[0]!; // gc() leaves unacked records in segs[0] unless it is the active one
      const rec = s.recs[s.head];
      if (!rec) return undefined;
      const fd = fs.openSync(s.file, 'r');
      let payload: Buffer;
      try {
        payload = readAt(fd, rec.off + HDR, rec.len - HDR);
      } finally {
        fs.closeSync(fd);
      }
      if (payload.length === rec.len - HDR && crc32(payload) === rec.crc) {
        this.peeked = { seq: rec.seq, samples: rec.samples, payload, pos: { segment: s.num, offset: rec.off } satisfies Pos };
      } else {
        // Damaged since it was scanned: skip and count it like a damaged record found by open().
        this.counted.add(`${s.num}:${rec.off}`);
        this.corrupt++;
        this.dropped += rec.samples;
        s.head++;
        this.addPending(rec, -1);
        this.saveState();
        this.gc();
      }
    }
    return this.peeked;
  }

  /** Acknowledges `record` and every older one. Acking a record that was already acked or dropped is a no-op. */
  ack(record: SpoolRecord): void {
    this.assertOpen();
    const pos = record.pos as Partial<Pos> | undefined;
    const si = this.segs.findIndex((s) => s.num === pos?.segment);
    if (si < 0) return;
    const ri = this.segs[si]!.recs.findIndex((r) => r.off === pos?.offset);
    if (ri < 0) throw new Error('spool: ack of unknown record');
    for (let i = 0; i <= si; i++) {
      const s = this.segs[i]!;
      const stop = i < si ? s.recs.length : ri + 1;
      for (; s.head < stop; s.head++) this.addPending(s.recs[s.head]!, -1);
    }
    this.peeked = undefined;
    this.gc();
    this.saveCursor();
  }

  get pendingRecords(): number {
    return this.pRecs;
  }
  get pendingSamples(): number {
    return this.pSamples;
  }
  get bytes(): number {
    return this.pBytes;
  }
  get droppedSamples(): number {
    return this.dropped;
  }
  get corruptRecords(): number {
    return this.corrupt;
  }

  close(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
  }

  private get active(): Seg {
    return this.segs[this.segs.length - 1]!;
  }

  private addPending(r: Rec, sign: 1 | -1): void {
    this.pRecs += sign;
    this.pSamples += sign * r.samples;
    this.pBytes += sign * r.len;
  }

  private createSeg(num: number): Seg {
    const file = this.segPath(num);
    fs.closeSync(fs.openSync(file, 'wx'));
    this.syncDir(); // make the new segment's directory entry durable before records rely on it
    return { num, file, size: 0, recs: [], head: 0 };
  }

  private rotate(): void {
    const seg = this.createSeg(this.active.num + 1);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(seg.file, 'r+');
    this.segs.push(seg);
    this.gc();
  }

  /** Drops whole oldest segments until `bytes + incoming <= maxBytes` (whole-segment granular). */
  private enforceBound(incoming: number): void {
    while (this.pBytes + incoming > this.maxBytes) {
      // The active segment alone is over the bound: rotate so it becomes an old, droppable one.
      if (this.segs.length === 1) this.rotate();
      const s = this.segs.shift()!;
      for (const r of s.recs.slice(s.head)) {
        this.dropped += r.samples;
        this.addPending(r, -1);
      }
      // State before unlink: a crash in between over-reports loss rather than hiding it.
      this.saveState();
      fs.rmSync(s.file, { force: true });
      this.peeked = undefined; // the cursor, if it was there, moves to the start of the next segment
      this.gc();
      this.saveCursor();
    }
  }

  /** Deletes leading segments with nothing left to send; never the active one. */
  private gc(): void {
    let removed = false;
    while (this.segs.length > 1 && this.segs[0]!.head >= this.segs[0]!.recs.length) {
      fs.rmSync(this.segs.shift()!.file, { force: true });
      removed = true;
    }
    if (removed) this.saveCursor();
  }

  private saveCursor(): void {
    const s = this.segs[0]!;
    const last = s.recs[s.head - 1];
    this.writeJson('cursor.json', { segment: s.num, offset: last ? last.off + last.len : 0 }, false);
  }

  /** fsync'd (if enabled): it carries the seq reservation, which must never go backwards. */
  private saveState(): void {
    const countedCorrupt = [...this.counted].filter((k) => Number(k.split(':')[0]) >= this.segs[0]!.num);
    const state: State = { droppedSamples: this.dropped, corruptRecords: this.corrupt, seqReservedUpTo: this.seqReserved, countedCorrupt };
    this.writeJson('state.json', state, this.sync);
  }

  private writeJson(name: string, value: unknown, durable: boolean): void {
    const file = this.p(name),
      tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(value), { flush: durable });
    fs.renameSync(tmp, file);
    if (durable) this.syncDir();
  }

  private syncDir(): void {
    if (!this.sync) return;
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.dir, 'r');
      fs.fsyncSync(fd);
    } catch {
      /* not supported on Windows */
    }
    if (fd !== undefined) fs.closeSync(fd);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('spool: closed');
  }

  private p(name: string): string {
    return path.join(this.dir, name);
  }
  private segPath(num: number): string {
    return this.p(`${String(num).padStart(12, '0')}.seg`);
  }
}
