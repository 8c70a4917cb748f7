/**
 * docs/architecture.md §7: a kill -9 of the collector at any moment loses no acknowledged
 * sample. A client streams batches into a collector process, the process is
 * killed mid-stream, restarted, and every batch it acknowledged must be there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../collector/ingest/auth.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { AGENT, serverSamples, tempDir, TOKEN } from '../helpers.js';

const CLI = join(process.cwd(), 'dist/bin/roomwatch.js');

function startCollectorProcess(config: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'collector', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        resolve({ child, url: m[1] as string });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`collector exited with ${code}: ${out}`)));
  });
}

describe('collector crash safety', () => {
  it('keeps every acknowledged batch across kill -9', async () => {
    const tmp = tempDir();
    const config = join(tmp.dir, 'collector.yaml');
    writeFileSync(config, `listen: { host: 127.0.0.1, port: 0 }\ndata_dir: ${tmp.dir}/data\nlog_level: info\nagents:\n  - name: ${AGENT}\n    token_sha256: ${sha256Hex(TOKEN)}\n`);
    const first = await startCollectorProcess(config);
    const acked: string[] = [];
    let seq = 0;
    let stop = false;
    const t0 = Date.now() - 60_000;
    // Four concurrent senders, bounded by count and by the kill.
    const sender = async () => {
      while (!stop && seq < 5_000) {
        const s = seq++;
        const batch: IngestBatch = { agent: AGENT, seq: s, batch_id: `${AGENT}:${s}:crash`, samples: serverSamples(t0 + s, 5) };
        try {
          const res = await fetch(`${first.url}/api/v1/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify(batch),
          });
          if (res.status === 200) acked.push(batch.batch_id);
        } catch {
          return; // the collector is gone
        }
      }
    };
    const senders = Promise.all([sender(), sender(), sender(), sender()]);
    await new Promise((r) => setTimeout(r, 1_500));
    first.child.kill('SIGKILL');
    stop = true;
    await senders;
    expect(acked.length).toBeGreaterThan(50);

    // Restarting recovers the WAL; then every acknowledged batch and its samples are there.
    const second = await startCollectorProcess(config);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    const db = new Database(join(tmp.dir, 'data', 'roomwatch.db'), { readonly: true });
    const stored = new Set((db.prepare('SELECT batch_id FROM ingest_batches').all() as Array<{ batch_id: string }>).map((r) => r.batch_id));
    const missing = acked.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    const series = db.prepare("SELECT id FROM series WHERE measurement = 'cpu' AND field = 'usage_pct' AND device = 'db00'").get() as { id: number };
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'samples_%'").all() as Array<{ name: string }>).map((t) => t.name);
    let points = 0;
    for (const t of tables) points += (db.prepare(`SELECT count(*) AS n FROM ${t} WHERE series_id = ?`).get(series.id) as { n: number }).n;
    // One cpu point per applied batch for device db00: acknowledged ones at least, never more than applied.
    expect(points).toBeGreaterThanOrEqual(acked.length);
    expect(points).toBe(stored.size);
    db.close();
    tmp.cleanup();
  }, 60_000);
});
