import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CodeFile, writeCode } from '../code-bundle.ts';

const prefix = 'pciq-functions-';

/**
 * A server that was killed (SIGKILL, power loss) could not remove its directory: the next one removes the
 * directories of processes that no longer run, so unpacked code does not outlive the server that used it.
 */
function removeLeftovers(parent: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(/^pciq-functions-(\d+)-/.exec(entry)?.[1]);
    if (!pid || isRunning(pid)) continue;
    try {
      rmSync(join(parent, entry), { recursive: true, force: true });
    } catch {}
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Unpacked code of the function versions this process runs, one directory per version under a private
 * directory (mode 0700, removed on stop): Node's permission model lets each sandbox read its own version's
 * directory and nothing next to it. Code is stored sealed; it is unpacked only here, for the runtime to load.
 */
export class CodeCache {
  readonly root: string;
  private readonly owner: { uid: number; gid: number } | undefined;
  private readonly dirs = new Map<string, Promise<string>>();

  constructor(options: { parentDir?: string; owner?: { uid: number; gid: number } | undefined } = {}) {
    const parent = options.parentDir ?? tmpdir();
    removeLeftovers(parent);
    this.root = mkdtempSync(join(parent, `${prefix}${process.pid}-`));
    this.owner = options.owner;
    // Another user's sandbox must reach its own directory inside, but not list what else is there.
    if (this.owner) chmodSync(this.root, 0o711);
  }

  /** A copy of a public file (the CA bundle) the sandboxes may read, outside the data directory they may not. */
  share(file: string, name: string): string {
    const copy = join(this.root, name);
    copyFileSync(file, copy);
    chmodSync(copy, 0o444);
    return copy;
  }

  /** The directory holding the version's code, unpacked on first use. */
  dirFor(key: string, load: () => Promise<CodeFile[]>): Promise<string> {
    let dir = this.dirs.get(key);
    if (!dir) {
      dir = this.unpack(key, load);
      this.dirs.set(key, dir);
      dir.catch(() => this.dirs.delete(key));
    }
    return dir;
  }

  private async unpack(key: string, load: () => Promise<CodeFile[]>): Promise<string> {
    const files = await load();
    const dir = join(this.root, createHash('sha256').update(key).digest('hex').slice(0, 24));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
    writeCode(dir, files);
    if (this.owner) this.giveTo(dir, this.owner);
    return dir;
  }

  private giveTo(dir: string, owner: { uid: number; gid: number }): void {
    chownSync(dir, owner.uid, owner.gid);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) this.giveTo(path, owner);
      else chownSync(path, owner.uid, owner.gid);
    }
  }

  /** Removes the directories of versions no longer in use. */
  async retain(keys: ReadonlySet<string>): Promise<void> {
    for (const [key, dir] of this.dirs) {
      if (keys.has(key)) continue;
      this.dirs.delete(key);
      const path = await dir.catch(() => undefined);
      if (path) rmSync(path, { recursive: true, force: true });
    }
  }

  dispose(): void {
    this.dirs.clear();
    rmSync(this.root, { recursive: true, force: true });
  }
}
