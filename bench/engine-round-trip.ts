import type { Caller } from '../src/core/index.ts';
import type { QueueService, SendEntry } from '../src/queues/index.ts';

/**
 * The SQS round trip on the bare queue engine (SendMessageBatch of 10 → ReceiveMessage of 10 →
 * DeleteMessageBatch), `roundTrips` times after a warm-up, one at a time: messages per second. For cost
 * benches that compare the engine with a protection on and off.
 */
export async function engineRoundTripRate(
  queues: QueueService,
  caller: Caller,
  roundTrips: number,
  entries: () => SendEntry[],
): Promise<number> {
  await queues.createQueue(caller, { name: 'bench', attributes: { VisibilityTimeout: '300' }, tags: {} });
  const address = { accountId: caller.accountId, name: 'bench' };
  const options = { maxMessages: 10, systemAttributeNames: [], messageAttributeNames: ['All'] };
  const roundTrip = async () => {
    await queues.sendMessages(caller, address, entries(), true);
    const received = await queues.receiveMessages(address, options);
    await queues.deleteMessageBatch(
      address,
      received.map((message, i) => ({ id: `d${i}`, receiptHandle: message.receiptHandle })),
    );
    return received.length;
  };
  for (let i = 0; i < Math.min(200, roundTrips / 10); i++) await roundTrip();
  const started = process.hrtime.bigint();
  let messages = 0;
  for (let i = 0; i < roundTrips; i++) messages += await roundTrip();
  return messages / (Number(process.hrtime.bigint() - started) / 1e9);
}
