import { encodeQrCode } from './qr-code.ts';

export interface QrRenderOptions {
  /**
   * Terminals usually draw light glyphs on a dark background, so by default the glyphs are the light
   * modules (and the quiet zone) and the background shows through as dark ones. `invert` draws dark
   * modules instead, for terminals with a light background.
   */
  invert?: boolean;
}

/** The quiet zone the standard asks for around a symbol, in modules (ISO/IEC 18004 section 6.3.8). */
const quietZoneModules = 4;

/**
 * `text` as a QR code made of Unicode half blocks: one character per module across and two modules per
 * line, which keeps modules square in a terminal. Lines end with `\n`. Plain text, no escape codes, so it
 * survives logs, pipes and copy-paste into a ticket.
 */
export function renderQrCode(text: string, options: QrRenderOptions = {}): string {
  const { modules, size } = encodeQrCode(text);
  const extent = size + 2 * quietZoneModules;
  const isDrawn = (x: number, y: number): boolean => {
    // Below the last quiet row (the symbol has an odd number of rows) nothing is drawn.
    if (y >= extent) return false;
    const row = modules[y - quietZoneModules];
    const dark = row?.[x - quietZoneModules] ?? false;
    return options.invert ? dark : !dark;
  };
  let out = '';
  for (let y = 0; y < extent; y += 2) {
    for (let x = 0; x < extent; x++) {
      const top = isDrawn(x, y);
      const bottom = isDrawn(x, y + 1);
      out += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    out += '\n';
  }
  return out;
}
