// One fuzz run: a hub in a child process, an honest writer and reader beside it, and hostile
// frames of many shapes from several raw sockets. Deterministic in its shapes for a given seed.
import { WebSocket } from 'ws';
import { HubChild } from './hub-child.js';
import { HONEST_FQNS, HonestSide, type HonestReport } from './honest.js';
import { planHostile, type FuzzTargets, type HostilePlan } from './hostile-frames.js';
import { mulberry32 } from './prng.js';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** Hostile frames to send (default 100,000). */
  readonly frames?: number;
  /** Seed of the shapes (default 1). */
  readonly seed?: number;
  /** Welcomed hostile sockets used at once (default 4). */
  readonly sockets?: number;
  /** Progress lines (default: none). */
  readonly progress?: (line: string) => void;
}

/** A failure with the frame that caused it (cut to a readable length). */
export interface FuzzExample {
  readonly kind: string;
  readonly frame: string;
  readonly answer: string;
}

/** What a run found. Everything but the tallies must be zero. */
export interface FuzzReport {
  seed: number;
  framesSent: number;
  durationMs: number;
  /** The hub process exited during the run (or stopped answering). */
  hubCrashes: number;
  honest: HonestReport;
  /** `VS_INTERNAL` answers to hostile frames. */
  internalAnswers: number;
  /** Errors the hub logged (JSON lines at level error, stack traces, other text on stderr). */
  hubErrorLogs: number;
  /** Milliseconds spent sending the hostile frames (the rest is start-up and settling). */
  hostileMs: number;
  /** Forged resumes welcomed with the id they claimed (the hub's, an honest link's, another's, an unknown one). */
  idThefts: number;
  /** Pool sockets whose hub answers stopped for 10 s. */
  stalls: number;
  examples: { internal: FuzzExample[]; thefts: FuzzExample[]; crash: FuzzExample[] };
  /** How many plans of each shape were sent. */
  kinds: Record<string, number>;
  /** `err` codes answered, by code. */
  errCodes: Record<string, number>;
  /** Closes by the hub (not 1006), as `code shape` → count. */
  closes: Record<string, number>;
}

const MARKER_BASE = 1_000_000_000;
const MAX_FRESH = 16;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const cut = (data: string | Buffer, n = 300): string => {
  const text = typeof data === 'string' ? data : `<binary ${data.length} bytes>`;
  return text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text;
};
const tally = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

interface Sent {
  readonly plan: HostilePlan;
  readonly marker: number;
}

