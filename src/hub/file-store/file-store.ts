import { ClosedError, ValidationError } from '../../core/errors.js';
import type { Store, StoreRecord } from '../store.js';
import type { Compaction } from '../../store-log/compaction.js';
import type { LiveState } from '../../store-log/live-state.js';
import type { LogFile } from '../../store-log/log-file.js';
import { encodeLine, encodeRecord } from '../../store-log/log-format.js';
import { checkFileStoreOptions, type FileStoreOptions } from './options.js';
import type { FileStoreRecovery } from '../../store-log/recover.js';
import { openLog, type OpenedLog } from '../../store-log/open-log.js';
import { loadSecret } from './secret-file.js';
import type { Writer } from '../../store-log/writer.js';

export type { FileStoreOptions, FsyncPolicy } from './options.js';
export type { FileStoreRecovery } from '../../store-log/recover.js';

/** Counters of a file store. */
export interface FileStoreStats {
  /** Bytes in the log file (including records the next compaction drops). */
  readonly logBytes: number;
  /** Bytes the live state takes as records (what a snapshot holds). */
  readonly liveBytes: number;
  /** Vars held, tombstones included. */
  readonly records: number;
  /** Records appended since open. */
  readonly writes: number;
  /** `fdatasync` calls on the log since open. */
  readonly syncs: number;
  /** Compactions since open. */
  readonly compactions: number;
}

/** A {@link Store} kept in a directory: an append-only log plus a snapshot. */
export interface FileStore extends Store {
  /** The directory (as given). */
  readonly dir: string;
  /** What opening found. */
  readonly recovery: FileStoreRecovery;
  /**
   * Records an accepted write: at once in memory (`get`, `rev`), then on disk. Resolves once the
   * record is durable under the fsync policy; rejects with {@link StoreError} if the disk failed.
   * @throws {@link ValidationError} for a malformed record, a revision not above `rev`, or a value
   *   JSON cannot hold; {@link ClosedError} after `close`; the {@link StoreError} of an earlier failure.
   */
  put(record: StoreRecord): Promise<void>;
  /** Counters. */
  stats(): FileStoreStats;
  /** Writes a snapshot of the live state now and empties the log. */
  compact(): Promise<void>;
  /** Writes and syncs everything put so far (useful with an interval policy). */
  sync(): Promise<void>;
}

/**
 * Opens (or creates) a durable store in `dir`: every accepted write is appended to `log.jsonl`,
 * one JSON record per line behind a CRC32 (`<8 hex digits> <json>`); when the log grows past
 * `compactFactor` × the live state it is compacted into `snapshot.jsonl` (written to a temporary
 * file, synced, renamed, directory synced; then the log is emptied). Opening recovers the state
 * from the snapshot plus the log: a torn or damaged end of the log (a crash mid-write) is
 * dropped and never stops start-up; damage elsewhere is handled by `onCorruption`. The epoch is
 * kept in the snapshot, so a restart on the same data is the same history and revisions continue.
 * Tombstones are kept. A `LOCK` file (holding the pid) keeps a second process out. A `secret` file
 * (mode 0600) keeps the key of the hub's resume tokens, so that clients keep their instance ids
 * across a restart.
 *
 * @param dir directory of the store (created if missing).
 * @param options fsync policy, compaction threshold, corruption policy.
 * @returns the store, once recovered.
 * @throws rejects with {@link ValidationError} for bad options, {@link StoreError} when the
 *   directory is held by a live process, cannot be read or written, holds an unsupported format,
 *   or is damaged and `onCorruption` is `'refuse'`.
 * @example
 * const store = await fileStore('./data', { fsync: 'always' });
 * const hub = await startHub({ port: 7070, store });
 */
