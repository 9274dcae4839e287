import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../core/index.ts';
import { EnvKeyProvider, type KeyProvider, RootKey, RootKeyUnavailableError } from '../crypto/index.ts';
import { refuseCardDataIn } from '../guard/index.ts';
import { KeyAdmin, type KeyDescription, type ReencryptResult, reencryptStoredData } from '../keys/index.ts';
import { CliError } from './cli-error.ts';
import { type DataDirPaths, type OpenedDataDir, openDataDir, pathsOf, refuseKeyInside } from './data-dir.ts';
import { defaultDataDir } from './defaults.ts';
import { KeyEventAudit } from './key-event-audit.ts';
import { LocalIam } from './local-iam.ts';
import { providerFor, rootKeyChoiceOf, rootKeyOptions, rootKeyUsage } from './root-key-options.ts';
import { storeOptions } from './store-option.ts';

export const keysUsage = `pciq keys COMMAND [--data-dir DIR] ${rootKeyUsage} [--json]
  create [--alias alias/NAME] [--description TEXT] [--rotation-period-days 90..2560]
  list | describe KEY | enable KEY | disable KEY
  rotate KEY                       new key material now (AWS managed keys too: PCI DSS 3.7.5)
  rotation KEY --enable [--period-days N] | --disable
  schedule-deletion KEY [--days 7..30] | cancel-deletion KEY
  reencrypt [KEY] [--retire]       re-seal stored data under the newest version; --retire then
                                   destroys the older versions (minimum decryption version)
  rewrap-root --new-key-provider local|env|aws-kms [--new-key-file FILE] [--new-key-passphrase-file FILE]
              [--new-aws-kms-key-id ID]   (env: PCIQ_NEW_MASTER_KEY) re-wraps all key material under a new root
  KEY is a key id, key ARN or alias/NAME. Works on the data directory directly, also while pciq serve runs.`;

const options = {
  'data-dir': { type: 'string', default: defaultDataDir },
  ...storeOptions,
  ...rootKeyOptions,
  json: { type: 'boolean', default: false },
  alias: { type: 'string' },
  description: { type: 'string' },
  'rotation-period-days': { type: 'string' },
  'period-days': { type: 'string' },
  enable: { type: 'boolean', default: false },
  disable: { type: 'boolean', default: false },
  days: { type: 'string' },
  retire: { type: 'boolean', default: false },
  'new-key-provider': { type: 'string' },
  'new-key-file': { type: 'string' },
  'new-key-passphrase-file': { type: 'string' },
  'new-aws-kms-key-id': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new CliError(`--${name} must be a whole number, not ${text}`);
  return Number(text);
}

