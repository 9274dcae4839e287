/**
 * What the audit trail keeps of sign-in attempts made against a real `pciq serve`: the name typed is a
 * user's only when it names one, because people type passwords into the user name field (PCI DSS 8.3.1,
 * 10.2.2). Searched with the real `pciq audit search`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { auditSearchAsync, pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';

interface Found {
  records: Array<{
    requestId: string | null;
    outcome: string;
    resource: string | null;
    actor: { accountId: string | null };
  }>;
}

describe('sign-in attempts in the audit trail', () => {
  const data = initDataDir();
  const dirArgs = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  let server: PciqServer;
  let endpoint: string;

  before(async () => {
    server = new PciqServer(data);
    endpoint = await server.endpoint;
  });

  after(async () => {
    await server?.stop();
    data.remove();
  });

  function signIn(input: Record<string, unknown>): Promise<{ status: number; requestId: string }> {
    const url = new URL(endpoint);
    const body = JSON.stringify(input);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          method: 'POST',
          hostname: url.hostname,
          port: Number(url.port),
          path: '/',
          ca: readFileSync(data.bootstrap.caFile),
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'PciqSignIn.SignIn',
            'content-length': String(Buffer.byteLength(body)),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, requestId: String(response.headers['x-amzn-requestid']) }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  async function requestRecord(requestId: string) {
    const found = await auditSearchAsync<Found>('signin:SignIn', dirArgs);
    const record = found.records.find((candidate) => candidate.requestId === requestId);
    assert.ok(record, `the attempt ${requestId} is recorded`);
    return record;
  }

  it('does not record a typed user name or account id that names nobody: it may be a password', async () => {
    const typedPassword = 'Tr0ub4dor&3-typed-in-the-wrong-field';
    const unknownUser = await signIn({ UserName: typedPassword, Password: 'admin' });
    const badAccount = await signIn({ AccountId: typedPassword, UserName: 'admin', Password: 'x' });

    for (const attempt of [unknownUser, badAccount]) {
      const record = await requestRecord(attempt.requestId);
      assert.equal(record.outcome, 'failure');
      assert.ok(attempt.status >= 400);
      assert.doesNotMatch(JSON.stringify(record), /Tr0ub4dor/);
    }
    const all = await pciqJsonAsync<Found>(['audit', 'search', '--limit', '1000', '--json', ...dirArgs]);
    assert.doesNotMatch(JSON.stringify(all), /Tr0ub4dor/, 'no record holds the typed password');
  });

  it("names a known user by the user's own ARN, path included", async () => {
    await pciqJsonAsync(['iam', 'create-user', 'carol', '--path', '/payments/', '--json', ...dirArgs]);
    const attempt = await signIn({ AccountId: data.bootstrap.accountId, UserName: 'carol', Password: 'wrong' });
    assert.equal(attempt.status, 403);
    const record = await requestRecord(attempt.requestId);
    assert.equal(record.resource, `arn:aws:iam::${data.bootstrap.accountId}:user/payments/carol`);
  });
});
