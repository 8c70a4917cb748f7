/**
 * The write path of the SQLite store (collector/store/sqlite.ts): series ids
 * interned in memory, head rows appended with multi-row INSERTs, and the head
 * moved into the chunk tables with statements prepared once.
 *
 * Measured on the bench room (bench/README.md, "#15 store writes"): one
 * `INSERT … VALUES (?, ?, ?)` per value costs a native call each (about 3,700
 * per 1,000-sample batch); 256 rows per statement cost a fifth of that, and
 * JSON bound once and unpacked by json_each() was slower than both. Building
 * the canonical series key (sorted tags, JSON-quoted values) for every sample
 * cost as much as the insert itself, so it is built only on a cache miss.
 */
import type { Statement } from 'better-sqlite3';
import type { Sample } from '../contract/index.js';
import type { Db } from '../db.js';

/** Rows per multi-row INSERT; smaller remainders use the power-of-two statements below it. */
export const HEAD_ROWS_PER_INSERT = 256;

/** Series ids held in memory before the cache starts over (about 200 bytes each). */
export const DEFAULT_SERIES_CACHE = 500_000;

export type HeadValue = number | string;

/** (series_id, ts, value) triples, flat. */
export type HeadRows = HeadValue[];

/**
 * Appends head rows in statements of HEAD_ROWS_PER_INSERT rows, then 128, 64 …
 * 1 for the rest: at most nine statements, each prepared once. Rows keep their
 * order, so their rowids — and with them last-write-wins in the head move —
 * are those of one INSERT per value.
 */
export class HeadAppender {
  private readonly statements = new Map<number, Statement>();

  constructor(private readonly db: Db) {}

  append(rows: HeadRows): void {
    const total = rows.length / 3;
    let at = 0;
    for (let size = HEAD_ROWS_PER_INSERT; size >= 1 && at < total; size >>= 1) {
      if (total - at < size) continue;
      const stmt = this.statement(size);
      for (; total - at >= size; at += size) stmt.run(rows.slice(at * 3, (at + size) * 3));
    }
  }

  private statement(rows: number): Statement {
    let stmt = this.statements.get(rows);
    if (!stmt) {
      stmt = this.db.prepare(`INSERT INTO samples_head (series_id, ts, value) VALUES ${'(?, ?, ?), '.repeat(rows - 1)}(?, ?, ?)`);
      this.statements.set(rows, stmt);
    }
    return stmt;
  }
}

/** Interned id of one field of one sample shape. */
type FieldIds = Map<string, number>;

/**
 * measurement.field + tag set → series id. The cache is keyed by the sample's
 * tags as JSON in their own order (cheap: V8 serialises a flat object fast),
 * then measurement, then field; the canonical key (sorted tags) is built only
 * on a miss, which looks in the series table, then inserts.
 *
 * Bounded: past `cap` ids the cache starts over and refills from the table.
 *
 * A series inserted in a transaction that then rolls back leaves the cache
 * with an id that no longer exists (or that SQLite hands to the next new
 * series). So an id is `tentative` until the owner says its transaction
 * committed (confirm()); a tentative id is checked against the table on every
 * use, which is one indexed read, and only until the commit.
 */
export class SeriesIds {
  private cache = new Map<string, Map<string, FieldIds>>();
  private cached = 0;
  /** Ids inserted since the last confirm(), with their key and the cache slot that holds them. */
  private tentative = new Map<number, { key: string; fields: FieldIds; field: string }>();
  private count: number;
  private readonly byKey: Statement;
  private readonly byId: Statement;
  private readonly insert: Statement;
  private readonly countAll: Statement;

  constructor(
    db: Db,
    /** The canonical key of a series; called on a cache miss only. */
    private readonly canonical: (measurement: string, field: string, tags: Readonly<Record<string, string>>) => string,
    private readonly cap = DEFAULT_SERIES_CACHE,
  ) {
    this.byKey = db.prepare('SELECT id FROM series WHERE key = ?').pluck();
    this.byId = db.prepare('SELECT key FROM series WHERE id = ?').pluck();
    this.insert = db.prepare('INSERT INTO series (key, measurement, field, device, tags) VALUES (?, ?, ?, ?, ?)');
    this.countAll = db.prepare('SELECT count(*) FROM series').pluck();
    this.count = this.countAll.get() as number;
  }

  /** Series in the table (as far as this process knows: a rolled-back insert is recounted on confirm). */
  get size(): number {
    return this.count;
  }

  /** Ids held in memory now (health, tests). */
  get cachedIds(): number {
    return this.cached;
  }

