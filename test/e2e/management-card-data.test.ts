/**
 * Card data in management text — queue names, tags, policies and attributes, identities' names, paths,
 * tags and policy documents, key descriptions, aliases and tags, a token scope — is refused at the door with
 * each API's own code for an invalid value, and nothing of it is stored (PCI DSS 3.3.1, 3.4): through the
 * real SDK clients against `pciq serve`, the data directory scanned afterwards.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserCommand,
  IAMClient,
  PutUserPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  KMSClient,
  TagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import {
  AddPermissionCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { VaultClient } from '../../src/client/index.ts';
import { cardDataLeaks, filesUnder } from '../support/leak-scan.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { signedRequest } from '../support/signed-request.ts';
import { clientConfig, sqsClient } from '../support/sqs-client.ts';

const visa = '4111111111111111';
const mastercard = '5555555555554444';
const cvvPhrase = 'cvv 123';
/** Digits that are no card number: a date, and 16 digits that fail the Luhn check. */
const dated = 'orders-2026-11-30';
const notLuhn = '1234567812345678';

/** An identity policy whose statement id holds `sid`. */
function policyWithSid(sid: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }],
  });
}

/** A queue policy whose statement id holds `sid`. */
function queuePolicyWithSid(sid: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }],
  });
}

/** pciq's own queue attributes, which the SDK's types do not list. */
function pciqAttributes(attributes: Record<string, string>): Record<string, string> {
  return attributes;
}

/** The refusal names the field, says card data is not allowed, and does not echo what was sent. */
function refusal(name: string, field: RegExp) {
  return (error: Error & { name: string }) => {
    assert.equal(error.name, name, error.message);
    assert.match(error.message, field);
    assert.match(error.message, /card data is not allowed there/i);
    assert.doesNotMatch(error.message, /4111|5555|cvv 123/);
    return true;
  };
}

