import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomUuid } from '../identity/uuid.js';
import { StoreError } from '../core/errors.js';
import { writeSnapshot } from './compaction.js';
import type { LiveState } from './live-state.js';
import { LogFile } from './log-file.js';
import { FORMAT, readLog, readSnapshot } from './log-format.js';
import { readIfExists, STORE_FILES, syncDir, writeAll } from './store-files.js';

/** What `fileStore` found when it opened its directory. */
export interface FileStoreRecovery {
  /** The directory held no store: a new one was created (with a new epoch). */
  readonly created: boolean;
  /** Records read from the snapshot. */
  readonly snapshotRecords: number;
  /** Log records applied on top of the snapshot (those with a revision above it). */
  readonly logRecords: number;
  /** Bytes of a torn or damaged end of the log, dropped (the log was truncated before them). */
  readonly droppedTailBytes: number;
  /** Damaged lines skipped before the end of the log or in the snapshot (see `onCorruption`). */
  readonly corruptLines: number;
  /** True when damage made the history untrustworthy and a new epoch was started. */
  readonly epochChanged: boolean;
  /** Copies of damaged files kept for inspection. */
  readonly quarantined: readonly string[];
}

/** Where {@link recover} reads, and into what. */
export interface RecoverOptions {
  /** The store directory (absolute; locked by the caller). */
  readonly dir: string;
  /** The directory as the user gave it, for messages. */
  readonly shown: string;
  /** The empty state to fill. */
  readonly state: LiveState;
  /** Reject a damaged store instead of keeping its good records. */
  readonly refuseCorruption: boolean;
}

const NEWLINE = Buffer.from('\n');

/**
 * Reads a store directory back into `state`: the snapshot, then the log a crash set aside during
 * a compaction (if any), then the log, keeping records above the snapshot's revision. The torn end
 * of the log (a crash mid-write) is cut off and never stops start-up; damage elsewhere, or a log
 * without its snapshot, starts a new epoch and copies the damaged files aside (or rejects, with
 * `refuseCorruption`). A new, damaged or half-compacted store gets a fresh snapshot at once.
 * @param options the directory, the state to fill, the corruption policy.
 * @returns what was found, and the log opened for appending.
 * @throws rejects with {@link StoreError} for an unsupported format or, with `refuseCorruption`,
 *   a damaged store; with the file system's error when a file cannot be read or written.
 */
export async function recover(options: RecoverOptions): Promise<{ recovery: FileStoreRecovery; log: LogFile }> {
  const { dir, state } = options;
  const file = (name: string): string => path.join(dir, name);
  await fsp.rm(file(STORE_FILES.snapshotTmp), { force: true });
  const snapshotBytes = await readIfExists(file(STORE_FILES.snapshot));
  const oldLogBytes = await readIfExists(file(STORE_FILES.oldLog));
  const logBytes = (await readIfExists(file(STORE_FILES.log))) ?? Buffer.alloc(0);
  const damage: string[] = [];
  let corruptLines = 0;
  let snapshotRecords = 0;
  let epoch: string | undefined;
  let snapshotRev = 0;

  if (snapshotBytes) {
    const snapshot = readSnapshot(snapshotBytes);
    if (snapshot.header) {
      if (snapshot.header.format !== FORMAT) {
        throw new StoreError(
          `${file(STORE_FILES.snapshot)}: unsupported snapshot format ${String(snapshot.header.format)} (this version reads ${FORMAT})`,
        );
      }
      epoch = snapshot.header.epoch;
      snapshotRev = snapshot.header.rev;
    }
    for (const [record, size] of snapshot.records) state.apply(record, size);
    snapshotRecords = snapshot.records.length;
    corruptLines += snapshot.corrupt;
    if (snapshot.corrupt > 0) damage.push(STORE_FILES.snapshot);
    snapshotRev = Math.max(snapshotRev, state.rev);
  } else if (logBytes.length > 0 || (oldLogBytes?.length ?? 0) > 0) {
    // A log without its snapshot: the epoch (and anything compacted) is gone.
    damage.push(`${STORE_FILES.snapshot} (missing)`);
    corruptLines++;
  }

  // A compaction that a crash interrupted leaves the log it set aside: it comes first.
  let logRecords = 0;
  let droppedTailBytes = 0;
  const logs: Array<[string, Buffer]> = oldLogBytes
    ? [
        [STORE_FILES.oldLog, oldLogBytes],
        [STORE_FILES.log, logBytes],
      ]
    : [[STORE_FILES.log, logBytes]];
  let goodLength = 0;
  for (const [name, bytes] of logs) {
    const read = readLog(bytes);
    for (const [record, size] of read.records) {
      if (record.rev <= snapshotRev) continue;
      logRecords++;
      state.apply(record, size);
    }
    if (read.corrupt > 0) damage.push(name);
    corruptLines += read.corrupt;
    droppedTailBytes += bytes.length - read.goodLength;
    goodLength = read.goodLength;
  }

  if (damage.length > 0 && options.refuseCorruption) {
    throw new StoreError(
      `${options.shown}: damaged store (${corruptLines} bad record(s) in ${damage.join(', ')}); open it with onCorruption: 'recover' to keep the good records`,
      {
        corruptLines,
        files: damage,
      },
    );
  }

  const created = !snapshotBytes && logBytes.length === 0 && !oldLogBytes;
  const epochChanged = damage.length > 0 || epoch === undefined;
  state.epoch = epochChanged ? randomUuid() : epoch!;
  const quarantined: string[] = [];
  if (damage.length > 0) {
    const suffix = `.corrupt-${Date.now()}`;
    for (const name of [STORE_FILES.snapshot, STORE_FILES.oldLog, STORE_FILES.log]) {
      if (!damage.includes(name)) continue;
      await fsp.copyFile(file(name), file(name + suffix));
      quarantined.push(name + suffix);
    }
  }

  const fh = await fsp.open(file(STORE_FILES.log), 'a');
  let log: LogFile;
  try {
    log = new LogFile(fh, await cutTornEnd(fh, logBytes, goodLength));
    await syncDir(dir);
    if (epochChanged || created || oldLogBytes) {
      // A fresh snapshot holds everything: the logs are then redundant.
      await writeSnapshot({ dir, epoch: state.epoch, ...state.capture() });
      if (log.bytes > 0) await log.empty();
      if (oldLogBytes) {
        await fsp.rm(file(STORE_FILES.oldLog), { force: true });
        await syncDir(dir);
      }
    }
  } catch (error) {
    await fh.close().catch(() => {});
    throw error;
  }
  const recovery = {
    created,
    snapshotRecords,
    logRecords,
    droppedTailBytes,
    corruptLines,
    epochChanged: epochChanged && !created,
    quarantined,
  };
  return { recovery, log };
}

/**
 * Drops the log from its last good record on (garbage from a write a crash cut short) and ends it
 * with a newline, so that the next record starts a line of its own.
 * @returns the log's length.
 */
async function cutTornEnd(fh: FileHandle, bytes: Buffer, goodLength: number): Promise<number> {
  if (goodLength < bytes.length) {
    await fh.truncate(goodLength);
    await fh.sync();
  }
  if (goodLength === 0 || bytes[goodLength - 1] === NEWLINE[0]) return goodLength;
  await writeAll(fh, NEWLINE);
  await fh.sync();
  return goodLength + 1;
}
