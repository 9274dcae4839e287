import { invalidParameter, isPciqError, PciqError } from '../core/index.ts';
import type { FunctionRow, FunctionVersionRow, WriteTx } from '../storage/index.ts';
import { refuseCardData } from './card-data-check.ts';
import { type CodeFile, packCode, unpackCode } from './code-bundle.ts';
import type { FunctionsContext } from './context.ts';
import { checkEnvironment, parseEnvironment } from './environment.ts';
import { queueAddressOf } from './mapping-admin.ts';
import { checkFunctionName, checkRoleArn, functionArn, handlerFileCandidates, parseHandler } from './names.ts';
import { openCode, openEnvironment, sealCode, sealEnvironment } from './sealing.ts';
import {
  checkDescription,
  checkMemoryMb,
  checkTimeoutSec,
  checkVisibilityCoversTimeout,
  functionLimits,
} from './settings.ts';
import { type FunctionView, functionViewOf } from './views.ts';

export interface DeployInput {
  name: string;
  code: readonly CodeFile[];
  handler: string;
  roleArn: string;
  timeoutSec?: number | undefined;
  memoryMb?: number | undefined;
  /** `NAME=VALUE` items. */
  environment?: readonly string[] | undefined;
  description?: string | undefined;
}

/** What is not given stays as the current version has it; `environment` replaces all variables when given. */
export type UpdateInput = Partial<Omit<DeployInput, 'name'>> & { clearEnvironment?: boolean };

export interface ChangeResult {
  function: FunctionView;
  /** Environment variables flagged as secret-looking: sealed and never displayed, but better not kept there. */
  warnings: string[];
}

function notFound(name: string): PciqError {
  return new PciqError('ResourceNotFoundException', `Function not found: ${name}. Deploy it first.`);
}

function warningsOf(flagged: ReadonlyArray<{ name: string; reason: string }>): string[] {
  return flagged.map(
    ({ name, reason }) =>
      `environment variable ${name} looks like a secret (${reason}): it is sealed and never displayed, but a secret is better fetched at run time or granted to the function's role`,
  );
}

/**
 * Deploys, updates, lists and deletes functions. Every deploy and update makes a new immutable version
 * (code sealed, environment sealed) and makes it current; each change is recorded in the audit trail in
 * the same transaction.
 */
export class FunctionAdmin {
  private readonly context: FunctionsContext;

  constructor(context: FunctionsContext) {
    this.context = context;
  }

  async deploy(accountId: string, input: DeployInput): Promise<ChangeResult> {
    const name = checkFunctionName(input.name);
    // A name is in every ARN, log, metric and listing of the function, in clear: no place for a card number.
    refuseCardData('The function name', name);
    const settings = this.checkSettings(accountId, input);
    const bundle = packCode(input.code);
    checkHandlerFile(input.handler, bundle.files);
    const { variables, flagged } = parseEnvironment(input.environment ?? []);
    await this.checkRoleAssumable(settings.roleArn, name);
    const view = await this.context.store.write(async (tx) => {
      if (await tx.functions.getFunction(accountId, name)) {
        throw new PciqError(
          'ResourceConflictException',
          `Function already exists: ${name}. Use update to deploy a new version.`,
        );
      }
      const now = this.context.clock.now();
      const row: FunctionRow = {
        accountId,
        name,
        currentVersion: 1,
        nextVersion: 2,
        createdAtMs: now,
        updatedAtMs: now,
      };
      await tx.functions.insertFunction(row);
      const version = await this.insertVersion(tx, row, 1, {
        ...settings,
        code: bundle.bytes,
        codeSha256: bundle.sha256,
        variables,
        secretEnvNames: flagged.map((item) => item.name),
      });
      await this.record(tx, 'lambda:CreateFunction', version);
      return functionViewOf(this.context.region, row, version);
    });
    return { function: view, warnings: warningsOf(flagged) };
  }

