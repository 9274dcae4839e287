import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kmsService } from '../api/kms/service.ts';
import { sqsService } from '../api/sqs/service.ts';
import { isPciqError, parseQueueArn, queueArn, systemClock } from '../core/index.ts';
import { refuseCardDataIn } from '../guard/index.ts';
import type { IamService, LoginOwner } from '../iam/index.ts';
import { type AccessReview, reviewAccess, reviewCsv } from '../iam/review.ts';
import { keyArn } from '../keys/index.ts';
import { CliError } from './cli-error.ts';
import { openDataDir, pathsOf } from './data-dir.ts';
import { defaultDataDir } from './defaults.ts';
import { LocalIam } from './local-iam.ts';
import { enrolMfaAtTerminal } from './mfa-enrolment.ts';
import { Prompter } from './prompt.ts';
import { rootKeyChoiceOf, rootKeyOptions, rootKeyUsage } from './root-key-options.ts';
import { storeOptions } from './store-option.ts';

export const iamUsage = `pciq iam COMMAND [--data-dir DIR] ${rootKeyUsage} [--json]
  users | create-user NAME [--path /P/] | delete-user NAME
  groups | create-group NAME | delete-group NAME | add-to-group GROUP USER | remove-from-group GROUP USER
  roles | create-role NAME --trust-policy JSON|@FILE [--max-session-duration SEC] | delete-role NAME
  policies | create-policy NAME --document JSON|@FILE | delete-policy ARN
  attach-policy (--user|--group|--role) NAME POLICY_ARN | detach-policy (--user|--group|--role) NAME POLICY_ARN
  put-policy (--user|--group|--role) NAME POLICY_NAME --document JSON|@FILE | delete-policy-of (--user|--group|--role) NAME POLICY_NAME
  create-access-key USER | access-keys USER | deactivate-access-key USER KEY_ID | delete-access-key USER KEY_ID
  set-password (USER|--root) [--password-file FILE]   a password the person must change at first use (--root, or
                                                       --own: chosen by the person at this terminal)
  unlock (USER|--root)                                 lifts a lockout after the person's identity is confirmed
  enable-mfa (USER|--root)                             shows a QR code, asks for two codes, prints recovery codes;
             [--serial-number SN --code1 C --code2 C]  or finishes an enrolment started elsewhere
  simulate --principal ARN --action A [--action B…] [--resource R…] [--context KEY=VALUE…] [--resource-policy JSON|@FILE]
                                                       may the principal do it, and which statement decided
  review [--format table|json|csv]                     PCI DSS 7.2.4: who can act on each queue and key, and
                                                       unused or old credentials, people without MFA, wildcards
  Works on the store directly (the data directory's, or --store), also while pciq serve runs; every change is
  audited.`;

