/**
 * Reed–Solomon error correction codewords for QR codes (ISO/IEC 18004 section 7.5.2): arithmetic in GF(256)
 * modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator polynomial ∏ (x − α^i) for i < degree, α = 2.
 */
function multiply(x: number, y: number): number {
  // Russian-peasant multiplication, reducing by 0x11d whenever the product leaves 8 bits.
  let product = 0;
  for (let bit = 7; bit >= 0; bit--) {
    product = (product << 1) ^ ((product >>> 7) * 0x11d);
    product ^= ((y >>> bit) & 1) * x;
  }
  return product;
}

/** Coefficients of the generator polynomial of `degree`, highest power first, leading 1 omitted. */
function generatorPolynomial(degree: number): number[] {
  const coefficients = new Array<number>(degree).fill(0);
  coefficients[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      coefficients[j] = multiply(coefficients[j]!, root) ^ (coefficients[j + 1] ?? 0);
    }
    root = multiply(root, 0x02);
  }
  return coefficients;
}

const generators = new Map<number, number[]>();

/** The `degree` error correction codewords for one block of data codewords (remainder of the polynomial division). */
export function errorCorrectionCodewords(data: readonly number[], degree: number): number[] {
  let generator = generators.get(degree);
  if (!generator) {
    generator = generatorPolynomial(degree);
    generators.set(degree, generator);
  }
  const remainder = new Array<number>(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ remainder.shift()!;
    remainder.push(0);
    generator.forEach((coefficient, i) => {
      remainder[i] = remainder[i]! ^ multiply(coefficient, factor);
    });
  }
  return remainder;
}
