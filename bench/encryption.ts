/**
 * What encryption at rest costs: the SQS round trip (SendMessageBatch of 10 → ReceiveMessage of 10 →
 * DeleteMessageBatch) through the queue engine on a real SQLite file, once with pciq's key hierarchy
 * sealing every payload and once with a null cipher that only this program builds (the server cannot be
 * started with it). Prints both rates and their ratio; the goal is ≥ 0.85.
 *
 *   node bench/encryption.ts [--round-trips N] [--body-bytes N] [--only sealed|'null cipher']
 */
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Caller, systemClock } from '../src/core/index.ts';
import { RootKey } from '../src/crypto/index.ts';
import { KeyService, type KeySession, type Sealer } from '../src/keys/index.ts';
import { QueueService } from '../src/queues/index.ts';
import { SqliteStore } from '../src/storage/index.ts';
import { makeTempDir } from '../test/support/temp-dir.ts';
import { engineRoundTripRate } from './engine-round-trip.ts';

const { values } = parseArgs({
  options: {
    'round-trips': { type: 'string', default: '2000' },
    'body-bytes': { type: 'string', default: '1024' },
    // One side only, once (for profiling it): 'sealed' or 'null cipher'.
    only: { type: 'string' },
  },
});
const roundTrips = Number(values['round-trips']);
const bodyBytes = Number(values['body-bytes']);

const caller: Caller = {
  accountId: '123456789012',
  principalArn: 'arn:aws:iam::123456789012:user/bench',
  accessKeyId: 'AKIABENCHBENCHBENCH0',
  senderId: 'AIDABENCHBENCHBENCH00',
};

/** No encryption at all: payloads stored as they are. For this measurement only. */
const nullSession: KeySession = {
  sealingKey: () => ({
    keyId: 'null',
    keyArn: 'null',
    seal: (plaintext) => Buffer.from(plaintext),
    sealMany: async (items) => items.map((item) => Buffer.from(item.plaintext, item.encoding)),
  }),
  open: (sealed) => Buffer.from(sealed),
  checkOpenable: () => undefined,
  keyOf: () => ({ keyId: 'null', arn: 'null', awsManaged: true, tags: {} }),
};
const hashKey = randomBytes(32);
const nullSealer: Sealer = {
  session: async () => nullSession,
  recentSession: () => nullSession,
  ensureManagedKey: async () => undefined,
  keyedHash: (purpose, value) => createHmac('sha256', hashKey).update(`${purpose}\n${value}`).digest('base64url'),
  reportUnreadable: () => undefined,
};

async function measure(label: 'sealed' | 'null cipher'): Promise<number> {
  const dir = makeTempDir('pciq-bench-');
  const store = new SqliteStore({ path: join(dir.path, 'pciq.db') });
  const sealer =
    label === 'sealed'
      ? await KeyService.open({
          store,
          root: new RootKey(RootKey.generateSecret()),
          clock: systemClock,
          region: 'us-east-1',
        })
      : nullSealer;
  const queues = new QueueService({
    store,
    clock: systemClock,
    sealer,
    region: 'us-east-1',
    endpoint: 'https://127.0.0.1:9324',
  });
  const body = randomBytes(Math.ceil((bodyBytes * 3) / 4))
    .toString('base64')
    .slice(0, bodyBytes);
  const entries = Array.from({ length: 10 }, (_, i) => ({
    id: `e${i}`,
    body,
    attributes: { kind: { dataType: 'String', stringValue: 'order' } },
    systemAttributes: {},
  }));
  const rate = await engineRoundTripRate(queues, caller, roundTrips, () => entries);
  queues.stop();
  await store.close();
  dir.remove();
  return rate;
}

const best = { sealed: 0, 'null cipher': 0 };
// Alternating runs, best of three each: the machine's noise hits both sides alike.
const labels = (values.only ? [values.only] : ['null cipher', 'sealed']) as Array<'sealed' | 'null cipher'>;
for (let run = 0; run < (values.only ? 1 : 3); run++) {
  for (const label of labels) best[label] = Math.max(best[label], await measure(label));
}
const ratio = best.sealed / best['null cipher'];
process.stdout.write(
  `encryption at rest, engine round trip (send batch 10 → receive 10 → delete batch 10, ${bodyBytes} B bodies, ${roundTrips * 10} messages per run)\n` +
    `  sealed (AES-256-GCM, key hierarchy): ${best.sealed.toFixed(0)} msgs/s\n` +
    `  null cipher:                         ${best['null cipher'].toFixed(0)} msgs/s\n` +
    `  ratio sealed / null:                 ${ratio.toFixed(3)} (goal ≥ 0.85)\n`,
);
