import { ValidationError } from '../../core/errors.js';

/**
 * When a file store forces its log to disk.
 * - `'always'`: every write is on disk (`fdatasync`) before `put` resolves, so before the hub
 *   acks it. Writes that arrive while a sync runs share the next one (group commit).
 * - `{ intervalMs }`: `put` resolves once the record is handed to the OS (it survives the process
 *   being killed); the log is synced every `intervalMs`, so an OS crash or power loss can lose
 *   up to that much of acknowledged writes.
 */
export type FsyncPolicy = 'always' | { readonly intervalMs: number };

/** Options of `fileStore`. */
export interface FileStoreOptions {
  /** When the log is forced to disk (default `'always'`). */
  readonly fsync?: FsyncPolicy;
  /**
   * Compact when the log holds more than this many times the bytes of the live state
   * (default 4; at least 1). Each compaction writes the live state once, so the write
   * amplification is about `1 + 1 / compactFactor`.
   */
  readonly compactFactor?: number;
  /** Never compact a log smaller than this (default 1 MiB), so a small store is not rewritten on every write. */
  readonly compactMinBytes?: number;
  /**
   * What to do with damaged records that are not the torn end of the log (a bad line followed by
   * good ones, a damaged snapshot, a log without its snapshot). `'recover'` (default): skip them,
   * keep every good record, copy the damaged files aside (`*.corrupt-<time>`) and start a new
   * epoch, so clients resync in full instead of trusting revisions. `'refuse'`: reject with
   * `StoreError` and change nothing.
   */
  readonly onCorruption?: 'recover' | 'refuse';
}

/** {@link FileStoreOptions} checked, with their defaults. */
export interface FileStoreSettings {
  readonly always: boolean;
  readonly intervalMs: number;
  readonly compactFactor: number;
  readonly compactMinBytes: number;
  readonly refuseCorruption: boolean;
}

/**
 * Checks the arguments of `fileStore` and fills in the defaults.
 * @param dir the directory argument.
 * @param options the options argument.
 * @throws {@link ValidationError} for an empty directory or a bad option.
 */
export function checkFileStoreOptions(dir: unknown, options: FileStoreOptions): FileStoreSettings {
  if (typeof dir !== 'string' || dir === '') throw new ValidationError('fileStore: dir must be a non-empty path');
  if (options === null || typeof options !== 'object') throw new ValidationError('fileStore: options must be an object');
  const fsync = options.fsync ?? 'always';
  let intervalMs = 0;
  if (fsync !== 'always') {
    const ms = typeof fsync === 'object' && fsync !== null ? fsync.intervalMs : undefined;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
      throw new ValidationError(`fileStore: fsync must be 'always' or { intervalMs: a positive number }`, {
        fsync: String(JSON.stringify(fsync)),
      });
    }
    intervalMs = ms;
  }
  const compactFactor = options.compactFactor ?? 4;
  if (typeof compactFactor !== 'number' || !Number.isFinite(compactFactor) || compactFactor < 1) {
    throw new ValidationError('fileStore: compactFactor must be a number of at least 1', { compactFactor });
  }
  const compactMinBytes = options.compactMinBytes ?? 1024 * 1024;
  if (typeof compactMinBytes !== 'number' || !Number.isFinite(compactMinBytes) || compactMinBytes < 0) {
    throw new ValidationError('fileStore: compactMinBytes must be a number of at least 0', { compactMinBytes });
  }
  const onCorruption = options.onCorruption ?? 'recover';
  if (onCorruption !== 'recover' && onCorruption !== 'refuse') {
    throw new ValidationError(`fileStore: onCorruption must be 'recover' or 'refuse'`, { onCorruption: String(onCorruption) });
  }
  return { always: fsync === 'always', intervalMs, compactFactor, compactMinBytes, refuseCorruption: onCorruption === 'refuse' };
}
