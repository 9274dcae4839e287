/**
 * Refused requests in the audit trail of a real `pciq serve`, searched with the real `pciq audit search`:
 * each recorded as the service and action it claimed (PCI DSS 10.2.1.4, 10.2.2), and nothing a person typed
 * by mistake kept — a sign-in's user name only when it names a user, because people type passwords into the
 * user name field; an access key id only when it is shaped like one, because people swap the key id and the
 * secret (PCI DSS 8.3.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { auditSearchAsync, pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { signInRequest } from '../support/sign-in.ts';
import { clientConfig, sqsClient } from '../support/sqs-client.ts';

interface Found {
  records: Array<{
    requestId: string | null;
    type: string;
    category: string;
    outcome: string;
    error: string | null;
    resource: string | null;
    actor: { accessKeyId: string | null; accountId: string | null };
  }>;
}

describe('refused requests in the audit trail', () => {
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

  const signIn = (input: Record<string, unknown>) => signInRequest(endpoint, data.bootstrap.caFile, input);

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

  it('records a refused access key id only when it is shaped like one: a secret given as the key id is not', async () => {
    // A secret access key as AWS makes them (40 characters of base64); one with a '/' in it is refused earlier,
    // as a credential scope of the wrong shape.
    const secret = 'wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEYz';
    const swapped = sqsClient(endpoint, data.bootstrap, {
      accessKeyId: secret,
      secretAccessKey: data.bootstrap.accessKeyId,
    });
    const unknown = sqsClient(endpoint, data.bootstrap, {
      accessKeyId: 'AKIAUNKNOWNKEY000000',
      secretAccessKey: data.bootstrap.secretAccessKey,
    });
    const requestIds: string[] = [];
    for (const client of [swapped, unknown]) {
      await client.send(new ListQueuesCommand({})).then(
        () => assert.fail('a request with an unknown key id succeeded'),
        (error: { $metadata: { requestId: string } }) => requestIds.push(error.$metadata.requestId),
      );
      client.destroy();
    }
    const found = await auditSearchAsync<Found>('sqs:ListQueues', dirArgs);
    const [ofSwapped, ofUnknown] = requestIds.map((id) => found.records.find((record) => record.requestId === id));
    assert.equal(ofSwapped?.error, 'InvalidClientTokenId');
    assert.ok(ofSwapped?.actor.accessKeyId, 'the record says a key id was claimed');
    assert.doesNotMatch(JSON.stringify(found), /wJalrXUtnFEMIK7MDENG/);
    assert.equal(ofUnknown?.actor.accessKeyId, 'AKIAUNKNOWNKEY000000', 'a key-shaped claim is kept: it says who tried');
  });

  it('records a refused IAM or STS request (Query protocol) as the service its signature names', async () => {
    const wrongSecret = { accessKeyId: data.bootstrap.accessKeyId, secretAccessKey: 'x'.repeat(40) };
    const iam = new IAMClient(clientConfig(endpoint, data.bootstrap, wrongSecret));
    const sts = new STSClient(clientConfig(endpoint, data.bootstrap, wrongSecret));
    const requestIds: string[] = [];
    for (const send of [
      () => iam.send(new CreateUserCommand({ UserName: 'mallory' })),
      () => sts.send(new GetCallerIdentityCommand({})),
    ]) {
      await send().then(
        () => assert.fail('a request with a wrong secret succeeded'),
        (error: { name: string; $metadata: { requestId: string } }) => {
          assert.equal(error.name, 'SignatureDoesNotMatch');
          requestIds.push(error.$metadata.requestId);
        },
      );
    }
    iam.destroy();
    sts.destroy();
    const [createUser, callerIdentity] = await Promise.all([
      auditSearchAsync<Found>('iam:CreateUser', dirArgs),
      auditSearchAsync<Found>('sts:GetCallerIdentity', dirArgs),
    ]);
    const refusedCreate = createUser.records.find((record) => record.requestId === requestIds[0]);
    assert.equal(refusedCreate?.category, 'iam');
    assert.equal(refusedCreate?.error, 'SignatureDoesNotMatch');
    assert.ok(callerIdentity.records.some((record) => record.requestId === requestIds[1]));
  });
});
