import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import {
  encodeQrCode,
  generateTotpSecret,
  maskPenaltyParts,
  otpauthUri,
  type QrMatrix,
  renderQrCode,
} from '../../src/iam/mfa/index.ts';

/**
 * The reference: the `qrcode` npm package (a devDependency used only here), an independent, widely used
 * encoder. It has no type declarations, hence the narrow shapes below.
 */
interface ReferenceMatrix {
  size: number;
  get(row: number, col: number): number;
  set(row: number, col: number, value: number, reserved: boolean): void;
}
interface ReferenceSymbol {
  version: number;
  maskPattern: number;
  modules: ReferenceMatrix;
}
const require = createRequire(import.meta.url);
const reference = require('qrcode') as {
  create(segments: { data: string; mode: 'byte' }[], options: object): ReferenceSymbol;
};
const referencePenalty = require('qrcode/lib/core/mask-pattern') as Record<
  'getPenaltyN1' | 'getPenaltyN2',
  (matrix: ReferenceMatrix) => number
>;
const ReferenceBitMatrix = require('qrcode/lib/core/bit-matrix') as new (size: number) => ReferenceMatrix;

function referenceSymbol(text: string, options: { version?: number; maskPattern?: number }): ReferenceSymbol {
  return reference.create([{ data: text, mode: 'byte' }], { errorCorrectionLevel: 'M', ...options });
}

function referenceModules(symbol: ReferenceSymbol): QrMatrix {
  const { size } = symbol.modules;
  return Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => symbol.modules.get(y, x) === 1));
}

function toReferenceMatrix(modules: QrMatrix): ReferenceMatrix {
  const matrix = new ReferenceBitMatrix(modules.length);
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      matrix.set(y, x, dark ? 1 : 0, false);
    });
  });
  return matrix;
}

const secret = Buffer.from('0123456789abcdefghij');
/** Inputs that reach every version from 1 to 10, a real enrolment URI and multi-byte UTF-8 among them. */
const inputs = [
  'a',
  'hello, world',
  otpauthUri({ issuer: 'pciq', accountName: 'alice@123456789012', secret }),
  otpauthUri({ issuer: 'Acme Payments Production', accountName: 'administrator@123456789012', secret }),
  'é€😀 ünïcödé',
  ...[14, 26, 42, 62, 84, 106, 122, 152, 180, 213].map((length, i) => String.fromCharCode(65 + i).repeat(length)),
];

