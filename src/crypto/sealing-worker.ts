/**
 * The worker thread of `sealing-pool.ts`: seals a job's items under its data key and sends the envelopes back
 * in one buffer whose memory moves to the main thread instead of being copied.
 */
import { parentPort } from 'node:worker_threads';
import { type SealJobMessage, type SealReplyMessage, sealItems } from './sealing-pool.ts';

parentPort!.on('message', (job: SealJobMessage) => {
  let reply: SealReplyMessage;
  try {
    const under = { key: job.key, header: Buffer.from(job.header), aadPrefix: Buffer.from(job.aadPrefix) };
    const sealed = sealItems(under, job.items);
    const packed = new Uint8Array(sealed.reduce((total, envelope) => total + envelope.length, 0));
    let offset = 0;
    for (const envelope of sealed) {
      packed.set(envelope, offset);
      offset += envelope.length;
    }
    reply = { id: job.id, packed, lengths: sealed.map((envelope) => envelope.length) };
    parentPort!.postMessage(reply, [packed.buffer]);
  } catch (error) {
    reply = { id: job.id, error: (error as Error).message };
    parentPort!.postMessage(reply);
  }
});
