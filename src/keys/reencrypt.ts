import { PciqError } from '../core/index.ts';
import { readHeader } from '../crypto/index.ts';
import { type KeyService, unreadableReasonOf } from './key-service.ts';

export interface ReencryptResult {
  reencrypted: number;
  /** Records under older versions that could not be opened (altered, or already shredded): reported. */
  unreadable: number;
  /** Versions retired per key ARN (material destroyed), when retirement was asked for. */
  retired: Record<string, number[]>;
  /**
   * Keys left as they are, by ARN with their state: a disabled key (a quarantined one, say) or one pending
   * deletion opens nothing, so its data is neither re-sealed nor its older versions retired.
   */
  skipped: Record<string, string>;
}

const pageSize = 200;

/**
 * Re-encrypts stored data under the newest version of its key, page by page, each page a short transaction
 * so the service keeps serving. With `retire`, a second pass confirms that no readable record is left
 * under an older version; then the key's minimum decryption version becomes its current version and the
 * older material is destroyed, so a version suspected of compromise opens nothing any more (PCI DSS 3.7.5).
 */
export async function reencryptStoredData(
  keys: KeyService,
  keyIds: ReadonlySet<string>,
  options: { retire: boolean; onProgress?: (done: number) => void },
): Promise<ReencryptResult> {
  const { usable, skipped } = await usableKeys(keys, keyIds);
  if (options.retire) await requireNoEvidenceUnder(keys, usable);
  const result: ReencryptResult = { reencrypted: 0, unreadable: 0, retired: {}, skipped };
  for (const source of keys.sealedSources) {
    const counts = new Map<string, number>();
    let cursor: string | undefined;
    do {
      cursor = await keys.store.write(async (tx) => {
        const set = await keys.session(tx);
        const page = await source.scan(tx, cursor, pageSize);
        for (const record of page.records) {
          const header = readHeader(record.sealed);
          const key = header && set.keys.get(header.keyId);
          if (!header || !key || !usable.has(key.row.keyId) || header.keyVersion >= key.row.currentVersion) continue;
          let plaintext: Buffer;
          try {
            plaintext = set.open(record.sealed, record.scope, record.place);
          } catch (error) {
            const unreadable = unreadableReasonOf(error);
            if (!unreadable) throw error;
            result.unreadable++;
            keys.reportUnreadable({
              source: source.name,
              resource: record.resource,
              recordId: record.recordId,
              ...unreadable,
            });
            continue;
          }
          await record.replace(tx, set.sealingKeyOf(key, record.scope).seal(plaintext, record.place));
          plaintext.fill(0);
          counts.set(key.arn, (counts.get(key.arn) ?? 0) + 1);
          result.reencrypted++;
        }
        return page.next;
      });
      options.onProgress?.(result.reencrypted);
    } while (cursor !== undefined);
    const now = keys.clock.now();
    for (const [keyArn, records] of counts)
      keys.events.onKeyEvent({ type: 'DataReencrypted', atMs: now, keyArn, source: source.name, records });
  }
  if (options.retire) result.retired = await retireOlderVersions(keys, usable);
  return result;
}

/** The keys of `keyIds` that can open their data now (enabled), and the others with their state. */
async function usableKeys(keys: KeyService, keyIds: ReadonlySet<string>) {
  const set = await keys.store.read((tx) => keys.session(tx));
  const usable = new Set<string>();
  const skipped: Record<string, string> = {};
  for (const keyId of keyIds) {
    const key = set.keys.get(keyId);
    if (!key || key.row.state === 'Deleted') continue;
    if (key.row.state === 'Enabled') usable.add(keyId);
    else skipped[key.arn] = key.row.state;
  }
  return { usable, skipped };
}

/** Retirement destroys material: refused, before anything is re-sealed, while an incident's evidence needs a key. */
async function requireNoEvidenceUnder(keys: KeyService, keyIds: ReadonlySet<string>): Promise<void> {
  const set = await keys.store.read((tx) => keys.session(tx));
  for (const keyId of keyIds) {
    const key = set.keys.get(keyId);
    if (!key) continue;
    await keys.requireNoEvidenceUnder(
      { keyId, arn: key.arn, accountId: key.row.accountId },
      'retiring its older versions is refused',
    );
  }
}

/** The current version of each key to retire, read once: the versions below it are the ones to retire. */
async function currentVersions(keys: KeyService, keyIds: ReadonlySet<string>): Promise<Map<string, number>> {
  const set = await keys.store.read((tx) => keys.session(tx));
  const versions = new Map<string, number>();
  for (const keyId of keyIds) {
    const key = set.keys.get(keyId);
    if (key && key.row.state !== 'Deleted') versions.set(keyId, key.row.currentVersion);
  }
  return versions;
}

/** Records still readable under a version below `retireBelow`'s for their key (what retiring would shred). */
async function readableBelow(keys: KeyService, retireBelow: ReadonlyMap<string, number>): Promise<number> {
  let remaining = 0;
  for (const source of keys.sealedSources) {
    let cursor: string | undefined;
    do {
      const page = await keys.store.read(async (tx) => {
        const set = await keys.session(tx);
        const scanned = await source.scan(tx, cursor, 500);
        for (const record of scanned.records) {
          const header = readHeader(record.sealed);
          const key = header && set.keys.get(header.keyId);
          const below = key && retireBelow.get(key.row.keyId);
          if (!header || !key || below === undefined) continue;
          if (header.keyVersion < below && header.keyVersion >= key.row.minDecryptVersion) {
            try {
              set.open(record.sealed, record.scope, record.place).fill(0);
              remaining++;
            } catch (error) {
              if (!unreadableReasonOf(error)) throw error;
            }
          }
        }
        return scanned;
      });
      cursor = page.next;
    } while (cursor !== undefined);
  }
  return remaining;
}

/**
 * Retires the versions below each key's current version as read before the confirming pass. A key that
 * rotates again meanwhile (automatic rotation in pciq serve, pciq keys rotate) keeps the version everything
 * was just re-encrypted under: retiring up to its new current version would shred all of it.
 */
async function retireOlderVersions(keys: KeyService, keyIds: ReadonlySet<string>): Promise<Record<string, number[]>> {
  const retireBelow = await currentVersions(keys, keyIds);
  const remaining = await readableBelow(keys, retireBelow);
  if (remaining > 0) {
    throw new PciqError(
      'KMSInvalidStateException',
      `${remaining} records are still sealed under older key versions (written meanwhile?); run the re-encryption again before retiring.`,
    );
  }
  const retired = await keys.change(async (tx, set, emit) => {
    const retired: Record<string, number[]> = {};
    const now = keys.clock.now();
    for (const [keyId, below] of retireBelow) {
      const key = set.keys.get(keyId);
      if (!key || key.row.state === 'Deleted' || key.row.minDecryptVersion >= below) continue;
      const versions: number[] = [];
      for (const version of key.versions) {
        if (version.row.version >= below || version.row.wrappedMaterial === null) continue;
        await tx.keys.setVersionMaterial(keyId, version.row.version, null, now);
        versions.push(version.row.version);
      }
      await tx.keys.updateKey({ ...key.row, minDecryptVersion: below });
      retired[key.arn] = versions;
      emit({ type: 'KeyMaterialDestroyed', atMs: now, keyArn: key.arn, versions, reason: 'versions-retired' });
    }
    return retired;
  });
  // The retired material must not survive in the store's files either: the root key would open it.
  await keys.store.scrubDeleted();
  return retired;
}
