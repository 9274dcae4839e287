import { archiveUsage, auditArchiveCommand } from './audit-archive-command.ts';
import { auditExportCommand, exportUsage } from './audit-export-command.ts';
import {
  auditProveCommand,
  auditPublicKeyCommand,
  auditRulesCommand,
  proveUsage,
  publicKeyUsage,
  rulesUsage,
} from './audit-proof-commands.ts';
import { auditSearchCommand, searchUsage } from './audit-search-command.ts';
import { auditVerifyCommand, verifyUsage } from './audit-verify-command.ts';
import { CliError } from './data-dir.ts';

export const auditUsage = [verifyUsage, exportUsage, searchUsage, proveUsage, publicKeyUsage, rulesUsage, archiveUsage]
  .join('\n\n')
  .concat('\n  Commands that open a data directory take --data-dir DIR --key-file FILE [--audit-config FILE].');

const subcommands: Record<string, (argv: string[]) => Promise<void>> = {
  verify: auditVerifyCommand,
  export: auditExportCommand,
  search: auditSearchCommand,
  prove: auditProveCommand,
  'public-key': auditPublicKeyCommand,
  rules: auditRulesCommand,
  archive: auditArchiveCommand,
};

/** `pciq audit <command>`: the audit trail, read and checked directly from the data directory. */
export async function auditCommand(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : subcommands[name];
  if (!command) {
    throw new CliError(
      `unknown audit command '${String(name ?? '')}'; one of ${Object.keys(subcommands).join(', ')} (run \`pciq help\`)`,
    );
  }
  await command(rest);
}
