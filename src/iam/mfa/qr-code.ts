import { invalidParameter } from '../../core/index.ts';
import { applyMask, maskPenalty, type QrMatrix } from './qr-mask.ts';
import { errorCorrectionCodewords } from './qr-reed-solomon.ts';

/**
 * A QR code encoder for what pciq shows people (otpauth URIs): byte mode, error correction level M,
 * versions 1–10 (up to 213 bytes), mask chosen by penalty, as ISO/IEC 18004:2015 specifies. Small enough to
 * own rather than depend on a package for; test/iam/qr-code.test.ts compares it with a reference encoder.
 */
export interface QrCode {
  version: number;
  /** Modules per side: 17 + 4 × version. */
  size: number;
  mask: number;
  /** Rows of columns, `true` for dark. */
  modules: QrMatrix;
}

export interface QrOptions {
  /** Smallest version tried (default 1); the smallest that fits from here is used. */
  minVersion?: number;
  /** A fixed mask (0–7) instead of the one with the lowest penalty. */
  mask?: number;
}

interface BlockLayout {
  ecCodewordsPerBlock: number;
  /** [block count, data codewords per block] for each group (ISO/IEC 18004 Table 9, level M). */
  groups: [number, number][];
}

const levelM: BlockLayout[] = [
  { ecCodewordsPerBlock: 10, groups: [[1, 16]] },
  { ecCodewordsPerBlock: 16, groups: [[1, 28]] },
  { ecCodewordsPerBlock: 26, groups: [[1, 44]] },
  { ecCodewordsPerBlock: 18, groups: [[2, 32]] },
  { ecCodewordsPerBlock: 24, groups: [[2, 43]] },
  { ecCodewordsPerBlock: 16, groups: [[4, 27]] },
  { ecCodewordsPerBlock: 18, groups: [[4, 31]] },
  {
    ecCodewordsPerBlock: 22,
    groups: [
      [2, 38],
      [2, 39],
    ],
  },
  {
    ecCodewordsPerBlock: 22,
    groups: [
      [3, 36],
      [2, 37],
    ],
  },
  {
    ecCodewordsPerBlock: 26,
    groups: [
      [4, 43],
      [1, 44],
    ],
  },
];

/** Centre rows and columns of alignment patterns (Annex E), versions 1–10. */
const alignmentCentres: number[][] = [
  [],
  [6, 18],
  [6, 22],
  [6, 26],
  [6, 30],
  [6, 34],
  [6, 22, 38],
  [6, 24, 42],
  [6, 26, 46],
  [6, 28, 50],
];

const maxVersion = levelM.length;
/** Format information's error correction level bits: M is 00 (Table 12). */
const levelMBits = 0b00;

function dataCodewordCount(version: number): number {
  return levelM[version - 1]!.groups.reduce((sum, [blocks, words]) => sum + blocks * words, 0);
}

