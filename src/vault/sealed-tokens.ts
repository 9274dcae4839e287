import type { SealedDataSource, SealedRecord } from '../keys/index.ts';
import { sealedPlaces } from './token-seals.ts';
import { vaultArn } from './vault-arn.ts';

/**
 * The vault's ciphertexts as sealed data for key management: re-encryption under the vault key's newest
 * version, and the count of card numbers a deletion of that key shreds.
 */
export function sealedTokensSource(region: string): SealedDataSource {
  return {
    name: 'vault-tokens',
    async scan(tx, cursor, limit) {
      const rows = await tx.vault.scanTokens(cursor ?? '', limit);
      const records: SealedRecord[] = [];
      for (const row of rows) {
        const arn = vaultArn(region, row.accountId);
        const places = sealedPlaces(row.tokenRef);
        records.push(
          {
            sealed: row.sealedPan,
            scope: arn,
            place: places.pan,
            resource: arn,
            recordId: row.tokenRef,
            replace: (writeTx, sealed) =>
              writeTx.vault.replaceTokenSeals(row.accountId, row.tokenRef, { sealedPan: sealed }),
          },
          {
            sealed: row.sealedMeta,
            scope: arn,
            place: places.meta,
            resource: arn,
            recordId: row.tokenRef,
            replace: (writeTx, sealed) =>
              writeTx.vault.replaceTokenSeals(row.accountId, row.tokenRef, { sealedMeta: sealed }),
          },
        );
      }
      return { records, next: rows.length < limit ? undefined : rows[rows.length - 1]!.cursor };
    },
  };
}
