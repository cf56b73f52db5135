import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { StoreError } from '../core/errors.js';
import { Compaction } from './compaction.js';
import { DirLock } from './dir-lock.js';
import { LiveState } from './live-state.js';
import type { LogFile } from './log-file.js';
import { recover, type FileStoreRecovery } from './recover.js';
import { ioError } from './store-files.js';
import { Writer } from './writer.js';

/** How {@link openLog} opens a log directory. */
export interface OpenLogOptions {
  /** The directory, as the user gave it (shown in errors; created if missing). */
  readonly dir: string;
  /** Refuse to open a log damaged before its end (otherwise damaged lines are skipped and counted). */
  readonly refuseCorruption: boolean;
  /** Compact once the log is this many times the live state, and at least `compactMinBytes`. */
  readonly compactFactor: number;
  readonly compactMinBytes: number;
  /** Sync after every append (`true`) or every `intervalMs`. */
  readonly always: boolean;
  readonly intervalMs: number;
  /** Runs with the directory locked, before recovery (the hub's file store loads its secret there). */
  readonly whileLocked?: (absoluteDir: string) => Promise<void>;
}

/** A log directory opened by {@link openLog}: its live state as recovered, and the parts that keep it. */
export interface OpenedLog {
  readonly recovery: FileStoreRecovery;
  readonly state: LiveState;
  readonly log: LogFile;
  readonly compaction: Compaction;
  readonly writer: Writer;
  /** Writes what is queued, then releases the directory. */
  close(): Promise<void>;
}

/**
 * Opens the crash-safe log in `dir` (the hub's `fileStore` and a link's `filePersister` both keep
 * one): creates the directory, takes its lock, recovers the live state from snapshot and log, and
 * starts the writer and compaction. On any failure the lock is released again.
 *
 * @throws rejects with {@link StoreError} when the directory cannot be created, is held by a live
 *   process, cannot be read, holds an unsupported format, or is damaged and `refuseCorruption` is set.
 * @example
 * const opened = await openLog({ dir: './data', refuseCorruption: false, compactFactor: 4, compactMinBytes: 1 << 20, always: false, intervalMs: 1000 });
 */
export async function openLog(options: OpenLogOptions): Promise<OpenedLog> {
  const { dir } = options;
  const absolute = path.resolve(dir);
  try {
    await fsp.mkdir(absolute, { recursive: true });
  } catch (error) {
    throw ioError(`cannot create ${dir}`, error);
  }
  const lock = await DirLock.acquire(absolute, dir);
  try {
    await options.whileLocked?.(absolute);
    const state = new LiveState();
    const { recovery, log } = await recover({ dir: absolute, shown: dir, state, refuseCorruption: options.refuseCorruption });
    const compaction = new Compaction({ dir: absolute, state, log, factor: options.compactFactor, minBytes: options.compactMinBytes });
    const writer = new Writer({ shown: dir, log, compaction, always: options.always, intervalMs: options.intervalMs });
    const close = async () => {
      try {
        await writer.close();
      } finally {
        await lock.release();
      }
    };
    return { recovery, state, log, compaction, writer, close };
  } catch (error) {
    await lock.release();
    throw error instanceof StoreError ? error : ioError(`cannot open ${dir}`, error);
  }
}