const options = {
  'data-dir': { type: 'string', default: defaultDataDir },
  ...rootKeyOptions,
  ...storeOptions,
  json: { type: 'boolean', default: false },
  path: { type: 'string' },
  'trust-policy': { type: 'string' },
  'max-session-duration': { type: 'string' },
  document: { type: 'string' },
  user: { type: 'string' },
  group: { type: 'string' },
  role: { type: 'string' },
  root: { type: 'boolean', default: false },
  own: { type: 'boolean', default: false },
  'password-file': { type: 'string' },
  'serial-number': { type: 'string' },
  code1: { type: 'string' },
  code2: { type: 'string' },
  principal: { type: 'string' },
  action: { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  context: { type: 'string', multiple: true },
  'resource-policy': { type: 'string' },
  format: { type: 'string', default: 'table' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** A JSON document given inline or as `@FILE`. */
function documentOf(name: string, value: string | undefined): string {
  if (value === undefined) throw new CliError(`--${name} is required: a JSON document, or @FILE to read one`);
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  if (!existsSync(file)) throw new CliError(`--${name}: cannot read ${file}`);
  return readFileSync(file, 'utf8');
}

/** The commands that write names, paths and policy documents, which IAM keeps and shows as written. */
const writesIdentities = new Set(['create-user', 'create-group', 'create-role', 'create-policy', 'put-policy']);

/**
 * Refuses card data in what a writing command would store, with the codes the IAM API answers for it
 * (PCI DSS 3.3.1, 3.4): names and the path as given, policy documents as read.
 */
function refuseCardDataInWrites(
  command: string,
  positionals: readonly string[],
  values: Values,
  document: WrittenDocument,
): void {
  if (!writesIdentities.has(command)) return;
  for (const name of positionals) refuseCardDataIn('ValidationError', 'The NAME', name);
  if (values.path !== undefined) refuseCardDataIn('ValidationError', '--path', values.path);
  for (const option of writtenDocuments) {
    if (values[option] !== undefined) refuseCardDataIn('MalformedPolicyDocument', `--${option}`, document(option));
  }
}

const writtenDocuments = ['trust-policy', 'document'] as const;
type WrittenDocument = (option: (typeof writtenDocuments)[number]) => string;

/**
 * The policy documents a command stores, each read once (an `@FILE` too): the text screened for card data
 * is the text stored, even if the file changes meanwhile.
 */
function documentsOnce(values: Values): WrittenDocument {
  const read = new Map<string, string>();
  return (option) => {
    let document = read.get(option);
    if (document === undefined) {
      document = documentOf(option, values[option]);
      read.set(option, document);
    }
    return document;
  };
}

function entityOf(values: Values): { kind: 'user' | 'group' | 'role'; entityName: string } {
  const given = (['user', 'group', 'role'] as const).filter((kind) => values[kind] !== undefined);
  if (given.length !== 1) throw new CliError('name exactly one of --user NAME, --group NAME or --role NAME');
  return { kind: given[0]!, entityName: values[given[0]!]! };
}

function ownerOf(values: Values, name: string | undefined): LoginOwner {
  if (values.root) return 'root';
  if (name === undefined) throw new CliError('name the USER, or --root');
  return { userName: name };
}

function arg(positionals: string[], index: number, what: string): string {
  const value = positionals[index];
  if (value === undefined) throw new CliError(`missing ${what}`);
  return value;
}

function date(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

async function readPassword(values: Values, prompter: () => Prompter): Promise<string> {
  if (values['password-file'] !== undefined) {
    try {
      return readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new CliError(`cannot read the password file ${values['password-file']}`);
    }
  }
  const first = await prompter().ask('Password: ', { secret: true });
  const second = await prompter().ask('Password again: ', { secret: true });
  if (first === undefined || second === undefined)
    throw new CliError('no password given (--password-file FILE, or type it)');
  if (first !== second) throw new CliError('the two passwords differ');
  return first;
}

function contextOf(pairs: readonly string[] | undefined): Record<string, string | boolean | number> {
  const context: Record<string, string | boolean | number> = {};
  for (const pair of pairs ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0)
      throw new CliError(`--context takes KEY=VALUE, e.g. aws:MultiFactorAuthPresent=true, not '${pair}'`);
    const value = pair.slice(equals + 1);
    context[pair.slice(0, equals)] = value === 'true' ? true : value === 'false' ? false : value;
  }
  return context;
}

/**
 * `pciq iam simulate`: the decision a request would get. Without --resource-policy, a queue of this account
 * is simulated with its own `Policy` attribute, as requests on it are decided (IAM's SimulatePrincipalPolicy
 * leaves that to the caller).
 */
async function simulate(iam: IamService, accountId: string, principal: string, values: Values) {
  const given = values['resource-policy'];
  const request = { policySourceArn: principal, actionNames: values.action ?? [], context: contextOf(values.context) };
  if (given !== undefined || !values.resource?.length) {
    return iam.simulate(accountId, {
      ...request,
      ...(values.resource?.length ? { resourceArns: values.resource } : {}),
      ...(given !== undefined ? { resourcePolicy: documentOf('resource-policy', given) } : {}),
    });
  }
  const results = [];
  for (const resource of values.resource) {
    const queue = parseQueueArn(resource);
    const policy =
      queue && queue.accountId === accountId && queue.name !== '*'
        ? (await iam.context.store.read((tx) => tx.getQueueByName(accountId, queue.name)))?.attributes['Policy']
        : undefined;
    results.push(
      ...(await iam.simulate(accountId, {
        ...request,
        resourceArns: [resource],
        ...(policy ? { resourcePolicy: policy } : {}),
      })),
    );
  }
  return results;
}

async function review(iam: IamService, accountId: string, region: string): Promise<AccessReview> {
  const sqsActions = [...sqsService.actions.keys()].map((name) => `sqs:${name}`);
  // The IAM actions KMS requests are authorized as (ReEncrypt: kms:ReEncryptFrom and kms:ReEncryptTo).
  const kmsActions = [...kmsService.actions.values()].flatMap((action) =>
    [action.permission ?? action.name, ...(action.furtherPermissions ?? [])].map((name) => `kms:${name}`),
  );
  return iam.context.store.read(async (tx) => {
    const queues = await tx.listQueues(accountId, '', '', 100_000);
    const keys = (await tx.keys.listKeys()).filter((key) => key.accountId === accountId && key.state !== 'Deleted');
    return reviewAccess(tx, {
      accountId,
      nowMs: systemClock.now(),
      passwordPolicy: iam.context.passwordPolicy,
      resources: [
        ...queues.map((queue) => {
          const policy = queue.attributes['Policy'];
          return {
            resource: queueArn(region, queue),
            actions: sqsActions,
            ...(policy ? { resourcePolicy: policy } : {}),
          };
        }),
        ...keys.map((key) => ({ resource: keyArn(region, accountId, key.keyId), actions: kmsActions })),
      ],
    });
  });
}

function reviewText(result: AccessReview): string {
  const access = table([
    ['RESOURCE', 'PRINCIPAL', 'ACTIONS', 'THROUGH'],
    ...result.grants.map((grant) => [
      grant.resource,
      grant.principal,
      grant.actions.length > 4 ? `${grant.actions.length} actions` : grant.actions.join(','),
      `${grant.via.join(' ')}${grant.isConditional ? ' (conditional)' : ''}`,
    ]),
  ]);
  const findings = table([
    ['FINDING', 'SUBJECT', 'DETAIL'],
    ...result.findings.map((finding) => [finding.kind, finding.subject, finding.detail]),
  ]);
  return `Access review of account ${result.accountId} at ${result.generatedAt} (PCI DSS 7.2.4)\n\n${access}\n${findings}`;
}

async function run(
  local: LocalIam,
  accountId: string,
  region: string,
  command: string,
  positionals: string[],
  values: Values,
) {
  const { iam } = local;
  let prompter: Prompter | undefined;
  const ask = () => {
    prompter ??= new Prompter();
    return prompter;
  };
  try {
    const document = documentsOnce(values);
    refuseCardDataInWrites(command, positionals, values, document);
    switch (command) {
      case 'users':
        return iam.listUsers(accountId);
      case 'create-user':
        return iam.createUser(accountId, {
          userName: arg(positionals, 0, 'NAME'),
          ...(values.path !== undefined ? { path: values.path } : {}),
        });
      case 'delete-user':
        await iam.deleteUser(accountId, arg(positionals, 0, 'NAME'));
        return { deleted: positionals[0] };
      case 'groups':
        return iam.listGroups(accountId);
      case 'create-group':
        return iam.createGroup(accountId, { groupName: arg(positionals, 0, 'NAME') });
      case 'delete-group':
        await iam.deleteGroup(accountId, arg(positionals, 0, 'NAME'));
        return { deleted: positionals[0] };
      case 'add-to-group':
      case 'remove-from-group': {
        const input = { groupName: arg(positionals, 0, 'GROUP'), userName: arg(positionals, 1, 'USER') };
        if (command === 'add-to-group') await iam.addUserToGroup(accountId, input);
        else await iam.removeUserFromGroup(accountId, input);
        return input;
      }
      case 'roles':
        return iam.listRoles(accountId);
      case 'create-role': {
        const duration = values['max-session-duration'];
        return iam.createRole(accountId, {
          roleName: arg(positionals, 0, 'NAME'),
          assumeRolePolicyDocument: document('trust-policy'),
          ...(values.path !== undefined ? { path: values.path } : {}),
          ...(duration !== undefined ? { maxSessionDurationSec: Number(duration) } : {}),
        });
      }
      case 'delete-role':
        await iam.deleteRole(accountId, arg(positionals, 0, 'NAME'));
        return { deleted: positionals[0] };
      case 'policies':
        return iam.listPolicies(accountId);
      case 'create-policy':
        return iam.createPolicy(accountId, {
          policyName: arg(positionals, 0, 'NAME'),
          policyDocument: document('document'),
          ...(values.path !== undefined ? { path: values.path } : {}),
        });
      case 'delete-policy':
        await iam.deletePolicy(accountId, arg(positionals, 0, 'ARN'));
        return { deleted: positionals[0] };
      case 'attach-policy':
      case 'detach-policy': {
        const input = { ...entityOf(values), policyArn: arg(positionals, 0, 'POLICY_ARN') };
        if (command === 'attach-policy') await iam.attachPolicy(accountId, input);
        else await iam.detachPolicy(accountId, input);
        return input;
      }
      case 'put-policy':
        await iam.putInlinePolicy(accountId, {
          ...entityOf(values),
          policyName: arg(positionals, 0, 'POLICY_NAME'),
          policyDocument: document('document'),
        });
        return { ...entityOf(values), policyName: positionals[0] };
      case 'delete-policy-of':
        await iam.deleteInlinePolicy(accountId, {
          ...entityOf(values),
          policyName: arg(positionals, 0, 'POLICY_NAME'),
        });
        return { ...entityOf(values), deleted: positionals[0] };
      case 'create-access-key':
        return iam.createAccessKey(accountId, arg(positionals, 0, 'USER'));
      case 'access-keys':
        return iam.listAccessKeys(accountId, arg(positionals, 0, 'USER'));
      case 'deactivate-access-key':
        await iam.updateAccessKey(accountId, {
          userName: arg(positionals, 0, 'USER'),
          accessKeyId: arg(positionals, 1, 'KEY_ID'),
          status: 'Inactive',
        });
        return { accessKeyId: positionals[1], status: 'Inactive' };
      case 'delete-access-key':
        await iam.deleteAccessKey(accountId, {
          userName: arg(positionals, 0, 'USER'),
          accessKeyId: arg(positionals, 1, 'KEY_ID'),
        });
        return { deleted: positionals[1] };
      case 'set-password': {
        const owner = ownerOf(values, positionals[0]);
        const password = await readPassword(values, ask);
        // The root's password, and one typed by the person themselves, need no change at first use.
        const chosenByOwner = owner === 'root' || values.own;
        try {
          const profile = await iam.createLoginProfile(accountId, { owner, password, chosenByOwner });
          return { principalArn: profile.principalArn, mustChangePassword: profile.passwordResetRequired };
        } catch (error) {
          if (!isPciqError(error) || error.code !== 'EntityAlreadyExists') throw error;
          await iam.updateLoginProfile(accountId, { owner, password });
          return { owner, mustChangePassword: true };
        }
      }
      case 'unlock': {
        const owner = ownerOf(values, positionals[0]);
        await iam.unlockLogin(accountId, owner);
        return { unlocked: owner === 'root' ? 'root' : owner.userName };
      }
      case 'enable-mfa': {
        const owner = ownerOf(values, positionals[0]);
        if (values['serial-number'] !== undefined) {
          if (values.code1 === undefined || values.code2 === undefined) {
            throw new CliError('--serial-number needs --code1 and --code2: two consecutive codes from the app');
          }
          const { recoveryCodes } = await iam.enableMfaDevice(accountId, {
            owner,
            serialNumber: values['serial-number'],
            code1: values.code1,
            code2: values.code2,
            withRecoveryCodes: true,
          });
          return { serialNumber: values['serial-number'], recoveryCodes };
        }
        return enrolMfaAtTerminal(iam, accountId, owner, ask(), (text) => process.stdout.write(text));
      }
      case 'simulate': {
        if (values.principal === undefined || !values.action?.length) {
          throw new CliError('simulate needs --principal ARN and at least one --action');
        }
        if (positionals.length) {
          throw new CliError(
            `simulate takes no arguments besides its options, not '${positionals[0]}': give each action its own --action and each resource its own --resource`,
          );
        }
        return simulate(iam, accountId, values.principal, values);
      }
      case 'review':
        return review(iam, accountId, region);
      default:
        throw new CliError(`unknown iam command '${command}'; run \`pciq help\` for the commands`);
    }
  } finally {
    prompter?.close();
  }
}

function text(command: string, result: unknown, values: Values): string {
  if (command === 'review') {
    const reviewed = result as AccessReview;
    if (values.format === 'csv') return reviewCsv(reviewed);
    return reviewText(reviewed);
  }
  if (command === 'simulate') {
    return table([
      ['ACTION', 'RESOURCE', 'DECISION', 'DECIDED BY'],
      ...(result as Awaited<ReturnType<IamService['simulate']>>).map((entry) => [
        entry.action,
        entry.resource,
        entry.decision,
        entry.matched
          .map((match) => `${match.effect} ${match.policyId}#${match.statement} (${match.layer})`)
          .join('; ') || entry.reason,
      ]),
    ]);
  }
  if (command === 'users') {
    return table([
      ['USER', 'ID', 'ARN', 'CREATED'],
      ...(result as Awaited<ReturnType<IamService['listUsers']>>).map((user) => [
        user.userName,
        user.userId,
        user.arn,
        date(user.createdAtMs),
      ]),
    ]);
  }
  if (command === 'access-keys') {
    return table([
      ['ACCESS KEY', 'STATUS', 'CREATED', 'LAST USED'],
      ...(result as Awaited<ReturnType<IamService['listAccessKeys']>>).map((key) => [
        key.accessKeyId,
        key.status,
        date(key.createdAtMs),
        date(key.lastUsedAtMs),
      ]),
    ]);
  }
  if (command === 'enable-mfa' && !values['serial-number']) return '';
  return `${JSON.stringify(result, null, 2)}\n`;
}

export async function iamCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  const [command, ...rest] = positionals;
  if (command === undefined) throw new CliError('pciq iam needs a COMMAND; run `pciq help` for the commands');
  if (!['table', 'json', 'csv'].includes(values.format)) throw new CliError('--format is table, json or csv');
  const paths = pathsOf(values['data-dir'], values['key-file'], values.store);
  const opened = await openDataDir(paths, { rootKey: rootKeyChoiceOf(values), clock: systemClock });
  try {
    const local = await LocalIam.open({
      store: opened.store,
      keys: opened.keys,
      accountId: opened.accountId,
      archiveDir: paths.auditArchive,
    });
    let result: unknown;
    try {
      result = await run(local, opened.accountId, opened.region, command, rest, values);
    } catch (error) {
      if (isPciqError(error)) throw new CliError(`${error.code}: ${error.message}`);
      throw error;
    } finally {
      await local.seal();
    }
    const asJson = values.json || values.format === 'json';
    process.stdout.write(asJson ? `${JSON.stringify(result, null, 2)}\n` : text(command, result, values));
  } finally {
    await opened.store.close();
  }
}