describe('QR code encoder', () => {
  it('produces module for module the same symbol as the reference encoder, for every mask', () => {
    const versions = new Set<number>();
    for (const text of inputs) {
      for (let mask = 0; mask < 8; mask++) {
        const mine = encodeQrCode(text, { mask });
        const theirs = referenceSymbol(text, { maskPattern: mask });
        assert.equal(mine.version, theirs.version, `version for ${text.length} characters`);
        assert.equal(mine.size, 17 + 4 * mine.version);
        assert.deepEqual(mine.modules, referenceModules(theirs), `modules for ${text.length} characters, mask ${mask}`);
        versions.add(mine.version);
      }
    }
    assert.deepEqual(
      [...versions].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  it('uses the smallest version that holds the text, from a minimum if given', () => {
    const capacities = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];
    capacities.forEach((capacity, i) => {
      assert.equal(encodeQrCode('x'.repeat(capacity)).version, i + 1, `${capacity} bytes`);
      if (i + 1 < capacities.length) assert.equal(encodeQrCode('x'.repeat(capacity + 1)).version, i + 2);
    });
    const forced = encodeQrCode('short', { minVersion: 7, mask: 3 });
    assert.equal(forced.version, 7);
    assert.deepEqual(forced.modules, referenceModules(referenceSymbol('short', { version: 7, maskPattern: 3 })));
  });

  it('refuses text longer than version 10 holds, without quoting it', () => {
    const text = `otpauth://totp/x:y?secret=${'S'.repeat(200)}`;
    assert.throws(
      () => encodeQrCode(text),
      (error) =>
        isPciqError(error) &&
        error.code === 'InvalidParameterValue' &&
        /at most 213 bytes/.test(error.message) &&
        !error.message.includes('SSSS'),
    );
  });
});

describe('QR mask selection (ISO/IEC 18004 section 7.8.3)', () => {
  it('chooses the mask with the lowest penalty', () => {
    for (const text of inputs) {
      const chosen = encodeQrCode(text);
      const total = (modules: QrMatrix) => Object.values(maskPenaltyParts(modules)).reduce((a, b) => a + b, 0);
      const penalties = [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => total(encodeQrCode(text, { mask }).modules));
      assert.equal(chosen.mask, penalties.indexOf(Math.min(...penalties)), `mask for ${text.length} characters`);
    }
  });

  it('scores runs (N1) and 2×2 blocks (N2) as the reference does', () => {
    for (const text of inputs) {
      for (let mask = 0; mask < 8; mask++) {
        const { modules } = encodeQrCode(text, { mask });
        const parts = maskPenaltyParts(modules);
        const matrix = toReferenceMatrix(modules);
        assert.equal(parts.n1, referencePenalty.getPenaltyN1(matrix));
        assert.equal(parts.n2, referencePenalty.getPenaltyN2(matrix));
      }
    }
  });

  function square(rows: string[]): QrMatrix {
    return rows.map((row) => [...row].map((c) => c === '#'));
  }

  it('scores a finder-like pattern next to four light modules (N3), the quiet zone counting as light', () => {
    // Row 0: ■□■■■□■ then four light modules: one pattern with light after (and the edge before) = 2 × 40.
    const size = 11;
    const rows = Array.from({ length: size }, (_, y) => (y === 0 ? '#.###.#....' : '.#.#.#.#.#.'.slice(0, size)));
    const withPattern = maskPenaltyParts(square(rows)).n3;
    const withoutPattern = maskPenaltyParts(square(rows.map((r, y) => (y === 0 ? '#.##..#....' : r)))).n3;
    assert.equal(withPattern - withoutPattern, 80);
  });

  it('scores the share of dark modules per full 5 % away from half (N4)', () => {
    const ofDarkShare = (dark: number) => {
      const cells = Array.from({ length: 100 }, (_, i) => i < dark);
      return maskPenaltyParts(Array.from({ length: 10 }, (_, y) => cells.slice(y * 10, y * 10 + 10))).n4;
    };
    assert.equal(ofDarkShare(50), 0);
    assert.equal(ofDarkShare(54), 0);
    assert.equal(ofDarkShare(55), 10);
    assert.equal(ofDarkShare(41), 10);
    assert.equal(ofDarkShare(39), 20);
    assert.equal(ofDarkShare(0), 100);
  });
});

/** Reads the rendered half blocks back into modules (`true` where a glyph is drawn). */
function drawnModules(rendered: string): QrMatrix {
  const lines = rendered.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  const rows: QrMatrix = [];
  for (const line of lines) {
    const chars = [...line];
    rows.push(chars.map((c) => c === '█' || c === '▀'));
    rows.push(chars.map((c) => c === '█' || c === '▄'));
  }
  return rows;
}

describe('terminal rendering', () => {
  const uri = otpauthUri({ issuer: 'pciq', accountName: 'alice@123456789012', secret: generateTotpSecret() });
  const symbol = encodeQrCode(uri);
  const extent = symbol.size + 8;

  it('draws light modules and a four-module quiet zone for dark terminals, in half blocks only', () => {
    const rendered = renderQrCode(uri);
    assert.match(rendered, /^[█▀▄ \n]+$/);
    const drawn = drawnModules(rendered);
    assert.equal(drawn.length, extent + 1, 'two module rows per line');
    for (let y = 0; y < extent; y++) {
      assert.equal(drawn[y]!.length, extent, 'one character per module across');
      for (let x = 0; x < extent; x++) {
        const inSymbol = x >= 4 && y >= 4 && x < extent - 4 && y < extent - 4;
        const dark = inSymbol && symbol.modules[y - 4]![x - 4]!;
        assert.equal(drawn[y]![x], !dark, `module ${x},${y}`);
      }
    }
    assert.ok(
      drawn[extent]!.every((isDrawn) => !isDrawn),
      'nothing below the quiet zone',
    );
  });

  it('draws dark modules instead when inverted, for light terminals', () => {
    const drawn = drawnModules(renderQrCode(uri, { invert: true }));
    for (let y = 0; y < extent; y++) {
      for (let x = 0; x < extent; x++) {
        const inSymbol = x >= 4 && y >= 4 && x < extent - 4 && y < extent - 4;
        assert.equal(drawn[y]![x], inSymbol && symbol.modules[y - 4]![x - 4]!);
      }
    }
  });
});
