/** The fields a record carries while its latest write waits for the hub's confirmation. @internal */
export interface UnconfirmedWrite {
  /** The write's text as sent (a `pubs` entry or a whole message); undefined once confirmed. */
  unconfirmed: string | undefined;
  /** The mark that will confirm it. */
  mark: number;
  /** Neighbours in write order (an intrusive list: no map operation or allocation per write). */
  olderWrite: UnconfirmedWrite | undefined;
  newerWrite: UnconfirmedWrite | undefined;
}

/**
 * A link's writes the hub has not confirmed yet, latest per var, oldest first: what a reconnect
 * sends again and a `marked` answer clears. The entries are the link's own per-var records, linked
 * in write order, so that the hot path of a shared write touches no map. @internal
 *
 * @example
 * const log = new UnconfirmedWrites<Rec>();
 * log.add(record, text, 3);   // record.unconfirmed = text, at the end of the list
 * log.confirm(3);             // clears every write a mark ≤ 3 covers
 */
export class UnconfirmedWrites<T extends UnconfirmedWrite> {
  /** Number of writes waiting. */
  size = 0;
  private oldest: T | undefined;
  private newest: T | undefined;

  /** Records `text` as the latest write of `entry` (replacing an unconfirmed one), to be confirmed by `mark`. */
  add(entry: T, text: string, mark: number): void {
    if (entry.unconfirmed !== undefined) {
      if (this.newest === entry) {
        entry.unconfirmed = text;
        entry.mark = mark;
        return;
      }
      this.unlink(entry);
    }
    entry.unconfirmed = text;
    entry.mark = mark;
    entry.olderWrite = this.newest;
    entry.newerWrite = undefined;
    if (this.newest) this.newest.newerWrite = entry;
    else this.oldest = entry;
    this.newest = entry;
    this.size++;
  }

  /** Clears the writes that a mark up to `n` covers (the oldest ones). */
  confirm(n: number): void {
    let entry = this.oldest;
    while (entry !== undefined && entry.mark <= n) {
      const next = entry.newerWrite as T | undefined;
      this.unlink(entry);
      entry = next;
    }
  }

  /** The waiting writes, oldest first (safe to clear or add while iterating a copy: this is one). */
  entries(): T[] {
    const out: T[] = [];
    for (let entry = this.oldest; entry !== undefined; entry = entry.newerWrite as T | undefined) out.push(entry);
    return out;
  }

  /** Forgets every waiting write. */
  clear(): void {
    for (const entry of this.entries()) this.unlink(entry);
  }

  private unlink(entry: T): void {
    const older = entry.olderWrite;
    const newer = entry.newerWrite;
    if (older) older.newerWrite = newer;
    else this.oldest = newer as T | undefined;
    if (newer) newer.olderWrite = older;
    else this.newest = older as T | undefined;
    entry.olderWrite = undefined;
    entry.newerWrite = undefined;
    entry.unconfirmed = undefined;
    this.size--;
  }
}
