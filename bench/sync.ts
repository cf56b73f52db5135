// Benchmarks of two-way sync (issue 5): resync after a reconnect against sending the full state,
// and two writers racing on one var. The hub runs in its own process (bench/processes/hub.ts);
// the links of the resync runs live in this process, over `ws` transports wrapped to count what
// crosses them. Bytes are WebSocket payload bytes (UTF-8 JSON), both directions, hello and welcome
// included; messages are the messages inside those frames. Every figure is the median of the
// runs with their range beside it (a ratio is median over median); each run measures the full
// state and the resync one after the other, and the race runs alternate one and two writers.
import { Space, connect, connectWs, type Link, type Transport, type Var } from '../dist/index.js';
import { Child, hrMs, sleep } from './processes/ipc.js';
import { medians, printTable, spread, type BenchRow } from './table.js';

const VARS = 10_000;
const CHANGED = 100; // 1 %
const RACE_ROUNDS = 20_000;
/** Interleaved race runs of each side (one writer, two writers). */
const RACE_RUNS = 3;
const PAD = 'y'.repeat(60);

const fqnOf = (prefix: string, i: number): string => `${prefix}.g${i % 100}/v${i}`;
const valueOf = (i: number, version: number) => ({ i, version, at: 1_700_000_000_000 + i, note: PAD });

/** What crossed one link's transports since the last `reset`. */
class Traffic {
  bytes = 0;
  frames: string[] = [];
  reset(): void {
    this.bytes = 0;
    this.frames = [];
  }
  add(frame: string): void {
    this.bytes += Buffer.byteLength(frame);
    this.frames.push(frame);
  }
  /** Messages in the frames (parsed after the timed part); each entry of a `pubs`/`upds` batch counts as a `pub`/`upd`. */
  messages(): number {
    let n = 0;
    this.forEachMessage(() => n++);
    return n;
  }
  /** Messages of one type `t`. */
  count(t: string): number {
    let n = 0;
    this.forEachMessage((type) => type === t && n++);
    return n;
  }
  private forEachMessage(visit: (t: string) => void): void {
    for (const frame of this.frames) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(frame);
      } catch {
        visit('');
        continue;
      }
      for (const m of Array.isArray(parsed) ? (parsed as { t: string; w?: unknown[]; u?: unknown[] }[]) : []) {
        const batch = m.t === 'pubs' ? m.w : m.t === 'upds' ? m.u : undefined;
        if (batch) for (let i = 0; i < batch.length; i++) visit(m.t.slice(0, 3));
        else visit(m.t);
      }
    }
  }
}

/**
 * A transport factory for `connect` that counts traffic, can hold a reconnect back until
 * released (so that changes can be made meanwhile), and notes when a frame ending with a given
 * message type arrives (the link has handled it by then).
 */
class CountingConnection {
  readonly traffic = new Traffic();
  current: Transport | undefined;
  /** When the last connection attempt began. */
  startedAt = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private waiters: { type: string; resolve(at: number): void }[] = [];

  constructor(private readonly url: string) {}

  readonly factory = async (): Promise<Transport> => {
    if (this.gate) await this.gate;
    this.startedAt = hrMs();
    const inner = await connectWs(this.url);
    const traffic = this.traffic;
    const wrapped: Transport = {
      get isOpen() {
        return inner.isOpen;
      },
      get bufferedAmount() {
        return inner.bufferedAmount;
      },
      send(frame) {
        traffic.add(frame);
        inner.send(frame);
      },
      listen: (handlers) => {
        inner.listen({
          frame: (data) => {
            traffic.add(data);
            handlers.frame(data);
            this.seen(data);
          },
          close: (code, reason) => handlers.close(code, reason),
          drain: handlers.drain && (() => handlers.drain!()),
        });
      },
      close: (code, reason) => inner.close(code, reason),
    };
    this.current = wrapped;
    return wrapped;
  };

  /** Holds the next connection attempt until `release`. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.openGate?.();
  }

  /** Resolves (with the time) when a frame whose last message has type `type` arrives. */
  next(type: string): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }

  private seen(frame: string): void {
    if (this.waiters.length === 0) return;
    // Answers (subok, marked) are queued after state in the hub's outbox: the last message.
    const tail = frame.slice(-80);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (tail.includes(`"t":"${this.waiters[i].type}"`)) {
        const [waiter] = this.waiters.splice(i, 1);
        waiter.resolve(hrMs());
      }
    }
  }
}

