/**
 * The serverless-functions part of the storage contract (`tx.functions`): what every driver must do. Run by
 * each driver's test file next to the main contract.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventSourceMappingRow, FunctionVersionRow, Store } from '../../src/storage/index.ts';
import type { StoreFactory } from './contract.ts';

const account = '123456789012';

/** Drivers return blobs as Uint8Array; compare their text. */
function text(bytes: Uint8Array | null | undefined): string | null | undefined {
  return bytes ? Buffer.from(bytes).toString() : bytes;
}

function versionRow(name: string, version: number, overrides: Partial<FunctionVersionRow> = {}): FunctionVersionRow {
  return {
    accountId: account,
    functionName: name,
    version,
    handler: 'index.handler',
    roleArn: `arn:aws:iam::${account}:role/worker`,
    timeoutSec: 3,
    memoryMb: 128,
    description: '',
    secretEnvNames: ['DB_PASSWORD'],
    sealedEnvironment: Buffer.from('sealed env'),
    codeSha256: 'c2hh',
    codeSizeBytes: 10,
    createdAtMs: 1_000 + version,
    ...overrides,
  };
}

function mappingRow(uuid: string, functionName: string, overrides: Partial<EventSourceMappingRow> = {}) {
  return {
    uuid,
    accountId: account,
    functionName,
    queueArn: `arn:aws:sqs:us-east-1:${account}:orders`,
    batchSize: 10,
    batchWindowSec: 0,
    maxConcurrency: null,
    reportBatchItemFailures: false,
    filterPatterns: ['{"body":{"a":[1]}}'],
    isEnabled: true,
    createdAtMs: 1_000,
    updatedAtMs: 1_000,
    lastProcessingResult: null,
    ...overrides,
  } satisfies EventSourceMappingRow;
}

