import { join } from 'node:path';
import { ServerProcess } from './server-process.ts';
import type { Target } from './target.ts';

/** fauxqs, the in-memory SQS emulator, in its own process: plain HTTP, any credentials accepted. */
export async function startFauxqs(): Promise<Target> {
  const server = new ServerProcess([join(import.meta.dirname, 'fauxqs-main.ts')], {
    ...process.env,
    FAUXQS_LOGGER: 'false',
  });
  const url = await server.listeningUrl();
  return {
    name: 'fauxqs',
    endpoint: {
      url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'fauxqs-does-not-check-this' },
    },
    pid: server.child.pid,
    stderr: () => server.stderr,
    async stop() {
      await server.stop();
    },
  };
}
