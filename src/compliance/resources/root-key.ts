import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isInside } from '../../crypto/index.ts';
import { type ResourceProvider, singletonArn } from '../resource.ts';

function modeText(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** The device a path lives on, or of its nearest existing parent (a key file may be missing). */
function deviceOf(path: string): number | null {
  for (let current = path; ; current = dirname(current)) {
    try {
      return statSync(current).dev;
    } catch {
      if (dirname(current) === current) return null;
    }
  }
}

/**
 * Where the root key (the key-encrypting key of everything) is kept, PCI DSS 3.6.1: apart from the data it
 * protects — not in the data directory, not on the same filesystem (one stolen disk or backup would hold
 * both), not readable by anyone but its owner — and the data directory closed to other users.
 */
export const rootKeyProvider: ResourceProvider = {
  type: 'root-key',
  description: 'The root key: provider, key file location and permissions; the data directory permissions',
  async list(context) {
    const { keyProvider, keyFile, dataDir } = context.environment;
    let dataDirMode: number | null = null;
    try {
      dataDirMode = statSync(dataDir).mode;
    } catch {}
    const data: Record<string, unknown> = {
      provider: keyProvider,
      keyFile: null,
      isKeyFileOnDisk: false,
      isInsideDataDir: false,
      isOnDataFilesystem: false,
      keyFileMode: null,
      isReadableByOthers: false,
      dataDirMode: dataDirMode === null ? null : modeText(dataDirMode),
      isDataDirOpenToOthers: dataDirMode !== null && (dataDirMode & 0o077) !== 0,
    };
    if (keyProvider === 'local' && keyFile) {
      let mode: number | null = null;
      try {
        mode = statSync(keyFile).mode;
      } catch {}
      Object.assign(data, {
        keyFile,
        isKeyFileOnDisk: mode !== null,
        isInsideDataDir: isInside(dataDir, keyFile),
        isOnDataFilesystem: deviceOf(keyFile) !== null && deviceOf(keyFile) === deviceOf(dataDir),
        keyFileMode: mode === null ? null : modeText(mode),
        isReadableByOthers: mode !== null && (mode & 0o077) !== 0,
      });
    }
    return [{ id: singletonArn(context, 'root-key'), type: 'root-key', name: 'root-key', data }];
  },
};
