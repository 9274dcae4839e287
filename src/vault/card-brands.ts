/**
 * Issuer identification number (IIN) ranges of the card brands pciq recognizes, with the PAN lengths each
 * brand issues. A digit run is taken for a PAN only when its prefix falls in one of these ranges and its
 * length is one its brand uses: most 13–19 digit numbers that merely pass Luhn (order numbers, references)
 * are not card numbers. Ranges follow the brands' published tables; narrower ranges are listed before the
 * wider ones they overlap, and the first range that fits both prefix and length names the brand.
 */
interface BrandRange {
  brand: string;
  /** Inclusive bounds over the first `from.length` digits. */
  from: string;
  to: string;
  lengths: readonly number[];
}

const sixteenToNineteen = [16, 17, 18, 19] as const;

const ranges: readonly BrandRange[] = [
  { brand: 'elo', from: '401178', to: '401179', lengths: [16] },
  { brand: 'elo', from: '431274', to: '431274', lengths: [16] },
  { brand: 'elo', from: '438935', to: '438935', lengths: [16] },
  { brand: 'elo', from: '451416', to: '451416', lengths: [16] },
  { brand: 'elo', from: '457393', to: '457393', lengths: [16] },
  { brand: 'elo', from: '504175', to: '504175', lengths: [16] },
  { brand: 'elo', from: '506699', to: '506778', lengths: [16] },
  { brand: 'elo', from: '509000', to: '509999', lengths: [16] },
  { brand: 'elo', from: '627780', to: '627780', lengths: [16] },
  { brand: 'elo', from: '636297', to: '636297', lengths: [16] },
  { brand: 'elo', from: '636368', to: '636368', lengths: [16] },
  { brand: 'elo', from: '650031', to: '650033', lengths: [16] },
  { brand: 'hipercard', from: '606282', to: '606282', lengths: [16, 19] },
  { brand: 'verve', from: '506099', to: '506198', lengths: [16, 18, 19] },
  { brand: 'verve', from: '650002', to: '650027', lengths: [16, 18, 19] },
  { brand: 'discover', from: '622126', to: '622925', lengths: sixteenToNineteen },
  { brand: 'troy', from: '9792', to: '9792', lengths: [16] },
  { brand: 'discover', from: '6011', to: '6011', lengths: sixteenToNineteen },
  { brand: 'diners', from: '3095', to: '3095', lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'jcb', from: '3528', to: '3589', lengths: sixteenToNineteen },
  { brand: 'mir', from: '2200', to: '2204', lengths: sixteenToNineteen },
  { brand: 'mastercard', from: '2221', to: '2720', lengths: [16] },
  { brand: 'maestro', from: '5018', to: '5018', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: '5020', to: '5020', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: '5038', to: '5038', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: '5893', to: '5893', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: '6304', to: '6304', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: '6759', to: '6759', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: '6761', to: '6763', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'rupay', from: '508', to: '508', lengths: [16] },
  { brand: 'rupay', from: '353', to: '353', lengths: [16] },
  { brand: 'rupay', from: '356', to: '356', lengths: [16] },
  { brand: 'diners', from: '300', to: '305', lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'discover', from: '644', to: '649', lengths: sixteenToNineteen },
  { brand: 'amex', from: '34', to: '34', lengths: [15] },
  { brand: 'amex', from: '37', to: '37', lengths: [15] },
  { brand: 'diners', from: '36', to: '36', lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'diners', from: '38', to: '39', lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'mastercard', from: '51', to: '55', lengths: [16] },
  { brand: 'maestro', from: '50', to: '50', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: '56', to: '58', lengths: [13, 14, 15, 16, 17, 18, 19] },
  { brand: 'rupay', from: '60', to: '60', lengths: [16] },
  { brand: 'unionpay', from: '62', to: '62', lengths: sixteenToNineteen },
  { brand: 'discover', from: '65', to: '65', lengths: sixteenToNineteen },
  { brand: 'rupay', from: '81', to: '82', lengths: [16] },
  { brand: 'visa', from: '4', to: '4', lengths: [13, 16, 19] },
  { brand: 'uatp', from: '1', to: '1', lengths: [15] },
];

/**
 * Ranges by first digit, so a lookup compares against a handful of prefixes; a range whose bounds start
 * with different digits would need to be listed under each (none does).
 */
const byFirstDigit: ReadonlyArray<readonly BrandRange[]> = Array.from({ length: 10 }, (_, digit) =>
  ranges.filter((range) => range.from.charCodeAt(0) - 48 === digit),
);

/** The brand whose IIN range and lengths `digits` fits, or undefined for a number no known brand issues. */
export function brandOf(digits: string): string | undefined {
  const candidates = byFirstDigit[digits.charCodeAt(0) - 48];
  if (!candidates) return undefined;
  for (const range of candidates) {
    const prefix = digits.slice(0, range.from.length);
    // Co-branded ranges overlap: a length one brand does not issue may still be another's.
    if (prefix >= range.from && prefix <= range.to && range.lengths.includes(digits.length)) return range.brand;
  }
  return undefined;
}

/** Every brand pciq knows, with example IIN prefixes and lengths (for generated test corpora and docs). */
export function knownBrandRanges(): ReadonlyArray<Readonly<BrandRange>> {
  return ranges;
}
