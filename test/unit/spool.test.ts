import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, type SpoolOptions, type SpoolRecord } from '../../agent/transport/spool.js';

const HDR = 28;
const dirs: string[] = [];
const open: Spool[] = [];

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'roomwatch-spool-'));
  dirs.push(d);
  return d;
}

function openSpool(opts: SpoolOptions): Spool {
  const s = Spool.open(opts);
  open.push(s);
  return s;
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Item {
  seq: number;
  samples: number;
  payload: Buffer;
}

/** Deterministic payload of `len` bytes, distinct per seq. */
function item(seq: number, len = 72, samples = seq + 1): Item {
  const payload = Buffer.alloc(len);
  for (let i = 0; i < len; i++) payload[i] = (seq * 31 + i * 7) & 0xff;
  return { seq, samples, payload };
}

function appendAll(s: Spool, items: Item[]): void {
  for (const it of items) s.append(it.seq, it.samples, it.payload);
}

function plain(r: SpoolRecord): Item {
  return { seq: r.seq, samples: r.samples, payload: r.payload };
}

/** Peeks and acks until empty; returns everything replayed. */
function drain(s: Spool, limit = Infinity): Item[] {
  const out: Item[] = [];
  for (let r = s.peek(); r && out.length < limit; r = s.peek()) {
    out.push(plain(r));
    s.ack(r);
  }
  return out;
}

function segFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => path.join(dir, f));
}

function diskBytes(dir: string): number {
  return segFiles(dir).reduce((n, f) => n + fs.statSync(f).size, 0);
}

const sum = (xs: Item[]): number => xs.reduce((n, x) => n + x.samples, 0);

// 72-byte payloads frame to 100 bytes; segmentBytes 300 holds exactly 3 records per segment.
const REC = HDR + 72;
const small = (dir: string, extra: Partial<SpoolOptions> = {}): SpoolOptions => ({ dir, maxBytes: 1 << 20, segmentBytes: 3 * REC, ...extra });