export async function fileStore(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
  const settings = checkFileStoreOptions(dir, options);
  let secret = '';
  const opened = await openLog({
    dir,
    refuseCorruption: settings.refuseCorruption,
    compactFactor: settings.compactFactor,
    compactMinBytes: settings.compactMinBytes,
    always: settings.always,
    intervalMs: settings.intervalMs,
    whileLocked: async (absolute) => {
      secret = await loadSecret(absolute);
    },
  });
  return new DiskStore({ dir, secret, opened });
}

/** The parts of an opened {@link DiskStore}. */
interface DiskStoreParts {
  readonly dir: string;
  readonly secret: string;
  readonly opened: OpenedLog;
}

/** The {@link FileStore}: checks and encodes each put, keeps it in memory, hands the line to the writer. */
class DiskStore implements FileStore {
  readonly dir: string;
  readonly secret: string;
  readonly recovery: FileStoreRecovery;
  private readonly state: LiveState;
  private readonly log: LogFile;
  private readonly compaction: Compaction;
  private readonly writer: Writer;
  private readonly opened: OpenedLog;
  private closing: Promise<void> | undefined;

  constructor({ dir, secret, opened }: DiskStoreParts) {
    this.dir = dir;
    this.secret = secret;
    this.opened = opened;
    ({ recovery: this.recovery, state: this.state, log: this.log, compaction: this.compaction, writer: this.writer } = opened);
  }

  get epoch(): string {
    return this.state.epoch;
  }

  get rev(): number {
    return this.state.rev;
  }

  get(fqn: string): StoreRecord | undefined {
    return this.state.get(fqn);
  }

  records(): Iterable<StoreRecord> {
    return this.state.records();
  }

  put(record: StoreRecord): Promise<void> {
    if (this.closing) throw new ClosedError('the file store is closed');
    if (this.writer.failure) throw this.writer.failure;
    checkRecord(record);
    if (record.rev <= this.state.rev) {
      throw new ValidationError(`store put: revision ${record.rev} must be above the store's ${this.state.rev}`, {
        fqn: record.fqn,
        rev: record.rev,
      });
    }
    let line: Buffer;
    try {
      line = encodeLine(encodeRecord(record));
    } catch (error) {
      throw new ValidationError(`store put: ${record.fqn}: value cannot be stored as JSON (${(error as Error)?.message ?? error})`, {
        fqn: record.fqn,
      });
    }
    this.state.set(
      {
        fqn: record.fqn,
        value: record.deleted ? undefined : record.value,
        stamp: record.stamp,
        from: record.from,
        rev: record.rev,
        deleted: record.deleted,
      },
      line.length,
    );
    return this.writer.append(line);
  }

  close(): Promise<void> {
    return (this.closing ??= this.opened.close());
  }

  stats(): FileStoreStats {
    return {
      logBytes: this.log.bytes,
      liveBytes: this.state.bytes,
      records: this.state.size,
      writes: this.writer.writes,
      syncs: this.log.syncs,
      compactions: this.compaction.count,
    };
  }

  compact(): Promise<void> {
    if (this.closing) return Promise.reject(new ClosedError('the file store is closed'));
    return this.writer.compact();
  }

  sync(): Promise<void> {
    if (this.closing) return Promise.reject(new ClosedError('the file store is closed'));
    return this.writer.sync();
  }
}

function checkRecord(record: StoreRecord): void {
  if (record === null || typeof record !== 'object') throw new ValidationError('store put: record must be an object');
  const { fqn, stamp, from, rev, deleted } = record;
  if (typeof fqn !== 'string' || fqn === '') throw new ValidationError('store put: fqn must be a non-empty string');
  if (typeof stamp !== 'string' || typeof from !== 'string')
    throw new ValidationError(`store put: ${fqn}: stamp and from must be strings`, { fqn });
  if (!Number.isSafeInteger(rev) || rev < 1) throw new ValidationError(`store put: ${fqn}: rev must be a positive integer`, { fqn });
  if (typeof deleted !== 'boolean') throw new ValidationError(`store put: ${fqn}: deleted must be a boolean`, { fqn });
}
