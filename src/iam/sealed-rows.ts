import type { SealedDataSource } from '../keys/index.ts';
import type { ReadTx, WriteTx } from '../storage/index.ts';

/**
 * IAM's sealed secrets (access-key and session secrets, TOTP seeds) as sealed data for key management:
 * each row sealed in `scope` and bound to its id, few enough to be walked in one page.
 */
export function sealedRowsSource<Row>(source: {
  name: string;
  scope: string;
  rows(tx: ReadTx): Promise<Row[]>;
  idOf(row: Row): string;
  sealedOf(row: Row): Uint8Array;
  replace(tx: WriteTx, id: string, sealed: Buffer): Promise<void>;
}): SealedDataSource {
  return {
    name: source.name,
    async scan(tx) {
      const rows = await source.rows(tx);
      return {
        records: rows.map((row) => {
          const id = source.idOf(row);
          return {
            sealed: source.sealedOf(row),
            scope: source.scope,
            place: id,
            resource: id,
            recordId: id,
            replace: (writeTx: WriteTx, sealed: Buffer) => source.replace(writeTx, id, sealed),
          };
        }),
        next: undefined,
      };
    },
  };
}
