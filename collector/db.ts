/**
 * The collector's SQLite database. Metric chunks, the device registry, the
 * ingest dedup table and (later) alert state and incidents live in one file so
 * that applying a batch is one transaction: a batch is either applied and
 * remembered, or neither — which is what makes replay and kill -9 safe.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

export type Synchronous = 'full' | 'normal';

export interface OpenDbOptions {
  /**
   * `full` fsyncs the WAL on every commit, so an acknowledged batch survives a
   * power cut; `normal` survives a process crash (kill -9) but not power loss.
   */
  synchronous?: Synchronous;
}

export function openDb(path: string, opts: OpenDbOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  // Checkpoint in the background of normal writes; 4 MiB keeps the WAL small.
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma('temp_store = MEMORY');
  return db;
}
