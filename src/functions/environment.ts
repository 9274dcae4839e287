import { invalidParameter } from '../core/index.ts';
import { refuseCardData } from './card-data-check.ts';

/** Lambda: names start with a letter, then letters, digits and underscores; all variables together ≤ 4 KB. */
const namePattern = /^[A-Za-z][A-Za-z0-9_]*$/;
const maxTotalBytes = 4096;

/**
 * Names the runtime sets itself (Lambda reserves the same AWS_* and LAMBDA_* ones), and names that would
 * change how the sandboxed process starts: LD_* and OPENSSL_CONF load native code before Node's permission
 * model is in force, NODE_OPTIONS could grant permissions back, NODE_TLS_REJECT_UNAUTHORIZED turns TLS
 * verification off. They are refused rather than silently dropped.
 */
const reservedNames = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CA_BUNDLE',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'GLIBC_TUNABLES',
]);
const reservedPrefixes = ['AWS_ENDPOINT_URL', 'LD_', 'NODE_', 'OPENSSL_', 'PCIQ_'];
/** NODE_ENV changes nothing about how Node starts; applications commonly need it. */
const allowedNodeNames = new Set(['NODE_ENV']);

/** Formats of credentials that must never sit in a function's configuration: refused outright. */
const knownKeyPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b[rs]k_live_[A-Za-z0-9]{16,}/, 'a Stripe live secret key'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\bhooks\.slack\.com\/services\/[A-Za-z0-9/]+/, 'a Slack webhook URL'],
];
/** An AWS secret access key is 40 base64 characters; only its name tells it from other such strings. */
const awsSecretValue = /^[A-Za-z0-9/+]{40}$/;
const awsSecretName = /SECRET.*KEY|SECRET_ACCESS/i;

/** Names that say "secret": such values are flagged, sealed like every value, and never displayed. */
const secretNamePattern = /SECRET|PASSW|PASSPHRASE|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|AUTH|ACCESS_?KEY|SIGNING|SALT/i;
const jwtPattern = /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const urlWithPassword = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

export interface ParsedEnvironment {
  variables: Record<string, string>;
  /** Names whose value looks like a secret, with why: the caller warns, the store remembers them. */
  flagged: Array<{ name: string; reason: string }>;
}

/** Parses `K=V` items and checks them; a value that is a known kind of credential or card number is refused. */
export function parseEnvironment(items: readonly string[]): ParsedEnvironment {
  const variables: Record<string, string> = {};
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) throw invalidParameter(`--env ${safeName(item)}: expected NAME=VALUE.`);
    const name = item.slice(0, equals);
    if (name in variables) throw invalidParameter(`--env ${safeName(name)} is given twice.`);
    variables[name] = item.slice(equals + 1);
  }
  return checkEnvironment(variables);
}

export function checkEnvironment(variables: Record<string, string>): ParsedEnvironment {
  const flagged: ParsedEnvironment['flagged'] = [];
  let totalBytes = 0;
  for (const [name, value] of Object.entries(variables)) {
    if (!namePattern.test(name)) {
      throw invalidParameter(
        `Environment variable name '${safeName(name)}' is invalid: start with a letter, then letters, digits or underscores.`,
      );
    }
    // Names are kept with the version and flagged ones shown by `get`: refused without being quoted.
    refuseCardData('An environment variable name', name);
    if (isReserved(name)) {
      throw invalidParameter(
        `Environment variable ${name} is reserved: the runtime sets it, or it changes how the sandbox starts.`,
      );
    }
    // The value is never quoted back: it may be exactly the secret this check exists for.
    const known = knownCredential(name, value);
    if (known) {
      throw invalidParameter(
        `Environment variable ${name} holds what looks like ${known}: credentials must not be stored in a function's configuration. Grant the function's role the access instead, or fetch the secret at run time.`,
      );
    }
    // Sealing does not make them storable: a card number is not needed there, SAD never kept (PCI DSS 3.3.1).
    refuseCardData(`Environment variable ${name}`, value);
    const reason = secretReason(name, value);
    if (reason) flagged.push({ name, reason });
    totalBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (totalBytes > maxTotalBytes) {
    throw invalidParameter(`Environment variables take ${totalBytes} bytes; at most ${maxTotalBytes} are allowed.`);
  }
  return { variables, flagged };
}

function safeName(text: string): string {
  const name = text.split('=')[0] ?? '';
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

function isReserved(name: string): boolean {
  const upper = name.toUpperCase();
  if (reservedNames.has(upper)) return true;
  if (allowedNodeNames.has(upper)) return false;
  return reservedPrefixes.some((prefix) => upper.startsWith(prefix));
}

function knownCredential(name: string, value: string): string | undefined {
  for (const [pattern, what] of knownKeyPatterns) if (pattern.test(value)) return what;
  if (awsSecretName.test(name) && awsSecretValue.test(value)) return 'an AWS secret access key';
  return undefined;
}

function secretReason(name: string, value: string): string | undefined {
  if (value === '') return undefined;
  if (secretNamePattern.test(name)) return 'its name says it is a secret';
  if (jwtPattern.test(value)) return 'its value is a JSON Web Token';
  if (urlWithPassword.test(value)) return 'its value is a URL with a password';
  if (looksRandom(value)) return 'its value looks like a random key';
  return undefined;
}

/** Long strings mixing character classes with high per-character entropy: keys, tokens, passwords. */
function looksRandom(value: string): boolean {
  // Paths and URLs mix character classes too; a URL carrying a password is caught by its own rule.
  if (value.length < 24 || /\s/.test(value) || value.startsWith('/') || value.includes('://')) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value)).length;
  if (classes < 3) return false;
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bitsPerChar -= p * Math.log2(p);
  }
  return bitsPerChar >= 4;
}
