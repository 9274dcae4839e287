/**
 * The audit API's times on a host whose local time is not UTC: a time without an offset is UTC, as the
 * trail's own times and `pciq audit search` are, whatever the server's time zone (PCI DSS 10.6.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { auditApi } from '../support/signed-request.ts';

interface FoundRecord {
  Record: { seq: number; time: string; type: string };
}

describe('the audit API on a server five and a half hours ahead of UTC', () => {
  const data = initDataDir();
  let server: PciqServer;
  let signer: Parameters<typeof auditApi>[0];

  before(async () => {
    server = new PciqServer({ ...data, env: { TZ: 'Asia/Kolkata' } });
    signer = {
      endpoint: await server.endpoint,
      caFile: data.bootstrap.caFile,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
    };
  });

  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('reads a StartTime and EndTime without an offset as UTC', async () => {
    const all = await auditApi(signer, 'SearchRecords', { MaxResults: 1000 });
    assert.equal(all.status, 200, all.body);
    const records = (all.json.Records as FoundRecord[]).map((found) => found.Record);
    const last = records.at(-1)!;
    // The record's own time, written without its Z: the very instant, not 5½ hours earlier.
    const at = last.time.replace(/Z$/, '');
    const found = await auditApi(signer, 'SearchRecords', { StartTime: at, EndTime: at, MaxResults: 1000 });
    assert.equal(found.status, 200, found.body);
    const seqs = (found.json.Records as FoundRecord[]).map((entry) => entry.Record.seq);
    assert.ok(seqs.includes(last.seq), `record ${last.seq} of ${last.time} is found: ${JSON.stringify(seqs)}`);
  });
});