export function describeFunctionStoreContract(driver: string, factory: StoreFactory): void {
  describe(`storage contract, functions: ${driver}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.create();
    });
    after(async () => {
      await store.close();
      await factory.cleanup();
    });

    it('keeps functions, versions with their sealed code apart, and changes the revision with each change', async () => {
      const revisions = [await store.read((tx) => tx.functions.revision())];
      await store.write(async (tx) => {
        await tx.functions.insertFunction({
          accountId: account,
          name: 'billing',
          currentVersion: 1,
          nextVersion: 2,
          createdAtMs: 1_000,
          updatedAtMs: 1_000,
        });
        await tx.functions.insertVersion(versionRow('billing', 1), Buffer.from('code v1'));
      });
      revisions.push(await store.read((tx) => tx.functions.revision()));
      await store.write(async (tx) => {
        await tx.functions.insertVersion(versionRow('billing', 2, { sealedEnvironment: null }), Buffer.from('code v2'));
        const row = await tx.functions.getFunction(account, 'billing');
        await tx.functions.updateFunction({ ...row!, currentVersion: 2, nextVersion: 3, updatedAtMs: 2_000 });
      });
      revisions.push(await store.read((tx) => tx.functions.revision()));
      assert.equal(new Set(revisions).size, 3);

      await store.read(async (tx) => {
        assert.deepEqual(await tx.functions.getFunction(account, 'billing'), {
          accountId: account,
          name: 'billing',
          currentVersion: 2,
          nextVersion: 3,
          createdAtMs: 1_000,
          updatedAtMs: 2_000,
        });
        assert.deepEqual(
          (await tx.functions.listVersions(account, 'billing')).map((v) => [v.version, text(v.sealedEnvironment)]),
          [
            [1, 'sealed env'],
            [2, null],
          ],
        );
        const first = await tx.functions.getVersion(account, 'billing', 1);
        assert.deepEqual(
          { ...first, sealedEnvironment: text(first?.sealedEnvironment) },
          { ...versionRow('billing', 1), sealedEnvironment: 'sealed env' },
        );
        assert.equal(text(await tx.functions.getCode(account, 'billing', 2)), 'code v2');
        assert.equal(await tx.functions.getCode(account, 'billing', 9), undefined);
        assert.deepEqual(
          (await tx.functions.listFunctions(account)).map((f) => f.name),
          ['billing'],
        );
        assert.deepEqual(await tx.functions.listFunctions('999999999999'), []);
      });
    });

    it('replaces sealed code and environment in place, and walks versions in order', async () => {
      await store.write(async (tx) => {
        await tx.functions.insertFunction({
          accountId: account,
          name: 'audit-tap',
          currentVersion: 1,
          nextVersion: 2,
          createdAtMs: 1,
          updatedAtMs: 1,
        });
        await tx.functions.insertVersion(versionRow('audit-tap', 1), Buffer.from('old code'));
        await tx.functions.replaceVersionSeals(account, 'audit-tap', 1, {
          code: Buffer.from('new code'),
          environment: Buffer.from('new env'),
        });
      });
      await store.read(async (tx) => {
        assert.equal(text(await tx.functions.getCode(account, 'audit-tap', 1)), 'new code');
        assert.equal(text((await tx.functions.getVersion(account, 'audit-tap', 1))?.sealedEnvironment), 'new env');
        const first = await tx.functions.scanVersions(undefined, 2);
        assert.deepEqual(
          first.map((v) => `${v.functionName}:${v.version}`),
          ['audit-tap:1', 'billing:1'],
        );
        const last = first[first.length - 1]!;
        const rest = await tx.functions.scanVersions(
          { accountId: last.accountId, name: last.functionName, version: last.version },
          10,
        );
        assert.deepEqual(
          rest.map((v) => `${v.functionName}:${v.version}`),
          ['billing:2'],
        );
      });
    });

    it('keeps event source mappings, updates them, and deletes them with their function', async () => {
      await store.write(async (tx) => {
        await tx.functions.insertFunction({
          accountId: account,
          name: 'mapped',
          currentVersion: 1,
          nextVersion: 2,
          createdAtMs: 1,
          updatedAtMs: 1,
        });
        await tx.functions.insertVersion(versionRow('mapped', 1), Buffer.from('code'));
        await tx.functions.insertMapping(mappingRow('m-1', 'mapped'));
        await tx.functions.insertMapping(mappingRow('m-2', 'mapped', { createdAtMs: 2_000, maxConcurrency: 8 }));
      });
      const before = await store.read((tx) => tx.functions.revision());
      await store.write((tx) =>
        tx.functions.updateMapping(mappingRow('m-1', 'mapped', { isEnabled: false, reportBatchItemFailures: true })),
      );
      assert.notEqual(await store.read((tx) => tx.functions.revision()), before);
      await store.read(async (tx) => {
        assert.deepEqual(
          await tx.functions.getMapping('m-1'),
          mappingRow('m-1', 'mapped', { isEnabled: false, reportBatchItemFailures: true }),
        );
        assert.deepEqual(
          (await tx.functions.listMappings(account, 'mapped')).map((m) => [m.uuid, m.maxConcurrency]),
          [
            ['m-1', null],
            ['m-2', 8],
          ],
        );
        assert.equal((await tx.functions.listAllMappings()).length, 2);
      });
      // The pollers' report is no change of the mapping: the revision stays, and changes of the mapping keep it.
      const reported = await store.read((tx) => tx.functions.revision());
      await store.write((tx) => tx.functions.recordProcessingResult('m-2', 'PROBLEM: no access'));
      assert.equal(await store.read((tx) => tx.functions.revision()), reported);
      await store.write((tx) => tx.functions.updateMapping(mappingRow('m-2', 'mapped', { isEnabled: false })));
      assert.equal(
        (await store.read((tx) => tx.functions.getMapping('m-2')))?.lastProcessingResult,
        'PROBLEM: no access',
      );
      assert.equal(await store.write((tx) => tx.functions.deleteMapping('m-2')), true);
      assert.equal(await store.write((tx) => tx.functions.deleteMapping('m-2')), false);
      await store.write((tx) => tx.functions.deleteFunction(account, 'mapped'));
      await store.read(async (tx) => {
        assert.equal(await tx.functions.getFunction(account, 'mapped'), undefined);
        assert.deepEqual(await tx.functions.listVersions(account, 'mapped'), []);
        assert.equal(await tx.functions.getMapping('m-1'), undefined);
      });
    });

    it('appends logs, reads them by function and time, and expires old logs and metrics', async () => {
      const ids: number[] = [];
      await store.write(async (tx) => {
        for (const [at, name] of [
          [10_000, 'logger'],
          [20_000, 'other'],
          [30_000, 'logger'],
          [40_000, 'logger'],
        ] as const) {
          ids.push(
            await tx.functions.appendLog({
              accountId: account,
              functionName: name,
              version: 1,
              requestId: `r-${at}`,
              atMs: at,
              durationMs: 5,
              outcome: at === 30_000 ? 'error' : 'success',
              sealedText: Buffer.from(`log ${at}`),
            }),
          );
        }
        await tx.functions.replaceLogText(ids[3]!, Buffer.from('resealed'));
      });
      await store.read(async (tx) => {
        const logs = await tx.functions.readLogs(account, 'logger', 15_000, 0, 10);
        assert.deepEqual(
          logs.map((log) => [log.requestId, log.outcome, text(log.sealedText)]),
          [
            ['r-30000', 'error', 'log 30000'],
            ['r-40000', 'success', 'resealed'],
          ],
        );
        assert.deepEqual(
          (await tx.functions.readLogs(account, 'logger', 0, logs[0]!.id, 10)).map((log) => log.requestId),
          ['r-40000'],
        );
        assert.equal((await tx.functions.scanLogs(0, 10)).length, 4);
      });
      await store.write((tx) =>
        tx.functions.addMetrics([
          {
            accountId: account,
            functionName: 'logger',
            minuteMs: 60_000,
            invocations: 2,
            errors: 1,
            throttles: 0,
            records: 20,
            durationSumMs: 30,
            durationMaxMs: 20,
            iteratorAgeMaxMs: 100,
          },
          {
            accountId: account,
            functionName: 'logger',
            minuteMs: 120_000,
            invocations: 1,
            errors: 0,
            throttles: 1,
            records: 10,
            durationSumMs: 5,
            durationMaxMs: 5,
            iteratorAgeMaxMs: 7,
          },
        ]),
      );
      await store.write((tx) =>
        tx.functions.addMetrics([
          {
            accountId: account,
            functionName: 'logger',
            minuteMs: 60_000,
            invocations: 3,
            errors: 0,
            throttles: 2,
            records: 30,
            durationSumMs: 9,
            durationMaxMs: 50,
            iteratorAgeMaxMs: 40,
          },
        ]),
      );
      const metrics = await store.read((tx) => tx.functions.readMetrics(account, 'logger', 0));
      assert.deepEqual(metrics[0], {
        accountId: account,
        functionName: 'logger',
        minuteMs: 60_000,
        invocations: 5,
        errors: 1,
        throttles: 2,
        records: 50,
        durationSumMs: 39,
        durationMaxMs: 50,
        iteratorAgeMaxMs: 100,
      });
      assert.equal(metrics.length, 2);

      const removed = await store.write((tx) => tx.functions.deleteExpiredObservations(25_000, 100_000, 100));
      assert.equal(removed, 3);
      await store.read(async (tx) => {
        assert.deepEqual(
          (await tx.functions.readLogs(account, 'logger', 0, 0, 10)).map((log) => log.requestId),
          ['r-30000', 'r-40000'],
        );
        assert.deepEqual(
          (await tx.functions.readMetrics(account, 'logger', 0)).map((m) => m.minuteMs),
          [120_000],
        );
      });
    });
  });
}