/** Runs the fuzzer once; resolves with its report (it never rejects for what the hub does). */
export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const frames = options.frames ?? 100_000;
  const seed = options.seed ?? 1;
  const progress = options.progress ?? (() => {});
  const started = Date.now();
  const report: FuzzReport = {
    seed,
    framesSent: 0,
    durationMs: 0,
    hubCrashes: 0,
    honest: { acked: 0, lost: 0, refused: 0, mismatches: 0, internalErrors: 0, examples: [] },
    internalAnswers: 0,
    hubErrorLogs: 0,
    hostileMs: 0,
    idThefts: 0,
    stalls: 0,
    examples: { internal: [], thefts: [], crash: [] },
    kinds: {},
    errCodes: {},
    closes: {},
  };
  /** The last plan sent anywhere: what a hub log line or a crash is laid to. */
  let lastPlan: { plan: HostilePlan; frame: string | Buffer } | undefined;
  const stderrTail: string[] = [];
  /** Keeps a few examples, at most two of a shape. */
  const addExample = (list: FuzzExample[], example: FuzzExample) => {
    if (list.length < 20 && list.filter((e) => e.kind === example.kind).length < 2) list.push(example);
  };

  const hub = await HubChild.start((line) => {
    stderrTail.push(line);
    if (stderrTail.length > 40) stderrTail.shift();
    let entry: { level?: string; message?: string } | undefined;
    try {
      entry = JSON.parse(line);
    } catch {
      entry = undefined;
    }
    // A JSON log line at level error, or any other text (a stack trace): the hub failed inside.
    if (entry?.level === 'error' || (entry === undefined && /\S/.test(line) && !/^\s+at /.test(line))) {
      report.hubErrorLogs++;
      addExample(report.examples.internal, {
        kind: `${lastPlan?.plan.kind ?? '(before any frame)'} (the last frame sent before the log line)`,
        frame: cut(lastPlan?.frame ?? ''),
        answer: `hub log: ${cut(line, 400)}`,
      });
    }
  });

  const rng = mulberry32(seed);
  const honest = await HonestSide.start(hub, mulberry32(seed ^ 0x5eed));
  const hostileIds: string[] = [];
  let hubId = honest.writer.hubId;
  const targets: FuzzTargets = {
    get hubId() {
      return hubId;
    },
    honestIds: [honest.writer.instanceId, honest.reader.instanceId],
    honestFqns: HONEST_FQNS,
    hostileIds,
  };

  /** Notes an answer of the hub to a hostile frame. */
  const onAnswer = (plan: HostilePlan | undefined, message: { t?: string; code?: string; id?: string; hub?: string }) => {
    if (message?.t === 'welcome') {
      if (message.id) hostileIds.push(message.id);
      if (hostileIds.length > 64) hostileIds.shift();
      if (message.hub) hubId = message.hub;
      if (plan?.claimed !== undefined && message.id === plan.claimed) {
        report.idThefts++;
        addExample(report.examples.thefts, { kind: plan.kind, frame: cut(plan.frames[0]), answer: cut(JSON.stringify(message)) });
      }
    }
    if (message?.t !== 'err' || typeof message.code !== 'string') return;
    tally(report.errCodes, message.code);
    if (message.code === 'VS_INTERNAL') {
      report.internalAnswers++;
      addExample(report.examples.internal, {
        kind: plan?.kind ?? '(unknown)',
        frame: cut(plan?.frames.find((f) => typeof f === 'string') ?? ''),
        answer: cut(JSON.stringify(message)),
      });
    }
  };
  /** Notes every message of a frame the hub sent. */
  const onFrame = (plan: HostilePlan | undefined, text: string) => {
    let messages: unknown;
    try {
      messages = JSON.parse(text);
    } catch {
      return;
    }
    if (Array.isArray(messages)) for (const message of messages) onAnswer(plan, message);
  };

  // ---- welcomed sockets: frames, each followed by a ping marker that tells whose answers are whose ----

  let markers = MARKER_BASE;
  class PoolSocket {
    ws!: WebSocket;
    open!: Promise<boolean>;
    /** The plans sent on the current socket whose marker has not come back. */
    inFlight: Sent[] = [];
    lastProgress = Date.now();
    constructor(readonly slot: number) {
      this.connect();
    }
    connect(): void {
      this.ws = new WebSocket(hub.url);
      const inFlight: Sent[] = (this.inFlight = []);
      const ws = this.ws;
      this.open = new Promise((resolve) => {
        ws.on('error', () => resolve(false));
        ws.on('close', (code) => {
          resolve(false);
          const plan = inFlight[0]?.plan ?? inFlight.at(-1)?.plan;
          // 1006: the fuzzer cut the socket itself (or the hub vanished); only the hub's closes are tallied.
          if (code !== 1006) tally(report.closes, `${code} ${plan?.kind.split(':')[0] ?? '(hello)'}`);
        });
        ws.on('open', () =>
          ws.send(
            JSON.stringify([
              { t: 'hello', versions: [1], attributes: { appName: 'fuzz-hostile', identity: `fz${this.slot}` }, takeover: true },
            ]),
          ),
        );
        ws.on('message', (data, binary) => {
          const text = binary ? '' : data.toString();
          if (text.startsWith('[{"t":"welcome"')) resolve(true);
          this.lastProgress = Date.now();
          let messages: unknown;
          try {
            messages = JSON.parse(text);
          } catch {
            return;
          }
          if (!Array.isArray(messages)) return;
          // Answers before a marker's pong belong to the plan that marker closes.
          for (const message of messages as { t?: string; n?: number }[]) {
            if (message?.t === 'pong' && typeof message.n === 'number' && message.n >= MARKER_BASE) {
              while (inFlight.length > 0 && inFlight[0].marker <= message.n) inFlight.shift();
            } else onAnswer(inFlight[0]?.plan, message);
          }
        });
      });
    }
    /** Sends a plan's frames and its marker, once the socket is welcomed and not too far behind. */
    async send(plan: HostilePlan): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        if (hub.exit || attempt > 20) return;
        if (this.ws.readyState === WebSocket.CLOSING || this.ws.readyState === WebSocket.CLOSED) {
          await sleep(attempt * 5);
          this.connect();
        }
        if (!(await this.open) || this.ws.readyState !== WebSocket.OPEN) continue;
        const waitFrom = Date.now();
        while (this.ws.readyState === WebSocket.OPEN && (this.inFlight.length > 32 || this.ws.bufferedAmount > 4 * 1024 * 1024)) {
          if (Date.now() - Math.max(waitFrom, this.lastProgress) > 10_000) {
            report.stalls++;
            this.ws.terminate();
          }
          await sleep(1);
        }
        if (this.ws.readyState === WebSocket.OPEN) break;
      }
      for (const frame of plan.frames) {
        if (this.ws.readyState !== WebSocket.OPEN) break;
        this.ws.send(frame);
        report.framesSent++;
        lastPlan = { plan, frame };
      }
      const marker = markers++;
      this.inFlight.push({ plan, marker });
      if (this.ws.readyState === WebSocket.OPEN) this.ws.send(`[{"t":"ping","n":${marker}}]`);
    }
    close(): void {
      this.ws.terminate();
    }
  }

  // ---- fresh sockets: a first frame, a bad hello, a forged resume ----

  const fresh = new Set<Promise<void>>();
  const sendFresh = (plan: HostilePlan): Promise<void> =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(hub.url);
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        ws.terminate();
        resolve();
      };
      const timer = setTimeout(end, 300);
      ws.on('error', end);
      ws.on('message', (data, binary) => onFrame(plan, binary ? '' : data.toString()));
      ws.on('close', (code) => {
        if (code !== 1006) tally(report.closes, `${code} ${plan.kind.split(':')[0]}`);
        end();
      });
      ws.on('open', () => {
        for (const frame of plan.frames) {
          if (ws.readyState !== WebSocket.OPEN) break;
          ws.send(frame);
          report.framesSent++;
          lastPlan = { plan, frame };
        }
      });
    });

  const pool = Array.from({ length: options.sockets ?? 4 }, (_, slot) => new PoolSocket(slot));
  honest.run();
  const hostileStart = Date.now();
  let plans = 0;
  while (report.framesSent < frames && !hub.exit) {
    const plan = planHostile(rng, targets);
    tally(report.kinds, plan.kind);
    if (plan.socket === 'pool') {
      await pool[rng.int(pool.length)].send(plan);
    } else {
      while (fresh.size >= MAX_FRESH) await Promise.race(fresh);
      const sending: Promise<void> = sendFresh(plan).then(() => void fresh.delete(sending));
      fresh.add(sending);
    }
    if (++plans % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (plans % 2000 === 0) progress(`${report.framesSent} frames sent`);
  }
  await Promise.all(fresh);
  report.hostileMs = Date.now() - hostileStart;
  // Let the hub answer what is in flight, then prove it still serves.
  const settleUntil = Date.now() + 10_000;
  while (pool.some((s) => s.ws.readyState === WebSocket.OPEN && s.inFlight.length > 0) && Date.now() < settleUntil && !hub.exit)
    await sleep(10);
  for (const socket of pool) socket.close();
  report.honest = await honest.finish();
  const serves = !hub.exit && (await welcomes(hub.url));
  if (hub.exit || !serves) {
    report.hubCrashes = 1;
    addExample(report.examples.crash, {
      kind: lastPlan?.plan.kind ?? '',
      frame: cut(lastPlan?.frame ?? ''),
      answer: hub.exit
        ? `exit ${hub.exit.code ?? hub.exit.signal}: ${stderrTail.join('\n').slice(-1500)}`
        : 'the hub no longer welcomes a hello within 5 s',
    });
  }
  await hub.stop();
  report.durationMs = Date.now() - started;
  return report;
}

/** Whether a hub at `url` still answers a hello with a welcome (within 5 s). */
function welcomes(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const end = (ok: boolean) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(ok);
    };
    const timer = setTimeout(() => end(false), 5_000);
    ws.on('error', () => end(false));
    ws.on('open', () => ws.send('[{"t":"hello","versions":[1]}]'));
    ws.on('message', (data) => end(data.toString().startsWith('[{"t":"welcome"')));
  });
}