describe('Spool', () => {
  it('replays in order across segments and a reopen, peek is stable until ack', () => {
    const dir = tmpDir();
    const items = Array.from({ length: 20 }, (_, i) => item(i + 1));
    let s = openSpool(small(dir));
    appendAll(s, items);
    expect(segFiles(dir)).toHaveLength(7);
    const r = s.peek()!;
    expect(s.peek()).toBe(r);
    const first = drain(s, 7);
    s.close();
    s = openSpool(small(dir));
    const rest = drain(s);
    expect([...first, ...rest]).toEqual(items);
    expect(s.peek()).toBeUndefined();
    // Fully acknowledged segments are deleted; only the (empty-of-pending) active one remains.
    expect(segFiles(dir)).toHaveLength(1);
  });

  describe('torn tail', () => {
    const variants: Array<[string, (file: string, end4: number, rec5: Buffer) => void]> = [
      ['partial payload', (f, end4) => fs.truncateSync(f, end4 + HDR + 30)],
      ['partial header', (f, end4) => fs.truncateSync(f, end4 + 11)],
      [
        'garbage half-header appended',
        (f, end4, rec5) => {
          fs.truncateSync(f, end4);
          fs.appendFileSync(f, rec5.subarray(0, HDR / 2));
        },
      ],
      [
        'complete record with bad crc',
        (f, end4) => {
          const fd = fs.openSync(f, 'r+');
          fs.writeSync(fd, Buffer.from([0xaa, 0x55]), 0, 2, end4 + HDR + 10);
          fs.closeSync(fd);
        },
      ],
    ];
    it.each(variants)('%s: reopen replays the 4 complete records, appends continue after them', (_name, damage) => {
      const dir = tmpDir();
      const items = Array.from({ length: 5 }, (_, i) => item(i + 1));
      const s1 = openSpool(small(dir, { segmentBytes: 1 << 16 }));
      appendAll(s1, items);
      const [file] = segFiles(dir);
      const end4 = 4 * REC;
      const rec5 = fs.readFileSync(file!).subarray(end4);
      expect(rec5.length).toBe(REC);
      s1.close();
      damage(file!, end4, rec5);

      const s2 = openSpool(small(dir, { segmentBytes: 1 << 16 }));
      expect(fs.statSync(file!).size).toBe(end4); // tail repaired by truncation
      expect(s2.pendingRecords).toBe(4);
      expect(s2.corruptRecords).toBe(0); // a torn write is not data loss: append never returned
      const more = [item(6), item(7)];
      appendAll(s2, more);
      expect(drain(s2)).toEqual([...items.slice(0, 4), ...more]);
    });
  });

  it('after a crash replays unacked records; without cursor.json replays all remaining segments', () => {
    const dir = tmpDir();
    const items = Array.from({ length: 10 }, (_, i) => item(i + 1));
    const s1 = openSpool(small(dir));
    appendAll(s1, items);
    expect(drain(s1, 4)).toEqual(items.slice(0, 4));
    // Crash: s1 is never closed; a new process opens the same directory.
    const s2 = openSpool(small(dir));
    expect(s2.pendingRecords).toBe(6);
    expect(drain(s2)).toEqual(items.slice(4));

    // Same history again, then lose the cursor: segment 1 (fully acked) is gone, segment 2
    // (records 4..6, record 4 acked) is replayed from its start.
    const dir2 = tmpDir();
    const t1 = openSpool(small(dir2));
    appendAll(t1, items);
    drain(t1, 4);
    fs.rmSync(path.join(dir2, 'cursor.json'));
    const t2 = openSpool(small(dir2));
    expect(t2.pendingRecords).toBe(7);
    expect(drain(t2)).toEqual(items.slice(3));

    // A corrupt cursor behaves like a missing one.
    const dir3 = tmpDir();
    const u1 = openSpool(small(dir3));
    appendAll(u1, items);
    drain(u1, 2);
    fs.writeFileSync(path.join(dir3, 'cursor.json'), '{"segment": 1, "off');
    expect(drain(openSpool(small(dir3)))).toEqual(items);
  });

  it('skips a record with a corrupted payload byte in an old segment and counts it once', () => {
    const dir = tmpDir();
    const items = Array.from({ length: 9 }, (_, i) => item(i + 1));
    appendAll(openSpool(small(dir)), items);
    const [seg1] = segFiles(dir);
    const fd = fs.openSync(seg1!, 'r+');
    fs.writeSync(fd, Buffer.from([0xff ^ items[1]!.payload[20]!]), 0, 1, REC + HDR + 20);
    fs.closeSync(fd);

    const s = openSpool(small(dir));
    expect(s.corruptRecords).toBe(1);
    expect(s.droppedSamples).toBe(items[1]!.samples);
    expect(s.pendingRecords).toBe(8);
    s.close();
    // Reopening before the damaged record is passed must not count it again.
    const s2 = openSpool(small(dir));
    expect(s2.corruptRecords).toBe(1);
    expect(s2.droppedSamples).toBe(items[1]!.samples);
    expect(drain(s2)).toEqual(items.filter((_, i) => i !== 1));
    s2.close();
    expect(openSpool(small(dir)).corruptRecords).toBe(1);
  });

  it('resynchronises after a corrupted header (sample count unknown)', () => {
    const dir = tmpDir();
    const items = Array.from({ length: 6 }, (_, i) => item(i + 1));
    appendAll(openSpool(small(dir)), items);
    const fd = fs.openSync(segFiles(dir)[0]!, 'r+');
    fs.writeSync(fd, Buffer.from([0x7f, 0x7f]), 0, 2, REC + 4); // payload length of record 2
    fs.closeSync(fd);
    const s = openSpool(small(dir));
    expect(s.corruptRecords).toBe(1);
    expect(s.droppedSamples).toBe(0);
    expect(drain(s)).toEqual(items.filter((_, i) => i !== 1));
  });

  it('detects a record damaged after open when it is peeked', () => {
    const dir = tmpDir();
    const items = Array.from({ length: 4 }, (_, i) => item(i + 1));
    const s = openSpool(small(dir));
    appendAll(s, items);
    const fd = fs.openSync(segFiles(dir)[0]!, 'r+');
    fs.writeSync(fd, Buffer.from([0]), 0, 1, HDR + 1);
    fs.closeSync(fd);
    expect(drain(s)).toEqual(items.slice(1));
    expect(s.corruptRecords).toBe(1);
    expect(s.droppedSamples).toBe(items[0]!.samples);
  });

  describe('bound', () => {
    // Invariant: after open() and every append(), bytes <= maxBytes (no slack), because whole
    // oldest segments are dropped BEFORE the new record is written. Dropping is segment granular,
    // so after a drop bytes > maxBytes - segmentBytes. Disk usage (segment files) additionally
    // includes at most the acked prefix of the oldest segment: <= maxBytes + segmentBytes.
    const maxBytes = 1000;
    const segmentBytes = 3 * REC;

    it('keeps bytes <= maxBytes, drops the oldest first and counts exactly their samples', () => {
      const dir = tmpDir();
      const items = Array.from({ length: 50 }, (_, i) => item(i + 1, 72, (i % 7) + 1));
      const s = openSpool({ dir, maxBytes, segmentBytes });
      let dropped = false;
      for (const it of items) {
        s.append(it.seq, it.samples, it.payload);
        expect(s.bytes).toBeLessThanOrEqual(maxBytes);
        expect(diskBytes(dir)).toBeLessThanOrEqual(maxBytes + segmentBytes);
        if (s.droppedSamples > 0) dropped = true;
        if (dropped) expect(s.bytes).toBeGreaterThan(maxBytes - segmentBytes);
        expect(s.bytes).toBe(s.pendingRecords * REC);
      }
      s.close();
      const s2 = openSpool({ dir, maxBytes, segmentBytes });
      const kept = s2.pendingRecords;
      expect(kept).toBeGreaterThan(0);
      const droppedItems = items.slice(0, items.length - kept);
      expect(s2.droppedSamples).toBe(sum(droppedItems));
      expect(drain(s2)).toEqual(items.slice(items.length - kept)); // newest survive, in order
      s2.close();
      expect(openSpool({ dir, maxBytes, segmentBytes }).droppedSamples).toBe(sum(droppedItems));
    });

    it('counts only unacknowledged samples when a partly acked segment is dropped', () => {
      const dir = tmpDir();
      const s = openSpool({ dir, maxBytes, segmentBytes });
      const items = Array.from({ length: 12 }, (_, i) => item(i + 1));
      appendAll(s, items.slice(0, 9));
      const acked = drain(s, 1);
      const stale = s.peek()!; // will be dropped while "in flight"
      appendAll(s, items.slice(9));
      // 8 pending + 3 appended = 1100 bytes > 1000 at the 12th record: segment 1 goes, taking
      // its unacked records 2 and 3 (record 1 was acked and is not counted).
      expect(s.droppedSamples).toBe(items[1]!.samples + items[2]!.samples);
      expect(s.bytes).toBeLessThanOrEqual(maxBytes);
      s.ack(stale); // acking a dropped record is a no-op
      expect(drain(s)).toEqual(items.slice(3));
      expect(acked).toEqual(items.slice(0, 1));
    });

    it('rotates first when the active segment alone exceeds the bound; oversize records are dropped', () => {
      const dir = tmpDir();
      const s = openSpool({ dir, maxBytes: 5 * REC, segmentBytes: 1 << 20 });
      const items = Array.from({ length: 7 }, (_, i) => item(i + 1));
      appendAll(s, items);
      expect(s.bytes).toBeLessThanOrEqual(5 * REC);
      expect(s.droppedSamples).toBe(sum(items.slice(0, 5)));
      expect(drain(s)).toEqual(items.slice(5));
      const big = item(99, 5 * REC, 42);
      s.append(big.seq, big.samples, big.payload);
      expect(s.droppedSamples).toBe(sum(items.slice(0, 5)) + 42);
      expect(s.peek()).toBeUndefined();
    });

    it('enforces a lowered bound on open', () => {
      const dir = tmpDir();
      const items = Array.from({ length: 12 }, (_, i) => item(i + 1));
      appendAll(openSpool({ dir, maxBytes: 1 << 20, segmentBytes }), items);
      const s = openSpool({ dir, maxBytes: 500, segmentBytes });
      expect(s.bytes).toBeLessThanOrEqual(500);
      const kept = s.pendingRecords;
      expect(kept).toBeGreaterThan(0);
      expect(s.droppedSamples).toBe(sum(items.slice(0, 12 - kept)));
      expect(drain(s)).toEqual(items.slice(12 - kept));
    });
  });

  describe('nextSeq', () => {
    it('is strictly increasing across close/reopen', () => {
      const dir = tmpDir();
      let last = 0;
      for (let round = 0; round < 3; round++) {
        const s = openSpool(small(dir));
        for (let i = 0; i < 5; i++) {
          const n = s.nextSeq();
          expect(n).toBeGreaterThan(last);
          last = n;
        }
        s.close();
      }
    });

    it('never reuses a seq after a crash (second Spool on the same dir, first never closed)', () => {
      const dir = tmpDir();
      const s1 = openSpool(small(dir));
      let max = 0;
      for (let i = 0; i < 1500; i++) max = s1.nextSeq(); // crosses a reservation boundary
      const s2 = openSpool(small(dir));
      expect(s2.nextSeq()).toBeGreaterThan(max);
      const s3 = openSpool(small(dir));
      const a = s3.nextSeq();
      expect(a).toBeGreaterThan(max);
      expect(s3.nextSeq()).toBe(a + 1);
    });

    it('starts above the largest seq found in the spool even without state.json', () => {
      const dir = tmpDir();
      const s1 = openSpool(small(dir));
      s1.append(1e9, 1, Buffer.from('x'));
      s1.close();
      fs.rmSync(path.join(dir, 'state.json'));
      expect(openSpool(small(dir)).nextSeq()).toBeGreaterThan(1e9);
    });
  });

  it('keeps pendingRecords/pendingSamples/bytes accurate across appends, acks and reopen', () => {
    const dir = tmpDir();
    const items = Array.from({ length: 8 }, (_, i) => item(i + 1, 40 + i, 10 * (i + 1)));
    const framed = (xs: Item[]): number => xs.reduce((n, x) => n + HDR + x.payload.length, 0);
    const s = openSpool(small(dir, { fsync: false }));
    expect([s.pendingRecords, s.pendingSamples, s.bytes]).toEqual([0, 0, 0]);
    appendAll(s, items);
    expect([s.pendingRecords, s.pendingSamples, s.bytes]).toEqual([8, sum(items), framed(items)]);
    drain(s, 3);
    const rest = items.slice(3);
    expect([s.pendingRecords, s.pendingSamples, s.bytes]).toEqual([5, sum(rest), framed(rest)]);
    s.close();
    const s2 = openSpool(small(dir, { fsync: false }));
    expect([s2.pendingRecords, s2.pendingSamples, s2.bytes]).toEqual([5, sum(rest), framed(rest)]);
    const a = s2.peek()!;
    s2.ack(a);
    s2.ack(a); // idempotent
    expect(s2.pendingRecords).toBe(4);
    drain(s2);
    expect([s2.pendingRecords, s2.pendingSamples, s2.bytes]).toEqual([0, 0, 0]);
    expect(s2.droppedSamples).toBe(0);
  });

  it('survives a real SIGKILL of a writing process (every returned append replays, seqs never reused)', async () => {
    const dir = tmpDir();
    const spoolDir = path.join(dir, 'spool');
    // spool.ts only imports node builtins, so a plain transpile is enough for a child process.
    const src = fs.readFileSync(new URL('../../agent/transport/spool.ts', import.meta.url), 'utf8');
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    const mod = path.join(dir, 'spool.mjs');
    fs.writeFileSync(mod, js.outputText);
    const payloadOf = (seq: number): Buffer => {
      const b = Buffer.alloc(1000 + ((seq * 7919) % 30000), seq & 0xff);
      b.writeUInt32LE(seq, 0);
      return b;
    };
    const child = `
      import { Spool } from ${JSON.stringify(pathToFileURL(mod).href)};
      const s = Spool.open({ dir: ${JSON.stringify(spoolDir)}, maxBytes: 1 << 30, segmentBytes: 256 * 1024 });
      const payloadOf = ${payloadOf.toString()};
      for (let i = 1; ; i++) {
        const seq = s.nextSeq();
        s.append(seq, seq % 97, payloadOf(seq));
        process.stdout.write('w ' + seq + '\\n'); // synchronous for pipes on Linux
        if (i % 4 === 0) { const r = s.peek(); s.ack(r); process.stdout.write('a ' + r.seq + '\\n'); }
      }`;
    let prevMax = 0; // highest seq any earlier child handed out
    for (let round = 0; round < 3; round++) {
      const proc = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'inherit'] });
      const written: number[] = [];
      const acked: number[] = [];
      let buf = '';
      proc.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const line of lines) (line[0] === 'w' ? written : acked).push(Number(line.slice(2)));
        if (written.length >= 300 && proc.exitCode === null && !proc.killed) proc.kill('SIGKILL');
      });
      // 'close' (not 'exit') so every line the child wrote before dying has been read.
      await new Promise<void>((resolve, reject) => {
        proc.on('error', reject);
        proc.on('close', () => resolve());
      });
      expect(proc.signalCode).toBe('SIGKILL');
      const first = written[0]!;
      const last = written[written.length - 1]!;
      expect(first).toBeGreaterThan(prevMax); // seqs never reused across a real kill
      expect(written).toEqual(Array.from({ length: written.length }, (_, i) => first + i));

      const s = openSpool({ dir: spoolDir, maxBytes: 1 << 30, segmentBytes: 256 * 1024 });
      expect(s.corruptRecords).toBe(0);
      const seqs: number[] = [];
      for (let r = s.peek(); r; r = s.peek()) {
        expect(r.payload.equals(payloadOf(r.seq))).toBe(true);
        expect(r.samples).toBe(r.seq % 97);
        seqs.push(r.seq);
        s.ack(r);
      }
      // The kill may land after an append/ack returned but before the child reported it, so
      // the spool may hold one more record at the end and one fewer at the start than reported.
      const base = (acked[acked.length - 1] ?? first - 1) + 1;
      expect(seqs[0]).toBeGreaterThanOrEqual(base);
      expect(seqs[0]).toBeLessThanOrEqual(base + 1);
      expect(seqs[seqs.length - 1]).toBeGreaterThanOrEqual(last);
      expect(seqs[seqs.length - 1]).toBeLessThanOrEqual(last + 1);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      prevMax = Math.max(last + 1, seqs[seqs.length - 1]!);
      expect(s.nextSeq()).toBeGreaterThan(prevMax);
      s.close();
      open.splice(open.indexOf(s), 1);
    }
  });
});