/** Mode indicator, character count, data, terminator and pad codewords (section 7.4). */
function dataCodewords(bytes: Uint8Array, version: number): number[] | undefined {
  const countBits = version <= 9 ? 8 : 16;
  const capacityBits = dataCodewordCount(version) * 8;
  if (4 + countBits + bytes.length * 8 > capacityBits) return undefined;
  const bits: number[] = [];
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4);
  put(bytes.length, countBits);
  for (const byte of bytes) put(byte, 8);
  put(0, Math.min(4, capacityBits - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const codewords: number[] = [];
  for (let i = 0; i < bits.length; i += 8) codewords.push(bits.slice(i, i + 8).reduce((b, bit) => (b << 1) | bit, 0));
  for (let pad = 0; codewords.length < capacityBits / 8; pad++) codewords.push(pad % 2 === 0 ? 0xec : 0x11);
  return codewords;
}

/** Splits into blocks, adds each block's error correction, and interleaves (section 7.6). */
function finalCodewords(data: readonly number[], version: number): number[] {
  const layout = levelM[version - 1]!;
  const blocks: { data: number[]; ec: number[] }[] = [];
  let offset = 0;
  for (const [count, words] of layout.groups) {
    for (let i = 0; i < count; i++) {
      const block = data.slice(offset, offset + words);
      offset += words;
      blocks.push({ data: block, ec: errorCorrectionCodewords(block, layout.ecCodewordsPerBlock) });
    }
  }
  const out: number[] = [];
  const longest = Math.max(...blocks.map((b) => b.data.length));
  for (let i = 0; i < longest; i++) for (const block of blocks) if (i < block.data.length) out.push(block.data[i]!);
  for (let i = 0; i < layout.ecCodewordsPerBlock; i++) for (const block of blocks) out.push(block.ec[i]!);
  return out;
}

class QrSymbol {
  readonly version: number;
  readonly size: number;
  readonly modules: QrMatrix;
  readonly isFunction: QrMatrix;

  constructor(version: number) {
    this.version = version;
    this.size = 17 + 4 * version;
    this.modules = Array.from({ length: this.size }, () => new Array<boolean>(this.size).fill(false));
    this.isFunction = Array.from({ length: this.size }, () => new Array<boolean>(this.size).fill(false));
    this.drawFunctionPatterns();
  }

  private setFunction(x: number, y: number, dark: boolean): void {
    this.modules[y]![x] = dark;
    this.isFunction[y]![x] = true;
  }

  private drawFunctionPatterns(): void {
    const { size } = this;
    for (let i = 0; i < size; i++) {
      this.setFunction(6, i, i % 2 === 0);
      this.setFunction(i, 6, i % 2 === 0);
    }
    // Finder patterns with their light separators, clipped at the symbol's edge.
    for (const [cx, cy] of [
      [3, 3],
      [size - 4, 3],
      [3, size - 4],
    ] as const) {
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          const ring = Math.max(Math.abs(dx), Math.abs(dy));
          if (x >= 0 && x < size && y >= 0 && y < size) this.setFunction(x, y, ring !== 2 && ring !== 4);
        }
      }
    }
    const centres = alignmentCentres[this.version - 1]!;
    const last = centres.length - 1;
    centres.forEach((cy, i) => {
      centres.forEach((cx, j) => {
        // No alignment pattern overlaps a finder pattern.
        if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++)
            this.setFunction(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
        }
      });
    });
    this.reserveFormatBits();
    this.drawVersionBits();
  }

  private reserveFormatBits(): void {
    for (const [x, y] of formatModules(this.size, 0)) this.setFunction(x, y, false);
  }

  /** Versions 7 and up: 6 bits + BCH(18,6) remainder, in two 6×3 blocks (section 7.10). */
  private drawVersionBits(): void {
    if (this.version < 7) return;
    let remainder = this.version;
    for (let i = 0; i < 12; i++) remainder = (remainder << 1) ^ ((remainder >>> 11) * 0x1f25);
    const bits = (this.version << 12) | remainder;
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = this.size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      this.setFunction(a, b, dark);
      this.setFunction(b, a, dark);
    }
  }

  /** Places codewords in two-module columns, zigzagging up and down from the bottom right (section 7.7.3). */
  drawCodewords(codewords: readonly number[]): void {
    const { size } = this;
    let bit = 0;
    for (let right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5; // the vertical timing pattern is skipped as a whole column
      const isUpward = ((right + 1) & 2) === 0;
      for (let vert = 0; vert < size; vert++) {
        const y = isUpward ? size - 1 - vert : vert;
        for (const x of [right, right - 1]) {
          if (this.isFunction[y]![x] || bit >= codewords.length * 8) continue;
          this.modules[y]![x] = ((codewords[bit >>> 3]! >>> (7 - (bit & 7))) & 1) === 1;
          bit++;
        }
      }
    }
    // Remainder bits (7 for versions 2–6) stay light before masking, as the standard asks.
  }

  withMask(mask: number): QrMatrix {
    const modules = this.modules.map((row) => [...row]);
    applyMask(modules, this.isFunction, mask);
    for (const [x, y, dark] of formatModules(this.size, mask)) modules[y]![x] = dark;
    return modules;
  }
}

/**
 * Where format information goes and what it says: 5 bits (level, mask) + BCH(15,5) remainder, XOR
 * 101010000010010, in two copies, plus the dark module (section 7.9).
 */
function formatModules(size: number, mask: number): [x: number, y: number, dark: boolean][] {
  const data = (levelMBits << 3) | mask;
  let remainder = data;
  for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
  const bits = ((data << 10) | remainder) ^ 0x5412;
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  const out: [number, number, boolean][] = [];
  for (let i = 0; i <= 5; i++) out.push([8, i, bit(i)]);
  out.push([8, 7, bit(6)], [8, 8, bit(7)], [7, 8, bit(8)]);
  for (let i = 9; i < 15; i++) out.push([14 - i, 8, bit(i)]);
  for (let i = 0; i < 8; i++) out.push([size - 1 - i, 8, bit(i)]);
  for (let i = 8; i < 15; i++) out.push([8, size - 15 + i, bit(i)]);
  out.push([8, size - 8, true]);
  return out;
}

/** Encodes `text` as UTF-8 in the smallest version that holds it; refuses more than version 10 holds. */
export function encodeQrCode(text: string, options: QrOptions = {}): QrCode {
  const { minVersion = 1, mask } = options;
  if (!Number.isInteger(minVersion) || minVersion < 1 || minVersion > maxVersion) {
    throw new RangeError(`minVersion must be 1 to ${maxVersion}`);
  }
  if (mask !== undefined && !(Number.isInteger(mask) && mask >= 0 && mask <= 7)) {
    throw new RangeError('mask must be 0 to 7');
  }
  const bytes = new TextEncoder().encode(text);
  for (let version = minVersion; version <= maxVersion; version++) {
    const data = dataCodewords(bytes, version);
    if (!data) continue;
    const symbol = new QrSymbol(version);
    symbol.drawCodewords(finalCodewords(data, version));
    const candidates = mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [mask];
    let best: { mask: number; modules: QrMatrix; penalty: number } | undefined;
    for (const candidate of candidates) {
      const modules = symbol.withMask(candidate);
      const penalty = candidates.length === 1 ? 0 : maskPenalty(modules);
      if (!best || penalty < best.penalty) best = { mask: candidate, modules, penalty };
    }
    return { version, size: symbol.size, mask: best!.mask, modules: best!.modules };
  }
  throw invalidParameter(
    `The text is ${bytes.length} bytes long; a QR code here holds at most ${dataCodewordCount(maxVersion) - 3} bytes.`,
  );
}