  /** The ids of one sample's fields go through the same shape maps: one lookup per sample, one per field. */
  shape(s: Sample): Map<string, number> {
    const shapeKey = JSON.stringify(s.tags);
    let byMeasurement = this.cache.get(shapeKey);
    if (!byMeasurement) this.cache.set(shapeKey, (byMeasurement = new Map()));
    let fields = byMeasurement.get(s.measurement);
    if (!fields) byMeasurement.set(s.measurement, (fields = new Map()));
    return fields;
  }

  /** The id of `field` of `s`; `fields` is shape(s). */
  id(s: Sample, field: string, fields: Map<string, number>): number {
    const id = fields.get(field);
    if (id !== undefined && (this.tentative.size === 0 || !this.tentative.has(id) || this.stillThere(id))) return id;
    return this.resolve(s, field, fields, id);
  }

  /**
   * The owner's transaction committed: tentative ids that are in the table are
   * real. One that is not (or that now names another series) came from a
   * transaction that rolled back before this one, and leaves the cache.
   */
  confirm(): void {
    if (this.tentative.size === 0) return;
    for (const [id, t] of this.tentative) {
      if (this.byId.get(id) !== t.key && t.fields.get(t.field) === id) t.fields.delete(t.field);
    }
    this.tentative.clear();
    this.count = this.countAll.get() as number;
  }

  private stillThere(id: number): boolean {
    return this.byId.get(id) === this.tentative.get(id)?.key;
  }

  private resolve(s: Sample, field: string, fields: Map<string, number>, stale: number | undefined): number {
    if (stale !== undefined) this.tentative.delete(stale);
    const key = this.canonical(s.measurement, field, s.tags);
    let id = this.byKey.get(key) as number | undefined;
    let inserted = false;
    if (id === undefined) {
      id = Number(this.insert.run(key, s.measurement, field, s.tags.device, JSON.stringify(s.tags)).lastInsertRowid);
      inserted = true;
      this.count++;
    }
    if (stale === undefined && ++this.cached > this.cap) {
      // Start over rather than track recency: a room's series come back within a scrape.
      this.cache = new Map();
      this.cached = 1;
      fields = this.shape(s);
    }
    fields.set(field, id);
    if (inserted) this.tentative.set(id, { key, fields, field });
    return id;
  }
}

/**
 * Moves the head into the chunk tables, sorted by (series, ts, arrival) so each
 * clustered page is dirtied once per move and a replayed point replaces the
 * earlier one. Statements are prepared once per chunk table.
 */
export class HeadMover {
  private readonly moves = new Map<number, { all: Statement; range: Statement }>();
  private readonly clear: Statement;
  private readonly distinctChunks: Statement;
  private readonly anyIn: Statement;

  constructor(
    private readonly db: Db,
    private readonly chunkMs: number,
    private readonly table: (chunk: number) => string,
  ) {
    this.clear = db.prepare('DELETE FROM samples_head');
    this.distinctChunks = db.prepare('SELECT DISTINCT ts / CAST(? AS INTEGER) AS c FROM samples_head').pluck();
    this.anyIn = db.prepare('SELECT 1 FROM samples_head WHERE ts >= ? AND ts < ? LIMIT 1');
  }

  /** Chunks the head touches, from the table (after a restart, when the writes that filled it are gone). */
  headChunks(): number[] {
    return this.distinctChunks.all(this.chunkMs) as number[];
  }

  /**
   * Moves every head row; `chunks` holds (at least) every chunk the head's rows
   * fall in. One chunk — the usual case — needs no range filter. Returns rows moved.
   */
  move(chunks: ReadonlySet<number>, known: (chunk: number) => boolean, ensure: (chunk: number) => void): number {
    for (const chunk of [...chunks].sort((a, b) => a - b)) {
      const from = chunk * this.chunkMs;
      // A chunk that only a rolled-back batch touched gets no table.
      if (!known(chunk) && this.anyIn.get(from, from + this.chunkMs) === undefined) continue;
      if (!known(chunk)) ensure(chunk);
      if (chunks.size === 1) this.statements(chunk).all.run();
      else this.statements(chunk).range.run(from, from + this.chunkMs);
    }
    return this.clear.run().changes;
  }

  private statements(chunk: number): { all: Statement; range: Statement } {
    let s = this.moves.get(chunk);
    if (!s) {
      const table = this.table(chunk);
      // Prepared lazily: the table must exist first (ensure() runs before the first use).
      let all: Statement | undefined;
      let range: Statement | undefined;
      const prep = (sql: string) => this.db.prepare(`INSERT OR REPLACE INTO ${table} (series_id, ts, value) SELECT series_id, ts, value FROM samples_head${sql} ORDER BY series_id, ts, rowid`);
      s = {
        get all() {
          return (all ??= prep(''));
        },
        get range() {
          return (range ??= prep(' WHERE ts >= ? AND ts < ?'));
        },
      };
      this.moves.set(chunk, s);
    }
    return s;
  }
}
