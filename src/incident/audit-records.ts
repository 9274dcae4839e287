import type { AuditRecordRow, AuditSearchFilter, ReadTx } from '../storage/index.ts';

const pageSize = 1_000;

/**
 * Every audit record a search finds, page after page in seq order: a snapshot's window may hold more records
 * about its target than one page, and an investigator must get them all, not the first page's worth.
 */
export async function* everyRecord(
  tx: ReadTx,
  filter: Omit<AuditSearchFilter, 'limit' | 'afterSeq'>,
): AsyncGenerator<AuditRecordRow> {
  for (let afterSeq = 0; ; ) {
    const page = await tx.audit.search({ ...filter, afterSeq, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    afterSeq = page[page.length - 1]!.seq;
  }
}