  async update(accountId: string, name: string, input: UpdateInput): Promise<ChangeResult> {
    if (input.timeoutSec !== undefined)
      await this.checkMappedQueues(accountId, name, checkTimeoutSec(input.timeoutSec));
    if (input.roleArn !== undefined) {
      checkRoleArn(input.roleArn, accountId);
      await this.checkRoleAssumable(input.roleArn, name);
    }
    const bundle = input.code ? packCode(input.code) : undefined;
    const parsed = input.environment ? parseEnvironment(input.environment) : undefined;
    const result = await this.context.store.write(async (tx) => {
      const row = await tx.functions.getFunction(accountId, name);
      if (!row) throw notFound(name);
      const current = (await tx.functions.getVersion(accountId, name, row.currentVersion))!;
      const settings = this.checkSettings(accountId, {
        handler: input.handler ?? current.handler,
        roleArn: input.roleArn ?? current.roleArn,
        timeoutSec: input.timeoutSec ?? current.timeoutSec,
        memoryMb: input.memoryMb ?? current.memoryMb,
        description: input.description ?? current.description,
      });
      const session = await this.context.sealer.session(tx);
      // Sealed code and environment are bound to their version: what is kept is opened and sealed again.
      let code = bundle?.bytes;
      if (!code) {
        const sealed = (await tx.functions.getCode(accountId, name, current.version))!;
        code = openCode(session, accountId, name, current.version, sealed);
      }
      checkHandlerFile(settings.handler, bundle?.files ?? unpackCode(code).map((file) => file.path));
      const environment = input.clearEnvironment
        ? { variables: {}, flagged: [] }
        : (parsed ?? keptEnvironment(openEnvironment(session, current), current.secretEnvNames));
      const number = row.nextVersion;
      const updated: FunctionRow = {
        ...row,
        currentVersion: number,
        nextVersion: number + 1,
        updatedAtMs: this.context.clock.now(),
      };
      await tx.functions.updateFunction(updated);
      const version = await this.insertVersion(tx, updated, number, {
        ...settings,
        code,
        codeSha256: bundle?.sha256 ?? current.codeSha256,
        variables: environment.variables,
        secretEnvNames: environment.flagged.map((item) => item.name),
      });
      await this.record(tx, 'lambda:UpdateFunction', version, {
        previousVersion: current.version,
        codeChanged: bundle !== undefined && bundle.sha256 !== current.codeSha256,
      });
      return { view: functionViewOf(this.context.region, updated, version), flagged: parsed?.flagged ?? [] };
    });
    return { function: result.view, warnings: warningsOf(result.flagged) };
  }

  async get(accountId: string, name: string, version?: number): Promise<FunctionView> {
    return this.context.store.read(async (tx) => {
      const row = await tx.functions.getFunction(accountId, name);
      if (!row) throw notFound(name);
      const found = await tx.functions.getVersion(accountId, name, version ?? row.currentVersion);
      if (!found) throw new PciqError('ResourceNotFoundException', `Function ${name} has no version ${version}.`);
      return functionViewOf(this.context.region, row, found);
    });
  }

  async list(accountId: string): Promise<FunctionView[]> {
    return this.context.store.read(async (tx) => {
      const views: FunctionView[] = [];
      for (const row of await tx.functions.listFunctions(accountId)) {
        const current = await tx.functions.getVersion(accountId, row.name, row.currentVersion);
        if (current) views.push(functionViewOf(this.context.region, row, current));
      }
      return views;
    });
  }

  async versions(accountId: string, name: string): Promise<FunctionView[]> {
    return this.context.store.read(async (tx) => {
      const row = await tx.functions.getFunction(accountId, name);
      if (!row) throw notFound(name);
      return (await tx.functions.listVersions(accountId, name)).map((version) =>
        functionViewOf(this.context.region, row, version),
      );
    });
  }

  /** Deletes the function with all its versions and mappings, or only one version that is not the current one. */
  async delete(accountId: string, name: string, version?: number): Promise<void> {
    await this.context.store.write(async (tx) => {
      const row = await tx.functions.getFunction(accountId, name);
      if (!row) throw notFound(name);
      const arn = functionArn(this.context.region, accountId, name, version);
      if (version === undefined) {
        const mappings = await tx.functions.listMappings(accountId, name);
        await tx.functions.deleteFunction(accountId, name);
        await this.context.audit.record(tx, {
          type: 'lambda:DeleteFunction',
          outcome: 'success',
          resource: arn,
          details: { mappingsDeleted: mappings.length },
        });
        return;
      }
      if (version === row.currentVersion) {
        throw new PciqError(
          'ResourceConflictException',
          `Version ${version} is the current version of ${name}; deploy another version first, or delete the function.`,
        );
      }
      if (!(await tx.functions.deleteVersion(accountId, name, version))) {
        throw new PciqError('ResourceNotFoundException', `Function ${name} has no version ${version}.`);
      }
      await this.context.audit.record(tx, {
        type: 'lambda:DeleteFunction',
        outcome: 'success',
        resource: arn,
        details: { version },
      });
    });
  }