function date(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** A key as `describe` shows it: with what needs it (queues configured with it or holding data under it). */
type DescribedKey = KeyDescription & { usedBy?: string[] };

function describeText(key: DescribedKey): string {
  const lines = [
    `key id            ${key.keyId}`,
    `arn               ${key.arn}`,
    `state             ${key.state}${key.deletionAtMs !== null ? ` (deletion on ${date(key.deletionAtMs)})` : ''}`,
    `manager           ${key.keyManager}`,
    `aliases           ${key.aliases.join(', ') || '-'}`,
    `description       ${key.description || '-'}`,
    `created           ${date(key.createdAtMs)}`,
    `rotation          ${key.rotationPeriodDays === null ? 'off' : `every ${key.rotationPeriodDays} days, next ${date(key.nextRotationAtMs)}`}`,
    `current version   ${key.currentVersion} (oldest decryptable: ${key.minDecryptVersion})`,
    ...(key.usedBy ? [`used by           ${key.usedBy.join(', ') || '-'}`] : []),
    'versions',
  ];
  for (const version of key.versions) {
    lines.push(
      `  ${String(version.version).padStart(3)}  ${version.rotationType.padEnd(9)}  ${date(version.createdAtMs)}  ${version.isDestroyed ? 'destroyed' : `${version.invocations} uses`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function listText(keys: KeyDescription[]): string {
  return (
    keys
      .map(
        (key) =>
          `${key.keyId}  ${key.state.padEnd(15)}  ${key.keyManager.padEnd(8)}  ${key.aliases.join(',') || '-'}  ${key.description}`,
      )
      .join('\n') + (keys.length > 0 ? '\n' : '')
  );
}

function newRootProvider(values: Values): KeyProvider {
  const kind = values['new-key-provider'];
  if (kind === undefined) throw new CliError('rewrap-root needs --new-key-provider local|env|aws-kms');
  if (kind === 'env') return new EnvKeyProvider({ variable: 'PCIQ_NEW_MASTER_KEY' });
  if (kind === 'local' && values['new-key-file'] === undefined)
    throw new CliError('rewrap-root to a local key needs --new-key-file');
  return providerFor(
    rootKeyChoiceOf(
      {
        'key-provider': kind,
        'key-file': values['new-key-file'] ?? '',
        'key-passphrase-file': values['new-key-passphrase-file'],
        'aws-kms-key-id': values['new-aws-kms-key-id'],
      },
      // The new root's secrets never come from the current root's variables.
      {},
    ),
    undefined,
  );
}

async function run(
  paths: DataDirPaths,
  opened: OpenedDataDir,
  command: string,
  keyRef: string | undefined,
  values: Values,
): Promise<unknown> {
  const admin = new KeyAdmin(opened.keys);
  const account = opened.accountId;
  const key = () => {
    if (keyRef === undefined) throw new CliError(`pciq keys ${command} needs a KEY (key id, key ARN or alias/NAME)`);
    return keyRef;
  };
  /** Management operations take a key id or ARN, as in AWS KMS; the CLI resolves aliases first. */
  const keyId = async () => (await admin.resolve(account, key())).keyId;
  switch (command) {
    case 'create': {
      // A key's description and alias are kept and listed as written: no card data (PCI DSS 3.3.1, 3.4).
      if (values.description !== undefined)
        refuseCardDataIn('ValidationException', '--description', values.description);
      if (values.alias !== undefined) refuseCardDataIn('ValidationException', '--alias', values.alias);
      const period = integer('rotation-period-days', values['rotation-period-days']);
      return admin.createKey(account, {
        ...(values.description !== undefined ? { description: values.description } : {}),
        ...(values.alias !== undefined ? { alias: values.alias } : {}),
        ...(period !== undefined ? { rotationPeriodDays: period } : {}),
      });
    }
    case 'list':
      return admin.listKeys(account);
    case 'describe': {
      // Usage counts say nothing of the data a key still seals: an old version may seal messages yet.
      const described = await admin.describeKey(account, key());
      const users = await opened.keys.usersOf({ keyId: described.keyId, arn: described.arn, accountId: account });
      return { ...described, usedBy: users.map((user) => user.resource) };
    }
    case 'enable':
      return admin.enableKey(account, await keyId());
    case 'disable':
      return admin.disableKey(account, await keyId());
    case 'rotate':
      return admin.rotateKey(account, await keyId(), true);
    case 'rotation': {
      if (values.enable === values.disable) throw new CliError('pciq keys rotation needs either --enable or --disable');
      const period = integer('period-days', values['period-days']);
      return values.enable
        ? admin.enableKeyRotation(account, await keyId(), ...(period !== undefined ? [period] : []))
        : admin.disableKeyRotation(account, await keyId());
    }
    case 'schedule-deletion':
      return admin.scheduleKeyDeletion(account, await keyId(), integer('days', values.days) ?? 30);
    case 'cancel-deletion':
      return admin.cancelKeyDeletion(account, await keyId());
    case 'reencrypt': {
      const targets = keyRef === undefined ? await admin.listKeys(account) : [await admin.resolve(account, keyRef)];
      return reencryptStoredData(opened.keys, new Set(targets.map((target) => target.keyId)), {
        retire: values.retire,
      });
    }
    case 'rewrap-root': {
      const provider = newRootProvider(values);
      refuseKeyInside({ dataDir: paths.dataDir, keyFile: resolve(values['new-key-file'] ?? '') }, provider);
      let made: Awaited<ReturnType<KeyProvider['create']>>;
      try {
        made = await provider.create();
      } catch (error) {
        if (error instanceof RootKeyUnavailableError) throw new CliError(error.message);
        throw error;
      }
      const root = new RootKey(made.root);
      made.root.fill(0);
      const rewrapped = await opened.keys.rewrapRoot(root, made.record);
      return { rewrapped, keyProvider: provider.kind, root: provider.description };
    }
    default:
      throw new CliError(`unknown keys command '${command}'; run \`pciq help\` for the commands`);
  }
}

function text(command: string, result: unknown): string {
  if (command === 'list') return listText(result as KeyDescription[]);
  if (command === 'reencrypt') {
    const r = result as ReencryptResult;
    const retired = Object.entries(r.retired).map(
      ([arn, versions]) => `retired ${arn} versions ${versions.join(', ') || '(none)'}\n`,
    );
    const skipped = Object.entries(r.skipped).map(
      ([arn, state]) => `skipped ${arn}: ${state}, it opens nothing; enable it to re-encrypt what it seals\n`,
    );
    return `re-encrypted ${r.reencrypted} records; ${r.unreadable} unreadable (reported)\n${retired.join('')}${skipped.join('')}`;
  }
  if (command === 'rewrap-root') {
    const r = result as { rewrapped: number; root: string };
    return `re-wrapped ${r.rewrapped} keys under the new root (${r.root}); start pciq with the new root key, then retire the old one\n`;
  }
  return describeText(result as DescribedKey);
}

export async function keysCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  const [command, keyRef, ...extra] = positionals;
  if (command === undefined) throw new CliError('pciq keys needs a command; run `pciq help` for the commands');
  if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]}`);
  const paths = pathsOf(values['data-dir'], values['key-file'], values.store);
  // Every key event the command causes is recorded in the audit trail as the OS user who ran it, and sealed
  // with a signed checkpoint before the command ends (PCI DSS 3.7, 10.2.1.2, 10.2.1.7).
  const keyAudit = new KeyEventAudit((line) => process.stderr.write(line));
  const opened = await openDataDir(paths, { rootKey: rootKeyChoiceOf(values), clock: systemClock, events: keyAudit });
  try {
    const local = await LocalIam.open({
      store: opened.store,
      keys: opened.keys,
      accountId: opened.accountId,
      archiveDir: paths.auditArchive,
    });
    keyAudit.attach(local.trail);
    try {
      const result = await run(paths, opened, command, keyRef, values);
      process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : text(command, result));
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Key service refusals are the operator's to fix: one line, the KMS error name and its message.
      if (error instanceof Error && typeof code === 'string' && /^[A-Z]/.test(code))
        throw new CliError(`${code}: ${error.message}`);
      throw error;
    } finally {
      await opened.keys.flushUsage().catch(() => undefined);
      await keyAudit.settled();
      await local.seal();
    }
  } finally {
    await opened.store.close();
  }
}
