/**
 * QR data masks and the penalty that chooses among them (ISO/IEC 18004:2015 sections 7.8.2 and 7.8.3).
 * Matrices are rows of columns, `true` for dark; x is the column, y the row.
 */
export type QrMatrix = boolean[][];

const maskConditions: ((x: number, y: number) => boolean)[] = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

/** Inverts every module outside the function patterns where mask `mask` (0–7) says so. */
export function applyMask(modules: QrMatrix, isFunction: QrMatrix, mask: number): void {
  const condition = maskConditions[mask]!;
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (!isFunction[y]![x] && condition(x, y)) row[x] = !dark;
    });
  });
}

const weights = { n1: 3, n2: 3, n3: 40, n4: 10 };

/** Penalty of one row or column read as a line: runs of five or more (N1) and finder-like patterns (N3). */
function linePenalty(line: readonly boolean[]): { n1: number; n3: number } {
  let n1 = 0;
  const runs: { dark: boolean; length: number }[] = [];
  for (const dark of line) {
    const last = runs.at(-1);
    if (last && last.dark === dark) last.length++;
    else runs.push({ dark, length: 1 });
  }
  for (const run of runs) if (run.length >= 5) n1 += weights.n1 + (run.length - 5);

  // 1:1:3:1:1 dark–light–dark–light–dark at any module width, with a light area four units wide before or
  // after it. The quiet zone around the symbol is light, so the line's ends count as light of any length.
  let n3 = 0;
  const lightLength = (i: number) => {
    const run = runs[i];
    if (!run) return Number.POSITIVE_INFINITY;
    return run.dark ? 0 : run.length;
  };
  for (let i = 0; i + 4 < runs.length; i++) {
    const unit = runs[i]!.length;
    const isFinderLike =
      runs[i]!.dark && [1, 3, 1, 1].every((ratio, offset) => runs[i + 1 + offset]!.length === ratio * unit);
    if (!isFinderLike) continue;
    if (lightLength(i - 1) >= 4 * unit) n3 += weights.n3;
    if (lightLength(i + 5) >= 4 * unit) n3 += weights.n3;
  }
  return { n1, n3 };
}

export interface MaskPenalty {
  /** Runs of five or more modules of one colour in a row or column. */
  n1: number;
  /** 2×2 blocks of one colour (an m×n block scores (m−1)(n−1) of them). */
  n2: number;
  /** Finder-like patterns with a light area beside them. */
  n3: number;
  /** Share of dark modules away from 50 %, per full 5 % step. */
  n4: number;
}

/** The penalty of a masked symbol, format information included, per rule; the lowest total is used. */
export function maskPenaltyParts(modules: QrMatrix): MaskPenalty {
  const size = modules.length;
  const parts = { n1: 0, n2: 0, n3: 0, n4: 0 };
  for (let i = 0; i < size; i++) {
    for (const line of [modules[i]!, modules.map((row) => row[i]!)]) {
      const { n1, n3 } = linePenalty(line);
      parts.n1 += n1;
      parts.n3 += n3;
    }
  }
  for (let y = 0; y + 1 < size; y++) {
    for (let x = 0; x + 1 < size; x++) {
      const dark = modules[y]![x];
      if (modules[y]![x + 1] === dark && modules[y + 1]![x] === dark && modules[y + 1]![x + 1] === dark) {
        parts.n2 += weights.n2;
      }
    }
  }
  const dark = modules.reduce((count, row) => count + row.filter(Boolean).length, 0);
  parts.n4 = Math.floor(Math.abs((dark * 100) / (size * size) - 50) / 5) * weights.n4;
  return parts;
}

export function maskPenalty(modules: QrMatrix): number {
  const { n1, n2, n3, n4 } = maskPenaltyParts(modules);
  return n1 + n2 + n3 + n4;
}
