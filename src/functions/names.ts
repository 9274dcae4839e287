import { invalidParameter } from '../core/index.ts';

/** Lambda's rule for function names: 1 to 64 letters, digits, hyphens and underscores. */
const functionNamePattern = /^[A-Za-z0-9_-]{1,64}$/;
/** IAM role ARNs: `arn:aws:iam::ACCOUNT:role/PATH/NAME`, with IAM's name characters. */
const roleArnPattern = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
/** Lambda's Node.js runtime: `path/module.export[.nested]`, module and export each non-empty. */
const handlerPattern = /^(?:[A-Za-z0-9_@.-]+\/)*[A-Za-z0-9_@-]+\.[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

export function checkFunctionName(name: string): string {
  if (!functionNamePattern.test(name)) {
    throw invalidParameter(
      `Function name '${name.slice(0, 80)}' is invalid: use 1 to 64 letters, digits, hyphens or underscores.`,
    );
  }
  return name;
}

export interface RoleReference {
  accountId: string;
  roleName: string;
}

/** A role ARN of the function's own account: Lambda runs a function only as a role of its account. */
export function checkRoleArn(roleArn: string, accountId: string): RoleReference {
  const match = roleArnPattern.exec(roleArn);
  if (!match) {
    throw invalidParameter(
      `Role '${roleArn.slice(0, 200)}' is not an IAM role ARN: expected arn:aws:iam::ACCOUNT:role/NAME.`,
    );
  }
  if (match[1] !== accountId) {
    throw invalidParameter(`Role ${roleArn} belongs to another account; use a role of account ${accountId}.`);
  }
  return { accountId: match[1], roleName: match[2]! };
}

export interface HandlerReference {
  /** Module path without extension, relative to the code root, e.g. `src/app`. */
  modulePath: string;
  /** Property path of the handler in the module's exports, e.g. `['handler']`. */
  exportPath: string[];
}

/**
 * Splits `src/app.handler` as Lambda's Node.js runtime does: the module is everything up to the first dot
 * of the last path segment, the rest names the export (nested with further dots).
 */
export function parseHandler(handler: string): HandlerReference {
  if (!handlerPattern.test(handler) || handler.split('/').some((part) => part === '..' || part === '.')) {
    throw invalidParameter(
      `Handler '${handler.slice(0, 128)}' is invalid: use FILE.EXPORT, e.g. index.handler or src/app.handler.`,
    );
  }
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  return { modulePath: handler.slice(0, dot), exportPath: handler.slice(dot + 1).split('.') };
}

/** File names the runtime tries for a handler module, in Lambda's order. */
export function handlerFileCandidates(modulePath: string): string[] {
  return [`${modulePath}.js`, `${modulePath}.mjs`, `${modulePath}.cjs`];
}

export function functionArn(region: string, accountId: string, name: string, version?: number): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}${version === undefined ? '' : `:${version}`}`;
}
