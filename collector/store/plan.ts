/**
 * How a bucketed read is split between rollups and raw rows. Buckets of a
 * query lie on a grid (`origin` + k × `step`); a rollup level of width w can
 * answer the part of the range made of whole w-buckets when w divides both the
 * step and the grid's origin, because each query bucket is then a union of
 * whole rollup buckets. What is left at the range's edges (partial buckets)
 * goes to the next finer level, and finally to the raw rows.
 */
import type { RollupLevel } from './rollup.js';

export interface Piece {
  /** Half-open [lo, hi) in epoch ms. */
  lo: number;
  hi: number;
  chunk: number;
  /** The rollup level that answers it; raw rows when absent. */
  level?: RollupLevel;
}

/**
 * Pieces in time order covering [from, toExcl), each inside one chunk. A
 * rollup piece in a chunk whose rollups are not complete is read raw instead.
 */
export function planPieces(
  from: number,
  toExcl: number,
  grid: { origin: number; step: number } | undefined,
  levels: readonly RollupLevel[],
  chunkMs: number,
  /** The chunks that exist, ascending. */
  chunks: readonly number[],
  complete: (level: RollupLevel, chunk: number) => boolean,
): Piece[] {
  const usable = grid ? levels.filter((l) => grid.step % l.widthMs === 0 && grid.origin % l.widthMs === 0).sort((a, b) => b.widthMs - a.widthMs) : [];
  const spans: Array<{ lo: number; hi: number; level?: RollupLevel }> = [];
  const split = (lo: number, hi: number, i: number): void => {
    if (lo >= hi) return;
    const level = usable[i];
    if (!level) {
      spans.push({ lo, hi });
      return;
    }
    const a = Math.ceil(lo / level.widthMs) * level.widthMs;
    const b = Math.floor(hi / level.widthMs) * level.widthMs;
    if (a >= b) return split(lo, hi, i + 1);
    split(lo, a, i + 1);
    spans.push({ lo: a, hi: b, level });
    split(b, hi, i + 1);
  };
  split(from, toExcl, 0);
  const pieces: Piece[] = [];
  for (const s of spans) {
    for (const chunk of chunks) {
      if ((chunk + 1) * chunkMs <= s.lo || chunk * chunkMs >= s.hi) continue;
      const lo = Math.max(s.lo, chunk * chunkMs);
      const hi = Math.min(s.hi, (chunk + 1) * chunkMs);
      const level = s.level && complete(s.level, chunk) ? s.level : undefined;
      const prev = pieces[pieces.length - 1];
      // Neighbouring raw pieces of one chunk are read in one statement.
      if (!level && prev && !prev.level && prev.chunk === chunk && prev.hi === lo) prev.hi = hi;
      else pieces.push({ lo, hi, chunk, ...(level ? { level } : {}) });
    }
  }
  return pieces;
}
