import { goneText, updEntryText } from '../wire/state-text.js';
import type { StoreRecord } from './store.js';

/**
 * A record's text as followers get it: a `gone` message, or an entry of an `upds` batch.
 * @param record - the state of one var (or its tombstone).
 * @example session.outbox.put(record.fqn, recordText(record), record.from);
 */
export function recordText(record: StoreRecord): string {
  const { fqn, stamp, from, rev } = record;
  return record.deleted ? goneText(fqn, stamp, from, rev) : updEntryText(fqn, stamp, rev, record.value);
}

/** The held state of a var as an `err`'s `current` (see `ErrMessage`). */
export interface Current {
  readonly value: unknown;
  readonly stamp: string;
  readonly from: string;
  readonly rev: number;
}

/**
 * The held state of a var as an `err` carries it, so that a refused writer is corrected.
 * @example errMessage(error, { fqn, current: currentOf(held) })
 */
export function currentOf(record: StoreRecord): Current {
  return { value: record.value, stamp: record.stamp, from: record.from, rev: record.rev };
}
