import { parseArgs } from 'node:util';
import { AuditService, defaultRules, publicKeyPem } from '../audit/index.ts';
import { isPciqError } from '../core/index.ts';
import { AuditSession, dataDirOptions } from './audit-session.ts';
import { CliError } from './data-dir.ts';

export const proveUsage = `pciq audit prove --record SEQ [--checkpoint SEQ]
pciq audit prove --from-checkpoint SEQ --to-checkpoint SEQ
  Prints, as JSON, an RFC 9162 inclusion proof of a record in a signed checkpoint, or a consistency
  proof between two checkpoints, with the signed checkpoints themselves.`;

export const publicKeyUsage = `pciq audit public-key
  Prints the checkpoint signing key (PEM) and its fingerprint, which verifiers pin (--key-id).`;

export const rulesUsage = `pciq audit rules
  Prints the default review rules as JSON: the starting point for "rules" in --audit-config.`;

function seqOf(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new CliError(`--${name} must be a record or checkpoint number`);
  return Number(value);
}

export async function auditProveCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...dataDirOptions,
      record: { type: 'string' },
      checkpoint: { type: 'string' },
      'from-checkpoint': { type: 'string' },
      'to-checkpoint': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const record = seqOf('record', values.record);
  const from = seqOf('from-checkpoint', values['from-checkpoint']);
  const to = seqOf('to-checkpoint', values['to-checkpoint']);
  if ((record === undefined) === (from === undefined || to === undefined)) {
    throw new CliError('give --record SEQ, or --from-checkpoint SEQ and --to-checkpoint SEQ');
  }
  const session = await AuditSession.open(values);
  try {
    const service = new AuditService(session.trail);
    let evidence: object;
    try {
      evidence =
        record !== undefined
          ? await service.proveInclusion(record, seqOf('checkpoint', values.checkpoint))
          : await service.proveConsistency(from!, to!);
    } catch (error) {
      if (isPciqError(error)) throw new CliError(error.message);
      throw error;
    }
    await session.recordAccess('audit:ProveTrail', 'success', {
      record: record ?? null,
      fromCheckpoint: from ?? null,
      toCheckpoint: to ?? null,
    });
    process.stdout.write(`${JSON.stringify(evidence, null, 2)}\n`);
  } finally {
    await session.close();
  }
}

export async function auditPublicKeyCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: dataDirOptions, strict: true, allowPositionals: false });
  const session = await AuditSession.open(values);
  try {
    const key = session.trail.signingKey;
    process.stdout.write(`${publicKeyPem(key.publicKey)}fingerprint (SHA-256 of the public key) ${key.keyId}\n`);
  } finally {
    await session.close();
  }
}

export async function auditRulesCommand(argv: string[]): Promise<void> {
  parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false });
  process.stdout.write(`${JSON.stringify(defaultRules, null, 2)}\n`);
}
