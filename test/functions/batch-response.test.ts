import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeBatchResponse } from '../../src/functions/batch-response.ts';

const ids = ['m1', 'm2', 'm3'];

describe('partial batch responses (ReportBatchItemFailures)', () => {
  it('treats an empty or null response, or an empty or null list, as complete success', () => {
    for (const response of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      assert.deepEqual(judgeBatchResponse(response, ids, true), { kind: 'success' }, JSON.stringify(response));
    }
  });

  it('fails only the listed messages', () => {
    const verdict = judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids, true);
    assert.equal(verdict.kind, 'partial');
    assert.deepEqual(verdict.kind === 'partial' && [...verdict.failedIds], ['m2']);
  });

  it('fails the whole batch on a malformed response', () => {
    const malformed = [
      'ok',
      42,
      [],
      { batchItemFailures: 'm1' },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ id: 'm1' }] },
      { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] },
      { batchItemFailures: ['m1'] },
    ];
    for (const response of malformed) {
      assert.equal(judgeBatchResponse(response, ids, true).kind, 'failure', JSON.stringify(response));
    }
  });

  it('ignores what the handler returns when the mapping does not report item failures', () => {
    assert.deepEqual(judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm1' }] }, ids, false), {
      kind: 'success',
    });
    assert.deepEqual(judgeBatchResponse('anything', ids, false), { kind: 'success' });
  });
});
