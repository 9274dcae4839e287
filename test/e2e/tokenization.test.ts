import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { VaultClient, VaultServiceError } from '../../src/client/index.ts';
import { vaultArn } from '../../src/vault/index.ts';
import { panIn } from '../support/card-numbers.ts';
import { cardDataLeaks, filesUnder, textHaystack } from '../support/leak-scan.ts';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { awsEnvironmentOf, initDataDir, PciqServer } from '../support/pciq-process.ts';
import { signedRequest } from '../support/signed-request.ts';
import { sqsClient } from '../support/sqs-client.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const pan = '4111111111111111';
const order = '{"order":7,"card":{"number":"4111 1111 1111 1111","exp":"12/29"}}';
/** The PAN as CJK input writes it: full-width digits, ideographic spaces. */
const widePan = '４１１１\u3000１１１１\u3000１１１１\u3000１１１１';

interface AuditRecordJson {
  kind: string;
  type: string;
  outcome: string;
  error: string | null;
  requestId: string | null;
  resource: string | null;
  actor: { principal: string | null };
  data: { messageIds?: string[]; count?: number } | null;
  details: Record<string, string | number | boolean | null> | null;
}

describe('tokenization end to end: AWS SDK v3, Query protocol, vault API and CLI against pciq serve', () => {
  let data: ReturnType<typeof initDataDir>;
  let temp: ReturnType<typeof makeTempDir>;
  let server: PciqServer;
  let endpoint: string;
  let sqs: SQSClient;
  let vault: VaultClient;
  let queueUrl: string;
  let token: string;
  let serverOutput = '';
  let records: AuditRecordJson[] = [];
  const cliOutput: string[] = [];

  before(async () => {
    data = initDataDir();
    // The server's temporary files go where this test can scan them.
    temp = makeTempDir('pciq-tmp-');
    server = new PciqServer({
      dataDir: data.dataDir,
      keyFile: data.keyFile,
      env: { TMPDIR: temp.path, TMP: temp.path, TEMP: temp.path, SQLITE_TMPDIR: temp.path },
    });
    endpoint = await server.endpoint;
    sqs = sqsClient(endpoint, data.bootstrap);
    vault = new VaultClient({
      endpoint,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      ca: readFileSync(data.bootstrap.caFile),
    });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }))).QueueUrl!;
  });

  after(async () => {
    sqs?.destroy();
    vault?.close();
    await server?.stop();
    data?.remove();
    temp?.remove();
  });

  it('hands the receiver a token in place of the card number', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: order }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
    const body = JSON.parse(Messages![0]!.Body!);
    assert.match(body.card.number, /^tok_[a-p]{10}[a-z2-7]{24}$/);
    assert.equal(body.card.exp, '12/29');
    assert.equal(body.order, 7);
    token = body.card.number;
  });

  it('gives the PAN back to a principal allowed to detokenize, at the level asked for', async () => {
    const plain = await vault.detokenize({ token, redaction: 'plain', reason: 'chargeback 4471' });
    assert.deepEqual(plain, { value: pan, redaction: 'plain', brand: 'visa', last4: '1111' });
    assert.equal((await vault.detokenize({ token })).value, '411111******1111', 'masked unless asked');
    // People type card numbers into free text: the reason is recorded with them masked, however written.
    for (const reason of [`refund of ${pan.replace(/(\d{4})(?=\d)/g, '$1.')} per ticket`, `refund ${widePan}`]) {
      await vault.detokenize({ token, reason });
    }
    // A reason goes into the audit trail as given: SAD typed into one is refused, not recorded (PCI DSS 3.3.1).
    for (const reason of ['customer read out cvv: 731', 'swipe ;4111111111111111=29121010000000000?']) {
      await assert.rejects(
        vault.detokenize({ token, reason }),
        (error: unknown) =>
          error instanceof VaultServiceError &&
          error.code === 'ValidationException' &&
          /Reason holds sensitive authentication data/.test(error.message) &&
          !/731|4111/.test(error.message),
      );
    }
    await assert.rejects(
      vault.deleteToken({ token, reason: 'pin block 0412AC89ABCDEF67' }),
      (error: unknown) => error instanceof VaultServiceError && error.code === 'ValidationException',
    );
    await assert.rejects(
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MessageAttributeNames: ['pciq.Reveal.Plain', 'pciq.RevealReason.cvv-731'],
        }),
      ),
      (error: Error) => error.name === 'InvalidParameterValue' && /sensitive authentication data/.test(error.message),
    );
    await assert.rejects(
      vault.detokenize({ token, reason: `overlong ${'x'.repeat(5_000)}` }),
      (error: unknown) => error instanceof VaultServiceError && error.code === 'ValidationException',
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        VisibilityTimeout: 0,
        MessageAttributeNames: ['pciq.Reveal.Plain', 'pciq.RevealReason.fraud-review'],
      }),
    );
    assert.equal(JSON.parse(Messages![0]!.Body!).card.number, pan, 'revealed on receive');
    await assert.rejects(
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MessageAttributeNames: ['pciq.Reveal.Plain', `pciq.RevealReason.${'r'.repeat(257)}`],
        }),
      ),
      (error: Error) => error.name === 'InvalidParameterValue' && /at most 256 characters/.test(error.message),
      'an SQS error code for a reason too long, before anything is received',
    );
  });

  it('tokenizes through the vault API and deletes for good', async () => {
    const first = await vault.tokenize({
      pan: '5555 5555 5555 4444',
      scope: 'checkout',
      format: 'format-preserving-bin6',
    });
    const again = await vault.tokenize({
      pan: '5555555555554444',
      scope: 'checkout',
      format: 'format-preserving-bin6',
    });
    assert.equal(again.token, first.token);
    assert.equal(again.reused, true);
    assert.match(first.token, /^555555\d{6}4444$/);
    const batch = await vault.tokenizeBatch({
      pans: ['5555 5555 5555 4444', '378282246310005'],
      scope: 'checkout',
      format: 'format-preserving-bin6',
    });
    assert.deepEqual(
      batch.map(({ token, brand, reused }) => ({ token, brand, reused })),
      [
        { token: first.token, brand: 'mastercard', reused: true },
        { token: batch[1]!.token, brand: 'amex', reused: false },
      ],
      'many cards in one call, in order, convergent with single calls',
    );
    assert.equal((await vault.detokenize({ token: batch[1]!.token, redaction: 'plain' })).value, '378282246310005');
    // Enough cards for the server to seal them on its worker thread.
    const many = Array.from({ length: 40 }, () => panIn('51', '55', 16));
    const manyTokens = await vault.tokenizeBatch({ pans: many, expiryMonth: '08/31' });
    for (const index of [0, 17, 39]) {
      const plain = await vault.detokenize({ token: manyTokens[index]!.token, redaction: 'plain' });
      assert.deepEqual(
        { value: plain.value, expiryMonth: plain.expiryMonth },
        { value: many[index], expiryMonth: '08/31' },
      );
    }
    assert.doesNotMatch(server.stderr, /PCIQ_SEAL_AHEAD/, 'sealed on the worker thread, which started');
    await assert.rejects(
      vault.tokenizeBatch({ pans: ['378282246310005', '5555 5555 5555 4445'] }),
      (error: unknown) =>
        error instanceof VaultServiceError &&
        error.code === 'ValidationException' &&
        /entry 2/.test(error.message) &&
        !/5555|3782/.test(error.message),
    );
    await vault.deleteToken({ token: first.token, reason: 'card replaced' });
    await assert.rejects(
      vault.detokenize({ token: first.token, redaction: 'plain' }),
      (error: unknown) => error instanceof VaultServiceError && error.code === 'ResourceNotFoundException',
    );
    await assert.rejects(
      vault.tokenize({ pan: '5555 5555 5555 4445' }),
      (error: unknown) =>
        error instanceof VaultServiceError && error.code === 'ValidationException' && !error.message.includes('5555'),
    );
  });

  it('refuses a CVV through the SDK with an SQS error that names the field, and stores nothing of it', async () => {
    const marker = 'REFUSED-7c1e';
    await assert.rejects(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: `{"note":"${marker}","card":{"number":"${pan}","cvv":"123"}}`,
        }),
      ),
      (error: Error) => {
        assert.equal(error.name, 'InvalidMessageContents');
        assert.match(error.message, /card verification code in the message body, field card\.cvv/);
        assert.doesNotMatch(error.message, /123|4111/);
        return true;
      },
    );
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [{ Id: 'track', MessageBody: `${marker} ;4111111111111111=29121010000000000?` }],
      }),
    );
    assert.equal(batch.Failed?.[0]?.Code, 'InvalidMessageContents');
    assert.match(batch.Failed?.[0]?.Message ?? '', /magnetic-stripe track data/);
  });

  it('refuses track data through the Query protocol with the same error', async () => {
    const body = new URLSearchParams({
      Action: 'SendMessage',
      Version: '2012-11-05',
      QueueUrl: queueUrl,
      MessageBody: '{"swipe":";4111111111111111=29121010000000000?"}',
    }).toString();
    const response = await signedRequest({
      endpoint,
      caFile: data.bootstrap.caFile,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      service: 'sqs',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    assert.equal(response.status, 400);
    assert.match(response.body, /<Code>InvalidMessageContents<\/Code>/);
    assert.match(response.body, /magnetic-stripe track data in the message body, field swipe/);
    assert.doesNotMatch(response.body, /4111/);
  });

  it('refuses SAD hidden by form encoding, markup, spacing or other digits, and tokenizes a full-width PAN in place', async () => {
    const forms = (await sqs.send(new CreateQueueCommand({ QueueName: 'forms' }))).QueueUrl!;
    const marker = 'REFUSED-7c1e';
    const refused = [
      `amount=5&note=${marker}&card%5Bcvc%5D=123`,
      `<payment note="${marker}"><cvv value="123"/></payment>`,
      `{"note":"${marker}","card":{"cvv":"1 2 3"}}`,
      `{"note":"${marker} ＣＶＶ：１２３"}`,
    ];
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: forms,
        Entries: [
          ...refused.map((body, i) => ({ Id: `sad${i}`, MessageBody: body })),
          {
            Id: 'binary',
            MessageBody: marker,
            MessageAttributes: { cvv: { DataType: 'Binary', BinaryValue: Buffer.from('123') } },
          },
          { Id: 'wide', MessageBody: `{"note":"カード ${widePan} です"}` },
        ],
      }),
    );
    assert.deepEqual(batch.Failed?.map((failure) => failure.Id).sort(), ['binary', 'sad0', 'sad1', 'sad2', 'sad3']);
    for (const failure of batch.Failed ?? []) {
      assert.equal(failure.Code, 'InvalidMessageContents');
      assert.match(failure.Message ?? '', /card verification code/);
      assert.doesNotMatch(failure.Message ?? '', /123|１２３/);
    }
    assert.deepEqual(
      batch.Successful?.map((entry) => entry.Id),
      ['wide'],
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: forms, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    assert.equal(Messages?.length, 1);
    assert.match(JSON.parse(Messages![0]!.Body!).note, /^カード tok_[a-p]{10}[a-z2-7]{24} です$/);
  });

  it('serves pciq tokens with the usual AWS environment, masked unless asked', () => {
    const env = { ...awsEnvironmentOf(data.bootstrap, endpoint), AWS_PROFILE: 'nonexistent' };
    const tokenized = pciq(['tokens', 'tokenize', '--json', '--reason', 'cli test'], {
      env,
      input: '378282246310005\n6011 1111 1111 1117\n',
    });
    assert.equal(tokenized.status, 0, tokenized.stderr);
    const { tokens } = JSON.parse(tokenized.stdout) as { tokens: Array<{ token: string; brand: string }> };
    assert.deepEqual(
      tokens.map((t) => t.brand),
      ['amex', 'discover'],
    );
    const shown = pciq(['tokens', 'detokenize', tokens[0]!.token, '--reason', 'cli test'], { env });
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /amex {2}378282\*{5}0005/);
    const plain = pciq(['tokens', 'detokenize', tokens[0]!.token, '--redaction', 'plain'], { env });
    assert.match(plain.stdout, /378282246310005/);
    const badLine = pciq(['tokens', 'tokenize'], { env, input: '378282246310005\n4111 1111 1111 1112\n' });
    assert.equal(badLine.status, 1);
    assert.match(badLine.stderr, /line 2: not a card number/);
    assert.doesNotMatch(badLine.stderr, /4111|3782/);
    const onArgs = pciq(['tokens', 'tokenize', '4111111111111111'], { env });
    assert.equal(onArgs.status, 1);
    assert.match(onArgs.stderr, /standard input only/);
    const removed = pciq(['tokens', 'delete', tokens[1]!.token], { env });
    assert.equal(removed.status, 0, removed.stderr);
    const gone = pciq(['tokens', 'detokenize', tokens[1]!.token], { env });
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /^pciq tokens: ResourceNotFoundException: /);
    // A failure part-way shows what was done before it, and names the failing token by position only.
    const partly = pciq(['tokens', 'detokenize', tokens[0]!.token, tokens[1]!.token, '--reason', 'cli test'], { env });
    assert.equal(partly.status, 1);
    assert.match(partly.stdout, /amex {2}378282\*{5}0005/);
    assert.match(partly.stderr, /^pciq tokens: token 2 of 2: ResourceNotFoundException: .*; the 1 before it was done/);
    const partlyDeleted = pciq(['tokens', 'delete', tokens[0]!.token, tokens[1]!.token], { env });
    assert.equal(partlyDeleted.status, 1);
    assert.equal(partlyDeleted.stdout, 'deleted 1\n');
    assert.match(partlyDeleted.stderr, /^pciq tokens: token 2 of 2: ResourceNotFoundException: /);
    cliOutput.push(partly.stdout, partly.stderr, partlyDeleted.stderr);
    const noCredentials = pciq(['tokens', 'detokenize', 'tok_x'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: temp.path },
    });
    assert.match(noCredentials.stderr, /no AWS credentials/);
    const { AWS_CA_BUNDLE: _, ...withoutCa } = env;
    const untrusted = pciq(['tokens', 'detokenize', tokens[0]!.token], { env: withoutCa });
    assert.equal(untrusted.status, 1);
    assert.match(
      untrusted.stderr,
      /^pciq tokens: the TLS certificate of https:\/\/\S+ is not issued by a CA this command trusts \(\w+\): pass --ca-bundle FILE or set AWS_CA_BUNDLE/,
    );
    assert.doesNotMatch(untrusted.stderr, /is pciq serve running/, 'it is running: the certificate is the problem');
    const closedPort = 'https://127.0.0.1:1';
    const elsewhere = pciq(['tokens', 'detokenize', tokens[0]!.token], {
      env: { ...env, AWS_ENDPOINT_URL_VAULT: closedPort },
    });
    assert.equal(elsewhere.status, 1);
    assert.match(
      elsewhere.stderr,
      /^pciq tokens: cannot reach the vault at https:\/\/127\.0\.0\.1:1 /,
      'names the endpoint it called',
    );
    cliOutput.push(tokenized.stdout, tokenized.stderr, shown.stdout, shown.stderr, gone.stderr);
  });

  it('records every tokenization and detokenization with who, which token and why, never the PAN', async () => {
    sqs.destroy();
    vault.close();
    assert.equal(await server.stop(), 0);
    serverOutput = server.stdout + server.stderr;
    records = pciqJson<{ records: AuditRecordJson[] }>([
      'audit',
      'search',
      '--json',
      '--limit',
      '1000',
      '--data-dir',
      data.dataDir,
      '--key-file',
      data.keyFile,
    ]).records;
    const arn = vaultArn(data.bootstrap.region, data.bootstrap.accountId);
    const detokenizes = records.filter((r) => r.type === 'vault:Detokenize' && r.kind === 'request');
    const chargeback = detokenizes.find((r) => r.details?.['reason'] === 'chargeback 4471');
    assert.equal(chargeback?.outcome, 'success');
    assert.equal(chargeback?.resource, arn);
    assert.match(String(chargeback?.details?.['tokenRef']), /^[a-p]{10}[A-Za-z0-9_-]{32}$/);
    assert.equal(chargeback?.details?.['redaction'], 'plain');
    assert.match(chargeback?.actor.principal ?? '', /:user\/admin$/);
    const missing = detokenizes.find((r) => r.error === 'ResourceNotFoundException');
    assert.ok(missing);
    const typedReasons = detokenizes
      .map((r) => String(r.details?.['reason']))
      .filter((reason) => reason.startsWith('refund'));
    assert.deepEqual(typedReasons.sort(), ['refund [digits removed]', 'refund of [digits removed] per ticket']);
    const overlong = detokenizes.find((r) => String(r.details?.['reason']).startsWith('overlong'));
    assert.match(String(overlong?.details?.['reason']), /^overlong x+…$/);
    assert.ok(String(overlong?.details?.['reason']).length <= 257, 'a reason is recorded bounded');
    const reveal = records.find((r) => r.type === 'vault:Detokenize' && r.kind === 'event');
    assert.equal(reveal?.details?.['reason'], 'fraud-review');
    assert.equal(reveal?.details?.['via'], 'ReceiveMessage');
    const guardTokenize = records.find((r) => r.type === 'vault:Tokenize' && r.details?.['via'] === 'SendMessage');
    assert.equal(guardTokenize?.data?.messageIds?.length, 1);
    const refused = records.filter((r) => r.type === 'sqs:SendMessage' && r.error === 'InvalidMessageContents');
    assert.equal(refused.length, 2, 'the SDK and the Query refusals');
    assert.ok(records.some((r) => r.type === 'vault:DeleteToken' && r.details?.['reason'] === 'card replaced'));
    const trail = JSON.stringify(records);
    assert.ok(!trail.includes(token), 'no token value in the trail');
    assert.doesNotMatch(trail, /cvv[:-] ?731|0412AC89ABCDEF67/, 'no SAD typed into a reason in the trail');
    assert.equal(
      records.filter((r) => r.details?.['reason'] === '(withheld: it held sensitive authentication data)').length,
      3,
      'the refused calls recorded, their reasons withheld',
    );
  });

  it('leaves the PAN in no file of the data directory or the temp directory, nor in any output', () => {
    const files = [...filesUnder(data.dataDir), ...filesUnder(temp.path)];
    assert.ok(files.some((file) => file.where.endsWith('pciq.db')));
    const haystacks = [
      ...files,
      textHaystack('server output', serverOutput),
      textHaystack('audit search', JSON.stringify(records)),
      ...cliOutput.map((output, i) => textHaystack(`CLI output ${i + 1}`, output)),
    ];
    const markers = ['REFUSED-7c1e', widePan, 'cvv: 731', 'cvv-731', '0412AC89ABCDEF67'];
    assert.deepEqual(cardDataLeaks(haystacks, { pans: [pan], markers }), []);
  });
});
