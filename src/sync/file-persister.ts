import { StoreError, ValidationError } from '../core/errors.js';
import { encodeLine, encodeRecord } from '../store-log/log-format.js';
import type { LiveState } from '../store-log/live-state.js';
import type { LogRecord } from '../store-log/log-record.js';
import { openLog, type OpenedLog } from '../store-log/open-log.js';
import type { PersistedMeta, PersistedState, PersistedVar, Persister } from './persister.js';

/** The record that holds the meta (not a valid FQN, so no var can take it). */
const META_KEY = '#meta';
/** The log is synced this often: a kill loses nothing saved, a power loss at most this much. */
const SYNC_INTERVAL_MS = 1_000;

/** A var's state as its log record's value: the hub revision, the value, a tombstone, the pending write. */
interface Payload {
  readonly r: number;
  readonly v?: unknown;
  readonly d?: 1;
  readonly p?: string;
}

/**
 * A persister that keeps a link's state in a directory (Node only), in the crash-safe log of the
 * hub's file store (`src/store-log/`): every save is appended as one write of CRC-checked lines,
 * handed to the OS before it resolves (so a killed process loses nothing saved) and synced within
 * a second (a power loss loses at most that); the log is compacted into a snapshot as it grows; a
 * torn end (a crash mid-write) is cut off and damaged lines are skipped and counted at load. A
 * `LOCK` file keeps a second process (or link) out of the directory.
 *
 * @param dir the directory (created if missing); one per link.
 * @returns the persister, opened by the link's `load`.
 * @throws {ValidationError} for an empty `dir`; `load` rejects with {@link StoreError} when the
 *   directory is in use, cannot be read or written, or holds an unknown format.
 * @example
 * const link = await connect('ws://127.0.0.1:7070', { space, persist: filePersister('./state'), offline: true });
 */
export function filePersister(dir: string): Persister {
  if (typeof dir !== 'string' || dir === '') throw new ValidationError('filePersister: dir must be a non-empty path');
  let open: OpenedLog | undefined;
  return {
    async load(): Promise<PersistedState> {
      open = await openLog({
        dir,
        refuseCorruption: false,
        compactFactor: 4,
        compactMinBytes: 1 << 20,
        always: false,
        intervalMs: SYNC_INTERVAL_MS,
      });
      return read(open.state, open.recovery.corruptLines);
    },
    save({ vars, meta }): Promise<void> {
      if (!open) return Promise.reject(new StoreError(`${dir}: not loaded (or closed)`));
      const { state, writer } = open;
      for (const held of vars) {
        const payload: Payload = {
          r: held.rev,
          ...(held.deleted ? { d: 1 } : { v: held.value }),
          ...(held.pending ? { p: held.pending } : {}),
        };
        void append({ fqn: held.fqn, value: payload, stamp: held.stamp, from: held.from, rev: state.rev + 1, deleted: false });
      }
      // Last, in the same batch (one write): a torn end that cuts it keeps the vars before it, with the older meta (which is safe).
      return append({ fqn: META_KEY, value: meta, stamp: '', from: '', rev: state.rev + 1, deleted: false });

      function append(record: LogRecord): Promise<void> {
        const line = encodeLine(encodeRecord(record));
        state.set(record, line.length);
        return writer.append(line);
      }
    },
    async close(): Promise<void> {
      const closing = open;
      open = undefined;
      await closing?.close();
    },
  };
}

/** The persisted state in a recovered log: the meta record, and each var's payload (a malformed one skipped and counted). */
function read(state: LiveState, corrupt: number): PersistedState {
  let meta: PersistedMeta | undefined;
  let skipped = corrupt;
  const vars: PersistedVar[] = [];
  for (const record of state.records()) {
    if (record.fqn === META_KEY) {
      meta = record.value as PersistedMeta;
      continue;
    }
    const payload = record.value as Payload | null;
    if (payload === null || typeof payload !== 'object') {
      skipped++;
      continue;
    }
    const deleted = payload.d === 1;
    vars.push({
      fqn: record.fqn,
      stamp: record.stamp,
      from: record.from,
      rev: payload.r,
      deleted,
      ...(deleted ? {} : { value: payload.v }),
      ...(payload.p === undefined ? {} : { pending: payload.p }),
    });
  }
  return { vars, meta, skipped };
}
