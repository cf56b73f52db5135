import { crc32 } from 'node:zlib';
import { encodeHeader, encodeLine, encodeRecord, FORMAT, readLog, readSnapshot } from '../../src/store-log/log-format.js';
import type { LogRecord as StoreRecord } from '../../src/store-log/log-record.js';

const rec = (rev: number, fqn: string, value: unknown, deleted = false): StoreRecord => ({
  fqn,
  value: deleted ? undefined : value,
  stamp: `s${rev}`,
  from: 'w',
  rev,
  deleted,
});
const line = (record: StoreRecord) => encodeLine(encodeRecord(record));
const joined = (...parts: Array<Buffer | string>) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
const header = (records: number, rev = records) => encodeLine(encodeHeader({ epoch: 'e-1', rev, records }));

describe('log-format', () => {
  test('a line is the CRC32 of the JSON as 8 hex digits, a space, the JSON, a newline', () => {
    const json = '{"v":"é ✓"}';
    const expected = `${crc32(Buffer.from(json)).toString(16).padStart(8, '0')} ${json}\n`;
    expect(encodeLine(json).toString('utf8')).toBe(expected);
    expect(encodeLine('{}').toString('utf8')).toMatch(/^[0-9a-f]{8} \{\}\n$/);
  });

  test('a record keeps its fields in a fixed order; a tombstone has no value', () => {
    expect(encodeRecord(rec(3, 'a/b', { x: 1 }))).toBe('{"rev":3,"fqn":"a/b","stamp":"s3","from":"w","value":{"x":1}}');
    expect(encodeRecord({ ...rec(4, 'a/b', 'ignored'), deleted: true })).toBe(
      '{"rev":4,"fqn":"a/b","stamp":"s4","from":"w","deleted":true}',
    );
    expect(() => encodeRecord(rec(5, 'a/c', 10n))).toThrow();
  });

  test('a snapshot header names its format, epoch, revision and count', () => {
    const json = JSON.parse(encodeHeader({ epoch: 'e-1', rev: 9, records: 2 }));
    expect(json).toMatchObject({ varspace: 'snapshot', format: FORMAT, epoch: 'e-1', rev: 9, records: 2 });
    expect(typeof json.written).toBe('string');
  });

  test('a log reads back its records with their line sizes', () => {
    const lines = [line(rec(1, 'a/x', 1)), line(rec(2, 'a/y', 'two')), line(rec(3, 'a/x', undefined, true))];
    const read = readLog(joined(...lines));
    expect(read.records).toEqual([
      [rec(1, 'a/x', 1), lines[0].length],
      [rec(2, 'a/y', 'two'), lines[1].length],
      [rec(3, 'a/x', undefined, true), lines[2].length],
    ]);
    expect(read).toMatchObject({ goodLength: lines[0].length + lines[1].length + lines[2].length, corrupt: 0 });
    expect(readLog(Buffer.alloc(0))).toEqual({ records: [], goodLength: 0, corrupt: 0 });
  });

  test('a torn end (a cut line, garbage) is not corruption: goodLength stops before it', () => {
    const good = joined(line(rec(1, 'a/x', 1)), line(rec(2, 'a/y', 2)));
    const cut = line(rec(3, 'a/z', 3)).subarray(0, 20);
    expect(readLog(joined(good, cut))).toMatchObject({ goodLength: good.length, corrupt: 0 });
    expect(readLog(joined(good, '\0\0\0\n\0'))).toMatchObject({ goodLength: good.length, corrupt: 0 });
    expect(readLog(joined(good, cut)).records).toHaveLength(2);
  });

  test('a good last line without its newline is kept', () => {
    const first = line(rec(1, 'a/x', 1));
    const last = line(rec(2, 'a/y', 2));
    const bytes = joined(first, last.subarray(0, last.length - 1));
    expect(readLog(bytes)).toMatchObject({ goodLength: bytes.length, corrupt: 0 });
    expect(readLog(bytes).records).toHaveLength(2);
  });

  test('a damaged line before a good one is corruption; the records around it are kept', () => {
    const first = line(rec(1, 'a/x', 1));
    const flipped = Buffer.from(line(rec(2, 'a/y', 2)));
    flipped[flipped.length - 3] ^= 0x01; // the checksum no longer holds
    const last = line(rec(3, 'a/z', 3));
    const read = readLog(joined(first, flipped, last));
    expect(read.records.map(([record]) => record.rev)).toEqual([1, 3]);
    expect(read).toMatchObject({ corrupt: 1, goodLength: first.length + flipped.length + last.length });
  });

  test('a line whose checksum holds but is not a record counts as damaged', () => {
    const notRecord = encodeLine('{"rev":0,"fqn":"a/x","stamp":"s","from":"w"}');
    const badDeleted = encodeLine('{"rev":2,"fqn":"a/x","stamp":"s","from":"w","deleted":false}');
    const notJson = encodeLine('{oops');
    const last = line(rec(3, 'a/z', 3));
    expect(readLog(joined(notRecord, badDeleted, notJson, last))).toMatchObject({ corrupt: 3 });
  });

  test('a snapshot reads back its header and records', () => {
    const records = [line(rec(1, 'a/x', 1)), line(rec(2, 'a/y', 2))];
    const read = readSnapshot(joined(header(2), ...records));
    expect(read.header).toMatchObject({ varspace: 'snapshot', format: FORMAT, epoch: 'e-1', rev: 2, records: 2 });
    expect(read.records.map(([record, size]) => [record.fqn, size])).toEqual([
      ['a/x', records[0].length],
      ['a/y', records[1].length],
    ]);
    expect(read.corrupt).toBe(0);
  });

  test('a snapshot with a damaged header, damaged records or missing lines is damaged', () => {
    const records = [line(rec(1, 'a/x', 1)), line(rec(2, 'a/y', 2))];
    const noHeader = readSnapshot(joined(encodeLine('{"varspace":"snapshot"}'), ...records));
    expect(noHeader.header).toBeUndefined();
    expect(noHeader.corrupt).toBe(1);
    expect(noHeader.records).toHaveLength(2);
    expect(readSnapshot(joined(header(4), ...records)).corrupt).toBe(2);
    expect(readSnapshot(joined(header(1), ...records)).corrupt).toBe(1);
    expect(readSnapshot(joined(header(2), records[0], '00000000 {}\n')).corrupt).toBe(1);
    expect(readSnapshot(Buffer.alloc(0))).toEqual({ header: undefined, records: [], corrupt: 1 });
  });
});
