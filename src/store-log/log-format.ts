import { crc32 } from 'node:zlib';
import type { LogRecord as StoreRecord } from './log-record.js';

/**
 * The on-disk format of a store directory's files, version {@link FORMAT}. The log and the
 * snapshot are both lines of `<crc32 of the JSON's UTF-8 bytes, 8 hex digits> <json>\n`; a
 * snapshot's first line is its {@link SnapshotHeader}, every other line is one record:
 * `{"rev","fqn","stamp","from","value"}`, or `{"rev","fqn","stamp","from","deleted":true}` for a
 * tombstone. Changing any of it breaks every directory written before.
 */
export const FORMAT = 1;

/** The first line of a snapshot. */
export interface SnapshotHeader {
  readonly varspace: 'snapshot';
  readonly format: number;
  /** The store's history (see `Store.epoch`). */
  readonly epoch: string;
  /** The revision the snapshot holds everything up to. */
  readonly rev: number;
  /** How many record lines follow. */
  readonly records: number;
}

/** Where one line lies in a buffer. */
interface Line {
  readonly start: number;
  /** Index of the newline (or the end of the buffer). */
  readonly end: number;
}

/** What {@link readLog} found in a log. */
export interface LogContents {
  /** The good records, each with the bytes its line takes (newline included). */
  readonly records: Array<[StoreRecord, number]>;
  /** Bytes up to the end of the last good line: what follows is a torn end. */
  readonly goodLength: number;
  /** Bad lines before the last good one. */
  readonly corrupt: number;
}

/**
 * The JSON of a record as its line holds it (a tombstone keeps no value).
 * @param record the record.
 * @returns the JSON text.
 * @throws whatever `JSON.stringify` throws for a value JSON cannot hold (a cycle, a BigInt).
 */
export function encodeRecord(record: StoreRecord): string {
  const { rev, fqn, stamp, from } = record;
  return record.deleted
    ? JSON.stringify({ rev, fqn, stamp, from, deleted: true })
    : JSON.stringify({ rev, fqn, stamp, from, value: record.value });
}

/**
 * The JSON of a snapshot's header line.
 * @param header the epoch, revision and record count of the snapshot.
 */
export function encodeHeader(header: Pick<SnapshotHeader, 'epoch' | 'rev' | 'records'>): string {
  return JSON.stringify({
    varspace: 'snapshot',
    format: FORMAT,
    epoch: header.epoch,
    rev: header.rev,
    records: header.records,
    written: new Date().toISOString(),
  });
}

/**
 * A line of the log or the snapshot: `<crc32 of the JSON's UTF-8 bytes, 8 hex digits> <json>\n`.
 * @param json the JSON text (one line: JSON.stringify never writes a raw newline).
 * @example
 * encodeLine('{"a":1}').toString(); // '<crc> {"a":1}\n'
 */
export function encodeLine(json: string): Buffer {
  const size = Buffer.byteLength(json);
  const line = Buffer.allocUnsafe(size + 10);
  line.write(json, 9, 'utf8');
  line.write(
    crc32(line.subarray(9, 9 + size))
      .toString(16)
      .padStart(8, '0'),
    0,
    'latin1',
  );
  line[8] = 0x20;
  line[size + 9] = 0x0a;
  return line;
}

/**
 * Where the lines of `bytes` lie; the last one may lack its newline (a torn end).
 * @param bytes a file's content.
 */
function splitLines(bytes: Buffer): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    lines.push({ start, end });
    start = end + 1;
  }
  return lines;
}

const HEX = /^[0-9a-f]{8}$/;

/**
 * The JSON of a line whose checksum holds, else `undefined` (never throws).
 * @param bytes the file's content.
 * @param line where the line lies in it.
 */
function decodeLine(bytes: Buffer, line: Line): unknown {
  if (line.end - line.start < 11 || bytes[line.start + 8] !== 0x20) return undefined;
  const hex = bytes.toString('latin1', line.start, line.start + 8);
  if (!HEX.test(hex)) return undefined;
  const body = bytes.subarray(line.start + 9, line.end);
  if (crc32(body) !== Number.parseInt(hex, 16)) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The record a decoded line holds, or `undefined` when it is not a well-formed record.
 * @param json what {@link decodeLine} returned.
 */
function toRecord(json: unknown): StoreRecord | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const { rev, fqn, stamp, from, deleted, value } = json as Record<string, unknown>;
  if (!Number.isSafeInteger(rev) || (rev as number) < 1) return undefined;
  if (typeof fqn !== 'string' || fqn === '' || typeof stamp !== 'string' || typeof from !== 'string') return undefined;
  if (deleted !== undefined && deleted !== true) return undefined;
  return { fqn, value: deleted ? undefined : value, stamp, from, rev: rev as number, deleted: deleted === true };
}

/**
 * Whether a decoded line is a snapshot header (of any format: the caller checks `format`).
 * @param json what {@link decodeLine} returned.
 */
function isHeader(json: unknown): json is SnapshotHeader {
  if (json === null || typeof json !== 'object') return false;
  const header = json as Record<string, unknown>;
  return (
    header.varspace === 'snapshot' &&
    typeof header.epoch === 'string' &&
    header.epoch !== '' &&
    Number.isSafeInteger(header.rev) &&
    Number.isSafeInteger(header.records) &&
    typeof header.format === 'number'
  );
}

/** What {@link readSnapshot} found in a snapshot. */
export interface SnapshotContents {
  /** The header, unless its line is damaged (check its `format` before trusting the rest). */
  readonly header: SnapshotHeader | undefined;
  /** The good records, each with the bytes its line takes (newline included). */
  readonly records: Array<[StoreRecord, number]>;
  /** Damaged lines, counting a damaged header and the lines missing for the header's count. */
  readonly corrupt: number;
}

/**
 * Reads a snapshot: its header, its good records, and how much of it is damaged.
 * @param bytes the snapshot's content.
 */
export function readSnapshot(bytes: Buffer): SnapshotContents {
  const lines = splitLines(bytes);
  const json = lines.length > 0 ? decodeLine(bytes, lines[0]) : undefined;
  const header = isHeader(json) ? json : undefined;
  let corrupt = header ? 0 : 1;
  const records: Array<[StoreRecord, number]> = [];
  for (let i = 1; i < lines.length; i++) {
    const record = toRecord(decodeLine(bytes, lines[i]));
    if (record) records.push([record, lines[i].end - lines[i].start + 1]);
    else corrupt++;
  }
  // Lines missing at the end (or extra ones) mean the snapshot is not the one its header describes.
  if (header && header.records !== lines.length - 1) corrupt += Math.max(1, header.records - (lines.length - 1));
  return { header, records, corrupt };
}

/**
 * Reads a log: its good records, the length up to the end of the last good line (what follows
 * is a torn end, from a write a crash cut short), and how many bad lines come before that.
 * @param bytes the log's content.
 */
export function readLog(bytes: Buffer): LogContents {
  const lines = splitLines(bytes);
  const decoded = lines.map((line) => toRecord(decodeLine(bytes, line)));
  let lastGood = decoded.length - 1;
  while (lastGood >= 0 && !decoded[lastGood]) lastGood--;
  const records: Array<[StoreRecord, number]> = [];
  let corrupt = 0;
  for (let i = 0; i <= lastGood; i++) {
    const record = decoded[i];
    if (record) records.push([record, lines[i].end - lines[i].start + 1]);
    else corrupt++;
  }
  const goodLength = lastGood >= 0 ? Math.min(lines[lastGood].end + 1, bytes.length) : 0;
  return { records, goodLength, corrupt };
}
