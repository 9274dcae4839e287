/**
 * A pciq server for the cost benches (`bench/audit.ts`, `bench/vault.ts`), run in a worker thread: the same
 * composition as `pciq serve` (the cardholder-data guard and the token vault included), with the audit
 * trail or the guard switched off, so that a benchmark measures exactly what one of them costs.
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ApiServer } from '../src/api/index.ts';
import { AuditRuntime, defaultAuditConfig } from '../src/audit/index.ts';
import { initializeDataDir, openDataDir, pathsOf, readTlsMaterial } from '../src/cli/data-dir.ts';
import { rootKeyChoiceOf } from '../src/cli/root-key-options.ts';
import { systemClock } from '../src/core/index.ts';
import { CardDataGuard } from '../src/guard/index.ts';
import { IamService } from '../src/iam/index.ts';
import { KeyAdmin, KmsData } from '../src/keys/index.ts';
import { QueueService } from '../src/queues/index.ts';
import { TokenVault } from '../src/vault/index.ts';

const { dir, isAuditOn, isGuardOn = true } = workerData as { dir: string; isAuditOn: boolean; isGuardOn?: boolean };
const keyFile = join(dir, 'keys', 'master.key');
const paths = pathsOf(join(dir, 'data'), keyFile);
const rootKey = rootKeyChoiceOf({ 'key-file': keyFile });
const bootstrap = await initializeDataDir(paths, {
  region: 'us-east-1',
  clock: systemClock,
  bringsOwnTls: false,
  extraHosts: ['127.0.0.1'],
  rootKey,
});
const opened = await openDataDir(paths, { rootKey, clock: systemClock });
const audit = isAuditOn
  ? await AuditRuntime.open({
      store: opened.store,
      keyring: opened.keys.system,
      clock: systemClock,
      config: defaultAuditConfig,
      archiveDir: paths.auditArchive,
      accountId: opened.accountId,
      log: () => undefined,
    })
  : undefined;
const iam = new IamService({
  store: audit?.store ?? opened.store,
  bookkeepingStore: opened.store,
  sealer: opened.keys,
  clock: systemClock,
  ...(audit ? { audit: audit.events } : {}),
  defaultAccountId: opened.accountId,
});
await iam.directory.sync();
const server = new ApiServer(readTlsMaterial(paths.serverCert, paths.serverKey));
const address = await server.listen(0, '127.0.0.1');
const endpoint = `https://127.0.0.1:${address.port}`;
const vault = new TokenVault({
  store: audit?.store ?? opened.store,
  sealer: opened.keys,
  clock: systemClock,
  region: opened.region,
  ...(audit ? { events: audit.events } : {}),
});
const queues = new QueueService({
  store: audit?.store ?? opened.store,
  clock: systemClock,
  sealer: opened.keys,
  region: opened.region,
  endpoint,
  ...(isGuardOn ? { guard: new CardDataGuard(vault) } : {}),
});
server.serve({
  app: {
    queues,
    keys: { admin: new KeyAdmin(opened.keys), data: new KmsData(opened.keys) },
    ...(audit ? { audit: audit.service } : {}),
    vault,
    iam,
  },
  ...(audit ? { audit: audit.auditor } : {}),
  clock: systemClock,
  region: opened.region,
  onInternalError: (requestId, error) => process.stderr.write(`internal error ${requestId}: ${String(error)}\n`),
});
queues.start();
await audit?.start({ queues, details: { endpoint, tls: true } });

/** Audit records written so far (the trail's length). */
async function records(): Promise<number> {
  const head = await opened.store.read((tx) => tx.audit.head());
  return head ? head.seq + 1 : 0;
}

// CPU time of this thread alone: the clients and the other server run on other threads.
let mark = process.threadCpuUsage();
parentPort!.on('message', async (message: string) => {
  if (message === 'mark') {
    mark = process.threadCpuUsage();
    parentPort!.postMessage({ marked: true });
  } else if (message === 'usage') {
    const used = process.threadCpuUsage(mark);
    parentPort!.postMessage({ cpuUs: used.user + used.system, records: await records() });
  } else if (message === 'stop') {
    await server.stop();
    queues.stop();
    await audit?.stop();
    await opened.store.close();
    parentPort!.postMessage({ stopped: true });
  }
});
parentPort!.postMessage({
  endpoint,
  caFile: bootstrap.caFile,
  accessKeyId: bootstrap.credentials.accessKeyId,
  secretAccessKey: bootstrap.credentials.secretAccessKey,
});