function waitFor(link: Link, status: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = link.status$.subscribe((s) => {
      if (s === status) {
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });
}

interface Measured {
  bytes: number;
  messages: number;
  values: number;
  ms: number;
}

const RECONNECT = { initialDelayMs: 1, maxDelayMs: 10 };

/** A follower: the full state (a fresh follow) and the resync after a reconnect with `changed` vars changed meanwhile. */
async function followerRuns(
  url: string,
  writerVars: Var<any>[],
  writer: Link,
  changed: number,
  version: { n: number },
): Promise<{ full: Measured; resync: Measured }> {
  // full state: a new link follows everything
  const fresh = new CountingConnection(url);
  const freshSubok = fresh.next('subok');
  const freshLink = await connect(fresh.factory, { space: new Space(), reconnect: RECONNECT });
  freshLink.follow('sync.>');
  const freshDone = await freshSubok;
  const full: Measured = {
    bytes: fresh.traffic.bytes,
    messages: fresh.traffic.messages(),
    values: fresh.traffic.count('upd'),
    ms: freshDone - fresh.startedAt,
  };
  await freshLink.close();

  // resync: a follower that was in sync loses its connection; `changed` vars change meanwhile
  const conn = new CountingConnection(url);
  const space = new Space();
  const link = await connect(conn.factory, { space, reconnect: RECONNECT });
  await link.follow('sync.>').synced;
  conn.hold();
  const reconnecting = waitFor(link, 'reconnecting');
  conn.current!.close(4000, 'bench: connection lost');
  await reconnecting;
  version.n++;
  await Promise.all(
    Array.from({ length: changed }, (_, k) =>
      writer.set(writerVars[k * Math.floor(VARS / Math.max(1, changed))].fqn, valueOf(k, version.n)),
    ),
  );
  conn.traffic.reset();
  const subok = conn.next('subok');
  conn.release();
  const done = await subok;
  const resync: Measured = {
    bytes: conn.traffic.bytes,
    messages: conn.traffic.messages(),
    values: conn.traffic.count('upd'),
    ms: done - conn.startedAt,
  };
  // check: the follower holds the new values
  for (let k = 0; k < changed; k++) {
    const i = k * Math.floor(VARS / Math.max(1, changed));
    const got = space.resolve<{ version: number }>(fqnOf('sync', i))?.getValue();
    if (got?.version !== version.n) throw new Error(`follower resync: ${fqnOf('sync', i)} is ${JSON.stringify(got)}`);
  }
  await link.close();
  return { full, resync };
}

/** A sharer: the full state (a fresh share of every var) and the resync after a reconnect with `changed` vars written while offline. */
async function sharerRuns(url: string, changed: number, prefix: string): Promise<{ full: Measured; resync: Measured }> {
  const space = new Space();
  const vars = Array.from({ length: VARS }, (_, i) => space.intern(fqnOf(prefix, i), valueOf(i, 0)));
  const conn = new CountingConnection(url);
  const link = await connect(conn.factory, { space, reconnect: RECONNECT });
  // full state: the first share sends every var
  const marked = conn.next('marked');
  link.share(`${prefix}.>`);
  const fullDone = await marked;
  const full: Measured = {
    bytes: conn.traffic.bytes,
    messages: conn.traffic.messages(),
    values: conn.traffic.count('pub'),
    ms: fullDone - conn.startedAt,
  };

  // resync: the connection is lost, `changed` vars are written offline, then it comes back
  conn.hold();
  const reconnecting = waitFor(link, 'reconnecting');
  conn.current!.close(4000, 'bench: connection lost');
  await reconnecting;
  for (let k = 0; k < changed; k++) vars[k * Math.floor(VARS / Math.max(1, changed))].reset(valueOf(k, 1));
  await sleep(5);
  conn.traffic.reset();
  // In sync: the hub confirmed the writes sent again (or, with none, the link is open again).
  const resynced = changed > 0 ? conn.next('marked') : waitFor(link, 'open').then(hrMs);
  conn.release();
  const done = await resynced;
  await sleep(changed > 0 ? 0 : 50); // with nothing to send, give stray traffic a chance to show
  const resync: Measured = {
    bytes: conn.traffic.bytes,
    messages: conn.traffic.messages(),
    values: conn.traffic.count('pub'),
    ms: done - conn.startedAt,
  };
  await link.close();
  return { full, resync };
}

async function race(
  hub: Child,
  url: string,
  writers: number,
): Promise<{ rate: number; accepted: number; sent: number; converged: boolean }> {
  const children = Array.from({ length: writers }, () => new Child('writer'));
  try {
    for (const child of children) await child.call('connect', { mode: 'varspace', url, vars: 1, sync: true });
    await sleep(100);
    const rev0: number = await hub.call('rev');
    const results = await Promise.all(children.map((child) => child.call('race', { rounds: RACE_ROUNDS })));
    const rev1: number = await hub.call('rev');
    const t0 = Math.min(...results.map((r) => r.t0));
    const t1 = Math.max(...results.map((r) => r.t1));
    await sleep(200);
    const hubValue = JSON.stringify(await hub.call('value', { fqn: 'bench.v/v0' }));
    const values = await Promise.all(children.map((child) => child.call('value', { i: 0 })));
    const converged = values.every((v) => JSON.stringify(v) === hubValue);
    const accepted = rev1 - rev0;
    return { rate: (accepted / (t1 - t0)) * 1000, accepted, sent: writers * RACE_ROUNDS, converged };
  } finally {
    for (const child of children) await child.call('close').catch(() => undefined);
    await Promise.all(children.map((child) => child.stop()));
  }
}

type Runs = readonly { full: Measured; resync: Measured }[];

/** A resync figure (`key` of each run's resync) against the full state's, as medians of `runs`. */
function ratioRow(what: string, runs: Runs, key: keyof Measured, unit: string, goal?: { max: number; text: string }): BenchRow {
  const figures = medians(
    runs.map((r) => r.resync[key]),
    runs.map((r) => r.full[key]),
  );
  return {
    what: `${what} — ${((100 * figures.value) / figures.baseline).toFixed(2)} % of the full state`,
    ...figures,
    unit,
    baselineName: 'full state',
    higherIsBetter: false,
    ...(goal ? { goal: goal.text, met: figures.value <= goal.max * figures.baseline } : {}),
  };
}

/** The median of one field of `runs` (for the counts quoted in a row's label). */
const median = (runs: Runs, side: 'full' | 'resync', key: keyof Measured): number => spread(runs.map((r) => r[side][key])).median;

export async function run(): Promise<void> {
  const started = Date.now();
  const hub = new Child('hub');
  try {
    const url: string = await hub.call('url');
    // The writer of the vars a follower follows.
    const writerSpace = new Space();
    const writerVars = Array.from({ length: VARS }, (_, i) => writerSpace.intern(fqnOf('sync', i), valueOf(i, 0)));
    const writer = await connect(url, { space: writerSpace });
    await writer.share('sync.>').synced;

    const version = { n: 0 };
    // A warm-up round, then the measured ones.
    await followerRuns(url, writerVars, writer, CHANGED, version);
    const follower = [];
    for (let i = 0; i < 3; i++) follower.push(await followerRuns(url, writerVars, writer, CHANGED, version));
    const unchanged = await followerRuns(url, writerVars, writer, 0, version);
    await sharerRuns(url, CHANGED, 'warm');
    const sharer = [];
    for (let i = 0; i < 3; i++) sharer.push(await sharerRuns(url, CHANGED, `share${i}`));
    const sharerUnchanged = await sharerRuns(url, 0, 'share0u');
    await writer.close();

    const bytes = { max: 0.05, text: '≤ 5 %' };
    const rows: BenchRow[] = [
      ratioRow(
        `follower resync, ${VARS} vars, 1 % changed: bytes (${median(follower, 'resync', 'values')} values vs ${median(follower, 'full', 'values')})`,
        follower,
        'bytes',
        'B',
        bytes,
      ),
      ratioRow('follower resync, 1 % changed: messages', follower, 'messages', 'msgs'),
      ratioRow('follower resync, 1 % changed: reconnect → in sync', follower, 'ms', 'ms'),
      ratioRow(`follower resync, 0 % changed: bytes (${unchanged.resync.values} values)`, [unchanged], 'bytes', 'B', bytes),
      ratioRow(
        `sharer resync, ${VARS} vars, 1 % written offline: bytes (${median(sharer, 'resync', 'values')} values vs ${median(sharer, 'full', 'values')})`,
        sharer,
        'bytes',
        'B',
        bytes,
      ),
      ratioRow('sharer resync, 1 % written offline: messages', sharer, 'messages', 'msgs'),
      ratioRow('sharer resync, 1 % written offline: reconnect → in sync', sharer, 'ms', 'ms'),
      ratioRow(`sharer resync, 0 % changed: bytes (${sharerUnchanged.resync.values} values)`, [sharerUnchanged], 'bytes', 'B', bytes),
    ];
    printTable(`sync: resync after a reconnect vs the full state (${VARS} vars, ~100-byte values; hub in its own process)`, rows);
    console.log(
      `\nresync times (ms): follower ${follower.map((r) => r.resync.ms.toFixed(1)).join(', ')} (full ${follower.map((r) => r.full.ms.toFixed(1)).join(', ')}); sharer ${sharer.map((r) => r.resync.ms.toFixed(1)).join(', ')} (full ${sharer.map((r) => r.full.ms.toFixed(1)).join(', ')})`,
    );

    // Racing writers, interleaved with the single writer (alternating which goes first).
    const single = [];
    const double = [];
    for (let i = 0; i < RACE_RUNS; i++) {
      if (i % 2 === 0) {
        single.push(await race(hub, url, 1));
        double.push(await race(hub, url, 2));
      } else {
        double.push(await race(hub, url, 2));
        single.push(await race(hub, url, 1));
      }
    }
    const accepted = spread(double.map((r) => r.accepted)).median;
    printTable(`sync: writers on one var through the hub (each writes once per event-loop turn, ${RACE_ROUNDS} writes)`, [
      {
        what: `2 writers racing, writes the hub accepted/s (median ${accepted} of ${double[0].sent} won; replicas converged: ${double.every((r) => r.converged) ? 'yes' : 'NO'})`,
        ...medians(
          double.map((r) => r.rate),
          single.map((r) => r.rate),
        ),
        unit: 'upd/s',
        baselineName: '1 writer',
      },
    ]);
    console.log(
      `\nrace runs (accepted/s): 1 writer ${single.map((r) => Math.round(r.rate)).join(', ')}; 2 writers ${double.map((r) => `${Math.round(r.rate)} (${r.accepted}/${r.sent})`).join(', ')}`,
    );
  } finally {
    await hub.stop();
  }
  console.log(`(sync bench took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