describe('card data in management text is refused, and nothing of it stored', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let endpoint: string;
  let sqs: SQSClient;
  let iam: IAMClient;
  let kms: KMSClient;
  let vault: VaultClient;

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    endpoint = await server.endpoint;
    sqs = sqsClient(endpoint, data.bootstrap);
    iam = new IAMClient(clientConfig(endpoint, data.bootstrap));
    kms = new KMSClient(clientConfig(endpoint, data.bootstrap));
    vault = new VaultClient({
      endpoint,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      ca: readFileSync(data.bootstrap.caFile),
    });
  });

  after(async () => {
    sqs?.destroy();
    iam?.destroy();
    kms?.destroy();
    vault?.close();
    await server?.stop();
    data?.remove();
  });

  it('SQS JSON protocol: refuses a card number or a CVV phrase in a queue name, tags, policy or pciq attributes', async () => {
    const invalidValue = (field: RegExp) => refusal('InvalidParameterValue', field);
    const invalidAttribute = (field: RegExp) => refusal('InvalidAttributeValue', field);
    await assert.rejects(sqs.send(new CreateQueueCommand({ QueueName: `orders-${visa}` })), invalidValue(/QueueName/));
    await assert.rejects(
      sqs.send(new CreateQueueCommand({ QueueName: 'tagged', tags: { card: mastercard } })),
      invalidValue(/tags\.card/),
    );
    await assert.rejects(
      sqs.send(new CreateQueueCommand({ QueueName: 'tagged', tags: { [visa]: 'x' } })),
      invalidValue(/A key of tags/),
    );
    await assert.rejects(
      sqs.send(
        new CreateQueueCommand({ QueueName: 'policied', Attributes: { Policy: queuePolicyWithSid(`sid${visa}`) } }),
      ),
      invalidAttribute(/Attributes\.Policy/),
    );
    await assert.rejects(
      sqs.send(
        new CreateQueueCommand({ QueueName: 'scoped', Attributes: pciqAttributes({ PciqTokenScope: cvvPhrase }) }),
      ),
      invalidAttribute(/Attributes\.PciqTokenScope/),
    );
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'payments' }));
    await assert.rejects(
      sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl,
          Attributes: pciqAttributes({ PciqAllowedFields: `order.${mastercard}` }),
        }),
      ),
      invalidAttribute(/Attributes\.PciqAllowedFields/),
    );
    await assert.rejects(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: queuePolicyWithSid(cvvPhrase) } })),
      invalidAttribute(/Attributes\.Policy/),
    );
    // A digit written as a JSON escape hides nothing.
    const escaped = queuePolicyWithSid(`sid${visa}`).replace(
      `sid${visa}`,
      `sid\\u00${visa.charCodeAt(0).toString(16)}${visa.slice(1)}`,
    );
    await assert.rejects(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: escaped } })),
      invalidAttribute(/Attributes\.Policy/),
    );
    await assert.rejects(
      sqs.send(new TagQueueCommand({ QueueUrl, Tags: { note: `card ${visa}` } })),
      invalidValue(/Tags\.note/),
    );
    await assert.rejects(sqs.send(new TagQueueCommand({ QueueUrl, Tags: { note: cvvPhrase } })), invalidValue(/Tags/));
    await assert.rejects(
      sqs.send(
        new AddPermissionCommand({
          QueueUrl,
          Label: `grant${visa}`,
          AWSAccountIds: ['123456789012'],
          Actions: ['SendMessage'],
        }),
      ),
      invalidValue(/Label/),
    );
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal((attributes.Attributes as Record<string, string> | undefined)?.['PciqAllowedFields'], undefined);
  });

  /** An SQS Query protocol request, signed by the bootstrap administrator. */
  const query = (params: Record<string, string>) =>
    signedRequest({
      endpoint,
      caFile: data.bootstrap.caFile,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      service: 'sqs',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
    });

  it('SQS Query protocol: refuses the same with the same codes', async () => {
    const byName = await query({ Action: 'CreateQueue', QueueName: `orders-${mastercard}` });
    assert.equal(byName.status, 400);
    assert.match(byName.body, /<Code>InvalidParameterValue<\/Code>/);
    assert.match(byName.body, /QueueName holds what looks like a card number/);
    const byTag = await query({
      Action: 'CreateQueue',
      QueueName: 'query-tagged',
      'Tag.1.Key': 'k',
      'Tag.1.Value': visa,
    });
    assert.equal(byTag.status, 400);
    assert.match(byTag.body, /<Code>InvalidParameterValue<\/Code>/);
    const byAttribute = await query({
      Action: 'CreateQueue',
      QueueName: 'query-scoped',
      'Attribute.1.Name': 'PciqTokenScope',
      'Attribute.1.Value': `scope ${visa}`,
    });
    assert.equal(byAttribute.status, 400);
    assert.match(byAttribute.body, /<Code>InvalidAttributeValue<\/Code>/);
    for (const response of [byName, byTag, byAttribute]) assert.doesNotMatch(response.body, /4111|5555/);
  });

  it('does not echo a CVV phrase sent in the wrong parameter in the error message', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'echoes' }));
    for (const DelaySeconds of [cvvPhrase, 'ＣＶＶ １２３', 'pin block 0412AB34CD56']) {
      const response = await query({ Action: 'SendMessage', QueueUrl: QueueUrl!, MessageBody: 'hello', DelaySeconds });
      assert.equal(response.status, 400);
      assert.match(response.body, /<Code>InvalidParameterValue<\/Code>/);
      assert.match(response.body, /for parameter DelaySeconds is invalid/);
      assert.doesNotMatch(response.body, /123|１２３|0412/, response.body);
    }
  });

  it('IAM: refuses card data in names, paths, tags, descriptions and policy documents', async () => {
    const invalid = (field: RegExp) => refusal('ValidationError', field);
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await assert.rejects(iam.send(new CreateUserCommand({ UserName: `u${visa}` })), invalid(/UserName/));
    await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'pathed', Path: `/${visa}/` })), invalid(/Path/));
    await assert.rejects(
      iam.send(new CreateUserCommand({ UserName: 'tagged', Tags: [{ Key: 'note', Value: cvvPhrase }] })),
      invalid(/Tags/),
    );
    await assert.rejects(iam.send(new CreateGroupCommand({ GroupName: `g${mastercard}` })), invalid(/GroupName/));
    await assert.rejects(
      iam.send(
        new CreateRoleCommand({ RoleName: 'described', AssumeRolePolicyDocument: trust, Description: cvvPhrase }),
      ),
      invalid(/Description/),
    );
    await assert.rejects(
      iam.send(new CreateRoleCommand({ RoleName: `r${visa}`, AssumeRolePolicyDocument: trust })),
      invalid(/RoleName/),
    );
    await assert.rejects(
      iam.send(new CreatePolicyCommand({ PolicyName: 'leaky', PolicyDocument: policyWithSid(`s${visa}`) })),
      refusal('MalformedPolicyDocumentException', /PolicyDocument/),
    );
    await assert.rejects(
      iam.send(new CreatePolicyCommand({ PolicyName: `p${visa}`, PolicyDocument: policyWithSid('fine') })),
      invalid(/PolicyName/),
    );
    await iam.send(new CreateUserCommand({ UserName: 'clerk' }));
    await assert.rejects(
      iam.send(
        new PutUserPolicyCommand({ UserName: 'clerk', PolicyName: 'inline', PolicyDocument: policyWithSid(cvvPhrase) }),
      ),
      refusal('MalformedPolicyDocumentException', /PolicyDocument/),
    );
    await assert.rejects(
      iam.send(new TagUserCommand({ UserName: 'clerk', Tags: [{ Key: mastercard, Value: 'x' }] })),
      invalid(/Tags/),
    );
    await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trust }));
    await assert.rejects(
      iam.send(new UpdateRoleCommand({ RoleName: 'worker', Description: `card ${visa}` })),
      invalid(/Description/),
    );
    // Reads and removals name what exists: what was stored before this check stays findable and removable.
    await assert.rejects(iam.send(new DeleteUserCommand({ UserName: `u${visa}` })), { name: 'NoSuchEntityException' });
    await iam.send(new UntagUserCommand({ UserName: 'clerk', TagKeys: [visa] }));
  });

  it('STS: refuses card data in a session name, source identity, session tags or session policy', async () => {
    const sts = new STSClient(clientConfig(endpoint, data.bootstrap));
    try {
      const RoleArn = `arn:aws:iam::${data.bootstrap.accountId}:role/worker`;
      const invalid = (field: RegExp) => refusal('ValidationError', field);
      await assert.rejects(
        sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: `s${visa}` })),
        invalid(/RoleSessionName/),
      );
      await assert.rejects(
        sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'batch', SourceIdentity: cvvPhrase })),
        invalid(/SourceIdentity/),
      );
      await assert.rejects(
        sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'batch', Tags: [{ Key: 'k', Value: mastercard }] })),
        invalid(/Tags/),
      );
      await assert.rejects(
        sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'batch', Policy: policyWithSid(`s${visa}`) })),
        refusal('MalformedPolicyDocumentException', /Policy/),
      );
    } finally {
      sts.destroy();
    }
  });

  it('KMS: refuses card data in a key description, an alias name or tags', async () => {
    const invalid = (field: RegExp) => refusal('ValidationException', field);
    await assert.rejects(kms.send(new CreateKeyCommand({ Description: `card ${visa}` })), invalid(/Description/));
    await assert.rejects(
      kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'note', TagValue: cvvPhrase }] })),
      invalid(/Tags/),
    );
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'payments' }));
    const KeyId = KeyMetadata!.KeyId!;
    await assert.rejects(
      kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: mastercard })),
      invalid(/Description/),
    );
    await assert.rejects(
      kms.send(new CreateAliasCommand({ AliasName: `alias/${visa}`, TargetKeyId: KeyId })),
      invalid(/AliasName/),
    );
    await assert.rejects(
      kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: mastercard, TagValue: 'x' }] })),
      invalid(/Tags/),
    );
  });

  it('vault: refuses card data in a token scope', async () => {
    await assert.rejects(vault.tokenize({ pan: visa, scope: `shop-${mastercard}` }), (error: Error) => {
      assert.match(error.message, /ValidationException|Scope holds what looks like a card number/);
      assert.doesNotMatch(error.message, /5555/);
      return true;
    });
    await assert.rejects(vault.tokenize({ pan: visa, scope: cvvPhrase }), /Scope/);
  });

  it('still accepts digits that are no card number', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: dated,
        tags: { batch: notLuhn },
        Attributes: pciqAttributes({ Policy: queuePolicyWithSid(`sid${notLuhn}`), PciqTokenScope: 'shop-2026' }),
      }),
    );
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { run: '2026-11-30T12:00:00Z' } }));
    await iam.send(new CreateUserCommand({ UserName: `u${notLuhn}`, Tags: [{ Key: 'batch', Value: notLuhn }] }));
    await kms.send(
      new CreateKeyCommand({ Description: `batch ${notLuhn}`, Tags: [{ TagKey: 'b', TagValue: notLuhn }] }),
    );
    const { token } = await vault.tokenize({ pan: visa, scope: `shop-${notLuhn}` });
    assert.ok(token);
  });

  it('stored nothing of what it refused', async () => {
    const leaks = cardDataLeaks(filesUnder(data.dataDir), { pans: [visa, mastercard], markers: [cvvPhrase] });
    assert.deepEqual(leaks, []);
  });
});
