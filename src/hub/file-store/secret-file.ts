import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MIN_SECRET_LENGTH, newSecret } from '../resume-token.js';
import { readIfExists, STORE_FILES, writeFileAtomically } from '../../store-log/store-files.js';

/**
 * The hub's resume-token secret kept in a store directory (`secret`, mode 0600), so that clients
 * keep their instance ids across a restart: read, or made at first open (also when the file is
 * too short to be one) and written atomically.
 * @param dir the store directory (absolute).
 * @returns the secret.
 * @throws rejects with a `StoreError` or the file system's error when it cannot be read or written.
 */
export async function loadSecret(dir: string): Promise<string> {
  const held = (await readIfExists(path.join(dir, STORE_FILES.secret)))?.toString('utf8').trim();
  if (held !== undefined && held.length >= MIN_SECRET_LENGTH) return held;
  const secret = newSecret();
  await fsp.rm(path.join(dir, STORE_FILES.secretTmp), { force: true });
  await writeFileAtomically({
    dir,
    name: STORE_FILES.secret,
    tmp: STORE_FILES.secretTmp,
    chunks: [Buffer.from(`${secret}\n`)],
    exclusiveMode: 0o600,
  });
  return secret;
}
