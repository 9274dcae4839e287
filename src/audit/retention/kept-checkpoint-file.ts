import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditCheckpointRow } from '../../storage/index.ts';
import { type SignedCheckpoint, signedCheckpointOf } from '../checkpoint.ts';
import { writeDurably } from './segment-file.ts';

/**
 * The latest signed checkpoint, kept outside the store, in the archive directory (PCI DSS 10.3.3, 10.3.4).
 * Within the store, deleting the newest checkpoint together with the records after the one before leaves a
 * trail that verifies: every remaining record and checkpoint is authentic. A copy kept apart remembers how far
 * the trail went, so `pciq audit verify` names the removed end. Records written since the latest checkpoint
 * are covered once the next checkpoint is kept (the checkpoint interval).
 */
export const keptCheckpointFileName = 'latest-checkpoint.json';

export type KeptCheckpoint =
  | { status: 'missing' }
  | { status: 'unreadable' }
  | { status: 'kept'; checkpoint: SignedCheckpoint };

export function readKeptCheckpoint(dir: string): KeptCheckpoint {
  let text: string;
  try {
    text = readFileSync(join(dir, keptCheckpointFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<SignedCheckpoint>;
    if (typeof value.statement === 'string' && typeof value.signature === 'string') {
      return { status: 'kept', checkpoint: { statement: value.statement, signature: value.signature } };
    }
  } catch {}
  return { status: 'unreadable' };
}

export function keepCheckpoint(dir: string, row: Pick<AuditCheckpointRow, 'body' | 'signature'>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify(signedCheckpointOf(row), null, 2)}\n`;
  writeDurably(dir, keptCheckpointFileName, Buffer.from(text, 'utf8'));
}
