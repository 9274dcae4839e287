import { redactCardData } from '../core/index.ts';
import { alertsCommand, alertsUsage } from './alerts-command.ts';
import { auditCommand, auditUsage } from './audit-command.ts';
import { complianceCommand, complianceUsage } from './compliance-command.ts';
import { CliError } from './data-dir.ts';
import { doctorCommand, doctorUsage } from './doctor-command.ts';
import { functionsCommand, functionsUsage } from './functions-command.ts';
import { iamCommand, iamUsage } from './iam-command.ts';
import { incidentCommand, incidentUsage } from './incident-command.ts';
import { initCommand, initUsage } from './init-command.ts';
import { keysCommand, keysUsage } from './keys-command.ts';
import { migrateCommand, migrateUsage } from './migrate-command.ts';
import { reportCommand, reportUsage } from './report-command.ts';
import { serveCommand, serveUsage } from './serve-command.ts';
import { signInCommand, signInUsage } from './sign-in-command.ts';
import { storeUsage } from './store-option.ts';
import { tokensCommand, tokensUsage } from './tokens-command.ts';

const usage = `pciq: PCI DSS-ready queues with an SQS-compatible API

Usage:
${initUsage}

${serveUsage}

${keysUsage}
${iamUsage}

${signInUsage}

${auditUsage}

${alertsUsage}

${functionsUsage}
${migrateUsage}

${doctorUsage}

${tokensUsage}

${storeUsage}

${complianceUsage}

${reportUsage}

${incidentUsage}

pciq help   shows this text`;

/** Each command: what runs it, and what `pciq COMMAND --help` shows (its part of the usage). */
const commands: Record<string, { run: (argv: string[]) => Promise<void>; usage: string }> = {
  init: { run: initCommand, usage: initUsage },
  serve: { run: serveCommand, usage: serveUsage },
  keys: { run: keysCommand, usage: keysUsage },
  iam: { run: iamCommand, usage: iamUsage },
  'sign-in': { run: signInCommand, usage: signInUsage },
  audit: { run: auditCommand, usage: auditUsage },
  alerts: { run: alertsCommand, usage: alertsUsage },
  functions: { run: functionsCommand, usage: functionsUsage },
  migrate: { run: migrateCommand, usage: migrateUsage },
  doctor: { run: doctorCommand, usage: doctorUsage },
  tokens: { run: tokensCommand, usage: tokensUsage },
  compliance: { run: complianceCommand, usage: complianceUsage },
  report: { run: reportCommand, usage: reportUsage },
  incident: { run: incidentCommand, usage: incidentUsage },
};

/** Runs one command; failures are one line on stderr and a non-zero exit, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    // What was typed may be anything pasted into the wrong place: redacted as the refusals below are.
    process.stderr.write(`pciq: unknown command '${redactCardData(name)}'; run \`pciq help\` for the commands\n`);
    process.exitCode = 2;
    return;
  }
  // `pciq tokens --help`, `pciq tokens detokenize -h`: what people type first; each parser would refuse it.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return;
  }
  try {
    await command.run(rest);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Refusals quote what was typed, and a card number or a CVV phrase pasted into the wrong place must not
    // reach a terminal or a CI log: they are redacted as API errors are (pciq's own errors, PciqError, are
    // redacted so when they are made).
    if (error instanceof CliError) {
      process.stderr.write(`pciq ${name}: ${redactCardData(error.message)}\n`);
      process.exitCode = 1;
    } else if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // Node's tip on positionals that start with '-' misleads more than it helps: a mistyped option is the usual case.
      // Some of its messages span lines ("argument is ambiguous"); a CLI failure is one line.
      const message = (error as Error).message
        .replace(/\. To specify a positional argument.*$/s, '')
        .replace(/\s*\n\s*/g, ' ')
        .replace(/\.$/, '');
      process.stderr.write(`pciq ${name}: ${redactCardData(message)}; run \`pciq help\` for the options\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `pciq ${name}: unexpected failure: ${redactCardData((error as Error)?.message ?? String(error))}\n`,
      );
      process.exitCode = 1;
    }
  }
}
