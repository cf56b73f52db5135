// The honest side of a fuzz run: a writer (its own follows check what it wrote) and a second
// reader, both real links of the built package, writing a bounded set of vars while the hub is
// attacked. Lost writes and state mismatches are counted against the hub's own records.
import { Space, connect, type Link } from '../../dist/index.js';
import type { HubChild, HubRecord } from './hub-child.js';
import type { Rng } from './prng.js';

const SET_FQNS = Array.from({ length: 8 }, (_, i) => `fuzz.honest/k${i}`);
const SHARED_FQNS = Array.from({ length: 8 }, (_, i) => `fuzz.shared/s${i}`);
/** Every var the honest writer writes: through `set` (acked) and through a shared local var. */
export const HONEST_FQNS: readonly string[] = [...SET_FQNS, ...SHARED_FQNS];

/** What the honest side saw. */
export interface HonestReport {
  /** `set` calls the hub acknowledged. */
  acked: number;
  /** Vars whose last acknowledged value the hub does not hold at the end. */
  lost: number;
  /** `set` calls that rejected (an honest write must never be refused). */
  refused: number;
  /** Vars on which the writer, the reader and the hub disagree after settling. */
  mismatches: number;
  /** Errors the links or their spaces reported with `VS_INTERNAL` or without a code. */
  internalErrors: number;
  /** A few examples of each failure. */
  examples: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The honest writer and reader of a fuzz run.
 * @example const honest = await HonestSide.start(hub, rng); honest.run(); …; const report = await honest.finish();
 */
export class HonestSide {
  private readonly lastAcked = new Map<string, unknown>();
  private running = true;
  private loop: Promise<void> | undefined;
  readonly report: HonestReport = { acked: 0, lost: 0, refused: 0, mismatches: 0, internalErrors: 0, examples: [] };

  private constructor(
    private readonly hub: HubChild,
    private readonly rng: Rng,
    private readonly writerSpace: Space,
    readonly writer: Link,
    private readonly readerSpace: Space,
    readonly reader: Link,
  ) {
    for (const [who, link, space] of [
      ['writer', writer, writerSpace],
      ['reader', reader, readerSpace],
    ] as const) {
      link.errors$.subscribe((error) => this.onError(`${who} link`, error));
      space.errors$.subscribe((error) => this.onError(`${who} space`, error));
    }
  }

  /** Connects the writer (following and sharing its vars) and the reader (following everything). */
  static async start(hub: HubChild, rng: Rng): Promise<HonestSide> {
    const writerSpace = new Space();
    const writer = await connect(hub.url, { space: writerSpace, attributes: { appName: 'fuzz-writer' } });
    for (const fqn of SHARED_FQNS) writerSpace.intern(fqn, { seq: 0 });
    await writer.follow('fuzz.honest.>').synced;
    await writer.share('fuzz.shared.>').synced;
    const readerSpace = new Space();
    const reader = await connect(hub.url, { space: readerSpace, attributes: { appName: 'fuzz-reader' } });
    await reader.follow('>').synced;
    return new HonestSide(hub, rng, writerSpace, writer, readerSpace, reader);
  }

  private onError(where: string, error: unknown): void {
    const code = (error as { code?: string })?.code;
    if (code !== undefined && code !== 'VS_INTERNAL') return;
    this.report.internalErrors++;
    this.example(`${where}: ${code ?? 'uncoded'} ${(error as Error)?.stack ?? String(error)}`.slice(0, 400));
  }

  private example(text: string): void {
    if (this.report.examples.length < 12) this.report.examples.push(text);
  }

  /** Writes until {@link finish}: a `set` (awaited, at most 5 s) or a shared var's local write, every few ms. */
  run(): void {
    this.loop = (async () => {
      let seq = 0;
      while (this.running && !this.hub.exit) {
        seq++;
        if (this.rng.chance(0.5)) {
          const fqn = this.rng.pick(SET_FQNS);
          const value = { seq, fqn };
          let timer: ReturnType<typeof setTimeout> | undefined;
          try {
            await Promise.race([
              this.writer.set(fqn, value),
              new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer to set within 5 s')), 5_000))),
            ]);
            this.report.acked++;
            this.lastAcked.set(fqn, value);
          } catch (error) {
            this.report.refused++;
            this.example(`set ${fqn} refused: ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`.slice(0, 300));
          } finally {
            clearTimeout(timer);
          }
        } else {
          const fqn = this.rng.pick(SHARED_FQNS);
          this.writerSpace.intern(fqn).reset({ seq, fqn });
        }
        await sleep(2);
      }
    })();
  }

  /**
   * Stops writing, waits (at most 5 s) for the writer, the reader and the hub to agree, then
   * counts lost writes and mismatches, and closes both links.
   */
  async finish(): Promise<HonestReport> {
    this.running = false;
    await this.loop;
    let records: Record<string, HubRecord> | undefined;
    const deadline = Date.now() + 5_000;
    for (;;) {
      records = await this.hub.records(HONEST_FQNS);
      if (!records || this.disagreeing(records).length === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    if (records) {
      for (const fqn of this.disagreeing(records)) {
        this.report.mismatches++;
        this.example(
          `mismatch ${fqn}: writer ${JSON.stringify(this.writerSpace.resolve(fqn)?.getValue())}, reader ${JSON.stringify(this.readerSpace.resolve(fqn)?.getValue())}, hub ${JSON.stringify(records[fqn])}`,
        );
      }
      for (const [fqn, value] of this.lastAcked) {
        if (same(records[fqn]?.value, value)) continue;
        this.report.lost++;
        this.example(`lost ${fqn}: last acked ${JSON.stringify(value)}, hub holds ${JSON.stringify(records[fqn])}`);
      }
    }
    await Promise.race([Promise.all([this.writer.close(), this.reader.close()]), sleep(5_000)]);
    return this.report;
  }

  private disagreeing(records: Record<string, HubRecord>): string[] {
    return HONEST_FQNS.filter((fqn) => {
      const hub = records[fqn]?.value;
      return !same(this.writerSpace.resolve(fqn)?.getValue(), hub) || !same(this.readerSpace.resolve(fqn)?.getValue(), hub);
    });
  }
}
