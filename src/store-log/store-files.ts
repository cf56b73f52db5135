import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StoreError } from '../core/errors.js';

/**
 * The names of the files in a store directory: the on-disk layout, shared by the writer, recovery,
 * compaction, the lock and the secret. Changing one breaks every directory written before.
 */
export const STORE_FILES = {
  snapshot: 'snapshot.jsonl',
  snapshotTmp: 'snapshot.jsonl.tmp',
  log: 'log.jsonl',
  /** The log a compaction set aside; removed once the snapshot that covers it is durable. */
  oldLog: 'log.old.jsonl',
  lock: 'LOCK',
  /** The hub's resume-token secret (mode 0600), made at first open. */
  secret: 'secret',
  secretTmp: 'secret.tmp',
} as const;

/**
 * Reads a whole file, or `undefined` when it does not exist.
 * @param file path of the file.
 * @throws rejects with {@link StoreError} when the file exists but cannot be read.
 */
export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(`cannot read ${file}`, error);
  }
}

/**
 * Writes all of `data` at the handle's position (a single `write` may write less).
 * @param fh an open file.
 * @param data the bytes.
 */
export async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await fh.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/**
 * Makes a rename or a new file in `dir` durable (a no-op where directories cannot be synced, e.g. Windows).
 * @param dir the directory.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** What {@link writeFileAtomically} writes, and where. */
export interface AtomicWrite {
  /** The directory (absolute). */
  readonly dir: string;
  /** The file's name in `dir`. */
  readonly name: string;
  /** The temporary file's name in `dir`. */
  readonly tmp: string;
  /** The content, written in order (an iterable, so that a large file is made a chunk at a time). */
  readonly chunks: Iterable<Buffer>;
  /** Create the temporary file exclusively (it must not exist) with this mode, e.g. `0o600` for a secret. */
  readonly exclusiveMode?: number;
}

/**
 * Writes a file atomically: a temporary file, synced, renamed over the target, the directory
 * synced — so that a crash leaves either the old file or the new one, never part of one.
 * @param write the directory, names and content.
 */
export async function writeFileAtomically(write: AtomicWrite): Promise<void> {
  const tmp = path.join(write.dir, write.tmp);
  const out = write.exclusiveMode === undefined ? await fsp.open(tmp, 'w') : await fsp.open(tmp, 'wx', write.exclusiveMode);
  try {
    for (const chunk of write.chunks) await writeAll(out, chunk);
    await out.sync();
  } finally {
    await out.close();
  }
  await fsp.rename(tmp, path.join(write.dir, write.name));
  await syncDir(write.dir);
}

/**
 * A {@link StoreError} for a failed file operation, naming what was attempted and the errno code.
 * @param message what failed.
 * @param error the cause.
 */
export function ioError(message: string, error: unknown): StoreError {
  const cause = error as NodeJS.ErrnoException;
  return new StoreError(`${message}: ${cause?.message ?? String(error)}`, cause?.code ? { cause: cause.code } : {});
}
