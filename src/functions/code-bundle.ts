import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { invalidParameter } from '../core/index.ts';

/**
 * A function's code as one blob: the files of the code directory (or the one file), gzipped, with their
 * paths relative to the code root. Lambda's limits apply: 50 MB compressed, 250 MB unpacked.
 */
export const bundleLimits = {
  maxCompressedBytes: 50 * 1024 * 1024,
  maxUnpackedBytes: 250 * 1024 * 1024,
  maxFiles: 20_000,
} as const;

const magic = Buffer.from('pciq-fn-code/1\n');
/** Version control data is no part of a function and can hold secrets; Lambda packages leave it out too. */
const skippedDirectories = new Set(['.git', '.hg', '.svn']);

export interface CodeFile {
  /** Relative, with `/` separators, never `..` or absolute. */
  path: string;
  content: Buffer;
}

export interface CodeBundle {
  bytes: Buffer;
  /** SHA-256 of `bytes`, base64, as Lambda reports CodeSha256. */
  sha256: string;
  files: string[];
  unpackedBytes: number;
}

/** Reads a code directory or a single file. Symbolic links are followed only when they stay inside the code root. */
export function readCode(path: string): CodeFile[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (error) {
    throw invalidParameter(`cannot read the code at ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (stats.isFile()) return [{ path: basename(path), content: readFileSync(path) }];
  if (!stats.isDirectory()) throw invalidParameter(`${path} is neither a file nor a directory.`);
  const root = realpathSync(path);
  const files: CodeFile[] = [];
  let total = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      const link = lstatSync(full);
      let target = full;
      if (link.isSymbolicLink()) {
        target = realpathSync(full);
        if (target !== root && !target.startsWith(root + sep)) {
          throw invalidParameter(
            `${relative(root, full)} links outside the code directory; copy the file in instead (the sandbox reads only the function's own code).`,
          );
        }
      }
      const stat = statSync(target);
      if (stat.isDirectory()) {
        // A link to a directory inside the root would only repeat files the walk reaches anyway.
        if (!link.isSymbolicLink() && !skippedDirectories.has(entry)) walk(full);
        continue;
      }
      if (!stat.isFile()) continue;
      total += stat.size;
      if (total > bundleLimits.maxUnpackedBytes || files.length >= bundleLimits.maxFiles) {
        throw invalidParameter(
          `the code is larger than ${bundleLimits.maxUnpackedBytes / 1024 / 1024} MB or ${bundleLimits.maxFiles} files unpacked.`,
        );
      }
      files.push({ path: relative(root, full).split(sep).join('/'), content: readFileSync(target) });
    }
  };
  walk(root);
  if (files.length === 0) throw invalidParameter(`${path} holds no files.`);
  return files;
}

export function packCode(files: readonly CodeFile[]): CodeBundle {
  const parts: Buffer[] = [magic];
  let unpackedBytes = 0;
  for (const file of files) {
    checkPath(file.path);
    const path = Buffer.from(file.path, 'utf8');
    const header = Buffer.alloc(8);
    header.writeUInt32BE(path.length, 0);
    header.writeUInt32BE(file.content.length, 4);
    parts.push(header, path, file.content);
    unpackedBytes += file.content.length;
  }
  const bytes = gzipSync(Buffer.concat(parts), { level: 6 });
  if (bytes.length > bundleLimits.maxCompressedBytes) {
    throw invalidParameter(
      `the code is ${Math.ceil(bytes.length / 1024 / 1024)} MB compressed; at most 50 MB are allowed.`,
    );
  }
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('base64'),
    files: files.map((file) => file.path),
    unpackedBytes,
  };
}

export function unpackCode(bytes: Uint8Array): CodeFile[] {
  const data = gunzipSync(bytes, { maxOutputLength: bundleLimits.maxUnpackedBytes + 1024 * 1024 });
  if (!data.subarray(0, magic.length).equals(magic)) throw new Error('not a pciq function code bundle');
  const files: CodeFile[] = [];
  let offset = magic.length;
  while (offset < data.length) {
    const pathLength = data.readUInt32BE(offset);
    const contentLength = data.readUInt32BE(offset + 4);
    offset += 8;
    const path = data.subarray(offset, offset + pathLength).toString('utf8');
    offset += pathLength;
    checkPath(path);
    files.push({ path, content: data.subarray(offset, offset + contentLength) });
    offset += contentLength;
  }
  return files;
}

/**
 * Writes the files under `dir` as regular files only: never a symbolic link, which Node's permission model
 * would follow out of the directory the sandbox may read.
 */
export function writeCode(dir: string, files: readonly CodeFile[]): void {
  for (const file of files) {
    checkPath(file.path);
    const target = join(dir, ...file.path.split('/'));
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, file.content, { mode: 0o400, flag: 'wx' });
  }
}

function checkPath(path: string): void {
  const parts = path.split('/');
  if (
    path.length === 0 ||
    path.length > 1024 ||
    path.includes('\\') ||
    path.includes('\0') ||
    parts.some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw invalidParameter(`the code holds a file with an unusable path: ${path.slice(0, 120)}`);
  }
}
