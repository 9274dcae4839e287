/** A problem the operator must fix; the CLI prints the message as one line and exits non-zero. */
export class CliError extends Error {}
