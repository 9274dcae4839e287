import { type KeySession, managedAlias, type SealedDataSource, type SealedRecord } from '../keys/index.ts';
import type { FunctionVersionRow } from '../storage/index.ts';
import { functionArn } from './names.ts';

/**
 * Functions' code, environment variables and invocation logs are sealed under the account's AWS managed
 * key for Lambda (alias/aws/lambda), as Lambda encrypts environment variables at rest. Each is bound to its
 * place (account, function, version or request), so a ciphertext moved to another version does not open.
 */
export const lambdaKeyAlias = managedAlias('lambda');
const codeScope = 'lambda:function-code';
const environmentScope = 'lambda:function-environment';
const logScope = 'lambda:function-logs';

function versionPlace(accountId: string, name: string, version: number): string {
  return `${accountId}:${name}:${version}`;
}

function logPlace(accountId: string, name: string, requestId: string): string {
  return `${accountId}:${name}:${requestId}`;
}

export function sealCode(session: KeySession, accountId: string, name: string, version: number, bundle: Uint8Array) {
  return session.sealingKey(accountId, lambdaKeyAlias, codeScope).seal(bundle, versionPlace(accountId, name, version));
}

export function openCode(session: KeySession, accountId: string, name: string, version: number, sealed: Uint8Array) {
  return session.open(sealed, codeScope, versionPlace(accountId, name, version));
}

export function sealEnvironment(
  session: KeySession,
  accountId: string,
  name: string,
  version: number,
  variables: Record<string, string>,
): Buffer | null {
  if (Object.keys(variables).length === 0) return null;
  return session
    .sealingKey(accountId, lambdaKeyAlias, environmentScope)
    .seal(Buffer.from(JSON.stringify(variables), 'utf8'), versionPlace(accountId, name, version));
}

export function openEnvironment(session: KeySession, row: FunctionVersionRow): Record<string, string> {
  if (!row.sealedEnvironment) return {};
  const plain = session.open(
    row.sealedEnvironment,
    environmentScope,
    versionPlace(row.accountId, row.functionName, row.version),
  );
  return JSON.parse(plain.toString('utf8')) as Record<string, string>;
}

export function sealLog(session: KeySession, accountId: string, name: string, requestId: string, text: string) {
  return session
    .sealingKey(accountId, lambdaKeyAlias, logScope)
    .seal(Buffer.from(text, 'utf8'), logPlace(accountId, name, requestId));
}

export function openLog(session: KeySession, accountId: string, name: string, requestId: string, sealed: Uint8Array) {
  return session.open(sealed, logScope, logPlace(accountId, name, requestId)).toString('utf8');
}

/** Function code, environments and logs as sealed data, for re-encryption and for reports of what a key deletion shreds. */
export function sealedFunctionDataSource(region: string): SealedDataSource {
  return {
    name: 'lambda-functions',
    async scan(tx, cursor, limit) {
      // Cursor: `v:<account>:<name>:<version>` while walking versions, then `l:<id>` while walking logs.
      const records: SealedRecord[] = [];
      if (cursor === undefined || cursor.startsWith('v:')) {
        const [, accountId, name, version] = (cursor ?? '').split(':');
        const after = cursor ? { accountId: accountId!, name: name!, version: Number(version) } : undefined;
        const versions = await tx.functions.scanVersions(after, limit);
        for (const row of versions) {
          const place = versionPlace(row.accountId, row.functionName, row.version);
          const resource = functionArn(region, row.accountId, row.functionName, row.version);
          const code = await tx.functions.getCode(row.accountId, row.functionName, row.version);
          if (code) {
            records.push({
              sealed: code,
              scope: codeScope,
              place,
              resource,
              recordId: `${place}:code`,
              replace: (writeTx, sealed) =>
                writeTx.functions.replaceVersionSeals(row.accountId, row.functionName, row.version, { code: sealed }),
            });
          }
          if (row.sealedEnvironment) {
            records.push({
              sealed: row.sealedEnvironment,
              scope: environmentScope,
              place,
              resource,
              recordId: `${place}:environment`,
              replace: (writeTx, sealed) =>
                writeTx.functions.replaceVersionSeals(row.accountId, row.functionName, row.version, {
                  environment: sealed,
                }),
            });
          }
        }
        const last = versions[versions.length - 1];
        if (versions.length === limit && last) {
          return { records, next: `v:${last.accountId}:${last.functionName}:${last.version}` };
        }
        return { records, next: 'l:0' };
      }
      const logs = await tx.functions.scanLogs(Number(cursor.slice(2)), limit);
      for (const row of logs) {
        records.push({
          sealed: row.sealedText,
          scope: logScope,
          place: logPlace(row.accountId, row.functionName, row.requestId),
          resource: functionArn(region, row.accountId, row.functionName, row.version),
          recordId: row.requestId,
          replace: (writeTx, sealed) => writeTx.functions.replaceLogText(row.id, sealed),
        });
      }
      const last = logs[logs.length - 1];
      return { records, next: logs.length === limit && last ? `l:${last.id}` : undefined };
    },
  };
}
