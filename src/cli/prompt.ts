import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Questions a command asks a person at the terminal (passwords, MFA codes). On a terminal, secret answers
 * are not echoed; from a pipe (scripts, tests) lines are read as they come. Answers are never logged.
 */
export class Prompter {
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string | undefined) => void> = [];
  private readonly reader: Interface;
  private readonly output = new MutableOutput();
  private ended = false;

  constructor(input: NodeJS.ReadableStream = process.stdin) {
    const isTerminal = Boolean((input as { isTTY?: boolean }).isTTY);
    this.reader = createInterface({ input, output: this.output, terminal: isTerminal });
    this.reader.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.lines.push(line);
    });
    this.reader.on('close', () => {
      this.ended = true;
      for (const next of this.waiting.splice(0)) next(undefined);
    });
  }

  /** Asks once; undefined when the input has ended. */
  async ask(question: string, options: { secret?: boolean } = {}): Promise<string | undefined> {
    process.stderr.write(question);
    this.output.muted = options.secret === true;
    const answer = await new Promise<string | undefined>((resolve) => {
      const line = this.lines.shift();
      if (line !== undefined) resolve(line);
      else if (this.ended) resolve(undefined);
      else this.waiting.push(resolve);
    });
    this.output.muted = false;
    if (options.secret) process.stderr.write('\n');
    return answer;
  }

  close(): void {
    this.reader.close();
  }
}

/** Where readline echoes typed characters: muted while a secret is typed. */
class MutableOutput extends Writable {
  muted = false;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (!this.muted) process.stderr.write(chunk);
    callback();
  }
}
