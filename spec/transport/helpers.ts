import type { Transport } from '../../src/transport/transport.js';

/** What a test listener has seen so far. */
export interface Recorder {
  frames: string[];
  closes: Array<[number, string]>;
  drains: number;
  /** Resolves once `frames.length >= n` (rejects after `ms`). */
  frameCount(n: number, ms?: number): Promise<void>;
  /** Resolves with the first close (rejects after `ms`). */
  closed(ms?: number): Promise<[number, string]>;
}

/** Calls `transport.listen` with handlers that record everything. */
export function record(transport: Transport): Recorder {
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const rec: Recorder = {
    frames: [],
    closes: [],
    drains: 0,
    frameCount: (n, ms = 5000) => until(() => rec.frames.length >= n, waiters, ms, `${n} frames (have ${rec.frames.length})`),
    closed: async (ms = 5000) => {
      await until(() => rec.closes.length > 0, waiters, ms, 'close');
      return rec.closes[0]!;
    },
  };
  transport.listen({
    frame: (f) => {
      rec.frames.push(f);
      wake();
    },
    close: (code, reason) => {
      rec.closes.push([code, reason]);
      wake();
    },
    drain: () => {
      rec.drains++;
      wake();
    },
  });
  return rec;
}

function until(cond: () => boolean, waiters: Array<() => void>, ms: number, what: string): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    const check = (): void => {
      if (cond()) {
        clearTimeout(timer);
        resolve();
      } else waiters.push(check);
    };
    waiters.push(check);
  });
}

/** Lets pending microtasks and one macrotask turn run. */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