  /**
   * Lambda refuses a role it cannot assume when a function is created or its role changed ("The role defined
   * for the function cannot be assumed by Lambda"): accepted, it would only fail later, in every poll of the
   * function's mappings. Assuming it is the check, as Lambda's.
   */
  private async checkRoleAssumable(roleArn: string, functionName: string): Promise<void> {
    try {
      await this.context.roleSessions.sessionFor(roleArn, functionName, 0);
    } catch (error) {
      if (isPciqError(error) && error.code === 'AccessDenied') throw invalidParameter(error.message);
      throw error;
    }
  }

  /**
   * A longer timeout must still fit in the visibility timeout of every queue the function is mapped to, as
   * `map` requires: a batch still running when its messages become visible again would be delivered twice.
   */
  private async checkMappedQueues(accountId: string, name: string, timeoutSec: number): Promise<void> {
    const mappings = await this.context.store.read((tx) => tx.functions.listMappings(accountId, name));
    for (const mapping of mappings) {
      let attributes: Record<string, string>;
      try {
        attributes = await this.context.queues.getQueueAttributes(queueAddressOf(accountId, mapping.queueArn), [
          'VisibilityTimeout',
        ]);
      } catch (error) {
        // A queue deleted since is no batch to deliver twice.
        if (isPciqError(error) && error.code === 'QueueDoesNotExist') continue;
        throw error;
      }
      checkVisibilityCoversTimeout(Number(attributes['VisibilityTimeout']), timeoutSec, mapping.queueArn);
    }
  }

  private checkSettings(accountId: string, input: Omit<DeployInput, 'name' | 'code' | 'environment'>) {
    checkRoleArn(input.roleArn, accountId);
    parseHandler(input.handler);
    refuseCardData('The handler', input.handler);
    return {
      handler: input.handler,
      roleArn: input.roleArn,
      timeoutSec: checkTimeoutSec(input.timeoutSec ?? functionLimits.defaultTimeoutSec),
      memoryMb: checkMemoryMb(input.memoryMb ?? functionLimits.defaultMemoryMb),
      description: checkDescription(input.description ?? ''),
    };
  }

  private async insertVersion(
    tx: WriteTx,
    row: FunctionRow,
    number: number,
    input: ReturnType<FunctionAdmin['checkSettings']> & {
      code: Uint8Array;
      codeSha256: string;
      variables: Record<string, string>;
      secretEnvNames: string[];
    },
  ): Promise<FunctionVersionRow> {
    const { accountId, name } = row;
    await this.context.sealer.ensureManagedKey(tx, accountId, 'lambda');
    const session = await this.context.sealer.session(tx);
    const version: FunctionVersionRow = {
      accountId,
      functionName: name,
      version: number,
      handler: input.handler,
      roleArn: input.roleArn,
      timeoutSec: input.timeoutSec,
      memoryMb: input.memoryMb,
      description: input.description,
      secretEnvNames: input.secretEnvNames,
      sealedEnvironment: sealEnvironment(session, accountId, name, number, input.variables),
      codeSha256: input.codeSha256,
      codeSizeBytes: input.code.length,
      createdAtMs: this.context.clock.now(),
    };
    await tx.functions.insertVersion(version, sealCode(session, accountId, name, number, input.code));
    return version;
  }

  private async record(
    tx: WriteTx,
    type: string,
    version: FunctionVersionRow,
    extra: Record<string, string | number | boolean> = {},
  ): Promise<void> {
    await this.context.audit.record(tx, {
      type,
      outcome: 'success',
      resource: functionArn(this.context.region, version.accountId, version.functionName, version.version),
      details: {
        version: version.version,
        role: version.roleArn,
        handler: version.handler,
        timeoutSec: version.timeoutSec,
        memoryMb: version.memoryMb,
        codeSha256: version.codeSha256,
        // Names only: values never reach the audit trail.
        secretEnvironmentVariables: version.secretEnvNames.join(',') || null,
        ...extra,
      },
    });
  }
}

/** Variables kept from the previous version keep their flags. */
function keptEnvironment(variables: Record<string, string>, secretNames: readonly string[]) {
  checkEnvironment(variables);
  return { variables, flagged: secretNames.map((name) => ({ name, reason: 'flagged when deployed' })) };
}

/** The handler's module must be in the code, as Lambda would fail every invocation with Runtime.ImportModuleError. */
function checkHandlerFile(handler: string, files: readonly string[]): void {
  const { modulePath } = parseHandler(handler);
  const candidates = handlerFileCandidates(modulePath);
  if (!candidates.some((file) => files.includes(file))) {
    throw invalidParameter(
      `Handler ${handler} needs one of ${candidates.join(', ')} in the code, which has ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}.`,
    );
  }
}
