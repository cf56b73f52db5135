import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { LogRecord as StoreRecord } from './log-record.js';
import type { LiveState } from './live-state.js';
import type { LogFile } from './log-file.js';
import { encodeHeader, encodeLine, encodeRecord } from './log-format.js';
import { STORE_FILES, syncDir, writeFileAtomically } from './store-files.js';

/** A compaction under way: the state captured when the log was set aside, and that log's handle. */
export interface Rotation {
  readonly records: readonly StoreRecord[];
  readonly rev: number;
  readonly old: FileHandle;
}

/** What {@link Compaction} works on, and when it is due. */
export interface CompactionOptions {
  /** The store directory (absolute). */
  readonly dir: string;
  readonly state: LiveState;
  readonly log: LogFile;
  /** Compact when the log holds more than this many times the bytes of the live state. */
  readonly factor: number;
  /** Never compact a log smaller than this. */
  readonly minBytes: number;
}

/**
 * Compaction of a file store: the log is set aside (`log.old.jsonl`) and a new one opened, so that
 * writes go on while a snapshot of the state captured at that moment is written; then the old log
 * is removed. A crash at any step leaves files that recovery reads back whole. The writer's loop
 * decides when to run the steps (and handles their failure).
 */
export class Compaction {
  /** Compactions finished since open. */
  count = 0;

  constructor(private readonly options: CompactionOptions) {}

  /** True when the log has grown past the threshold. */
  due(): boolean {
    const { log, state, factor, minBytes } = this.options;
    return log.bytes > minBytes && log.bytes > factor * state.bytes;
  }

  /**
   * Sets the log aside (renamed to `log.old.jsonl`) and goes on in a new one. Everything in the old
   * log is in the state captured here (records still queued are too; they also go to the new log,
   * where recovery skips them).
   * @returns what {@link Compaction.finish} needs.
   */
  async rotate(): Promise<Rotation> {
    const { dir, state, log } = this.options;
    await log.sync();
    const { records, rev } = state.capture();
    await fsp.rename(path.join(dir, STORE_FILES.log), path.join(dir, STORE_FILES.oldLog));
    const fresh = await fsp.open(path.join(dir, STORE_FILES.log), 'a');
    try {
      // The new log's name must be durable before anything written to it is acknowledged.
      await syncDir(dir);
    } catch (error) {
      await fresh.close().catch(() => {});
      throw error;
    }
    return { records, rev, old: log.replace(fresh) };
  }

  /**
   * Writes the snapshot of a rotation, then removes the log it covers (runs beside the writer).
   * @param rotation what {@link Compaction.rotate} returned.
   */
  async finish(rotation: Rotation): Promise<void> {
    const { dir, state } = this.options;
    await rotation.old.close();
    await writeSnapshot({ dir, epoch: state.epoch, records: rotation.records, rev: rotation.rev });
    await fsp.rm(path.join(dir, STORE_FILES.oldLog), { force: true });
    await syncDir(dir);
    this.count++;
  }
}

/** What {@link writeSnapshot} writes. */
export interface SnapshotOptions {
  /** The store directory (absolute). */
  readonly dir: string;
  readonly epoch: string;
  readonly records: readonly StoreRecord[];
  /** The revision the records are complete up to. */
  readonly rev: number;
}

/**
 * Writes a snapshot atomically (a temporary file, synced, renamed, the directory synced), a
 * chunk of about 1 MiB at a time.
 * @param snapshot the directory, epoch, records and revision.
 */
export async function writeSnapshot(snapshot: SnapshotOptions): Promise<void> {
  await writeFileAtomically({
    dir: snapshot.dir,
    name: STORE_FILES.snapshot,
    tmp: STORE_FILES.snapshotTmp,
    chunks: snapshotChunks(snapshot),
  });
}

function* snapshotChunks(snapshot: SnapshotOptions): Generator<Buffer> {
  const chunks: Buffer[] = [encodeLine(encodeHeader({ epoch: snapshot.epoch, rev: snapshot.rev, records: snapshot.records.length }))];
  let size = chunks[0].length;
  for (const record of snapshot.records) {
    const line = encodeLine(encodeRecord(record));
    chunks.push(line);
    size += line.length;
    if (size >= 1 << 20) {
      yield Buffer.concat(chunks, size);
      chunks.length = 0;
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(chunks, size);
}
