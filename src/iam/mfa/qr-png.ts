import { crc32, deflateSync } from 'node:zlib';
import { encodeQrCode } from './qr-code.ts';

/** Pixels per module and the quiet zone around the symbol, in modules (ISO/IEC 18004 section 6.3.8). */
const scale = 6;
const quietZoneModules = 4;

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * `text` as a QR code in a PNG image (1-bit greyscale), as IAM's CreateVirtualMFADevice returns it in
 * QRCodePNG for clients that show the code to scan. The image holds the enrolment secret: show it once.
 */
export function qrCodePng(text: string): Buffer {
  const { modules, size } = encodeQrCode(text);
  const side = (size + 2 * quietZoneModules) * scale;
  const rowBytes = Math.ceil(side / 8);
  const raw = Buffer.alloc((rowBytes + 1) * side);
  for (let y = 0; y < side; y++) {
    const row = modules[Math.floor(y / scale) - quietZoneModules];
    const offset = y * (rowBytes + 1);
    raw[offset] = 0; // filter: none
    for (let x = 0; x < side; x++) {
      const isDark = row?.[Math.floor(x / scale) - quietZoneModules] ?? false;
      // Bit 1 is white in 1-bit greyscale.
      if (!isDark) raw[offset + 1 + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
