// Soak hub: `startHub` (this build's, or SOAK_DIST's) with its default limits and heartbeat in its own process, measuring itself
// — event-loop delay (a 10 ms histogram) and RSS (sampled every 20 ms) during the load, and RSS
// idle and after settling (with a full gc: `--expose-gc` is turned on from here, so the runner
// needs no node flags).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { serve, sleep } from './ipc.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// SOAK_DIST: another build's dist/ directory (e.g. main's), to measure its hub in the same run.
const dist = process.env.SOAK_DIST ? pathToFileURL(`${process.env.SOAK_DIST}/index.js`).href : '../../dist/index.js';
const { startHub } = (await import(dist)) as typeof import('../../dist/index.js');
const hub = await startHub({ port: 0, host: '127.0.0.1' });
const delay = monitorEventLoopDelay({ resolution: 10 });
let peak = 0;
let sampler: ReturnType<typeof setInterval> | undefined;
const rss = () => process.memoryUsage.rss();
let peakMemory = '';
let peakHeap = 0;

/** Where the memory is (MB): V8 heap used and total, external, array buffers. */
function memory(): string {
  const m = process.memoryUsage();
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return `heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, external ${mb(m.external)}, buffers ${mb(m.arrayBuffers)} MB`;
}

/** RSS once the garbage is collected (twice: the first collection frees what finalizers held). */
async function settledRss(): Promise<number> {
  gc();
  await sleep(50);
  gc();
  return rss();
}

serve({
  url: () => hub.url,
  stats: () => hub.stats(),
  idleRss: async () => ({ rss: await settledRss(), memory: memory() }),
  /** Starts measuring the load. */
  start() {
    delay.reset();
    delay.enable();
    peak = rss();
    let n = 0;
    sampler = setInterval(() => {
      peak = Math.max(peak, rss());
      if (++n % 10 !== 0) return;
      const heap = process.memoryUsage().heapTotal;
      if (heap > peakHeap) {
        peakHeap = heap;
        peakMemory = memory();
      }
    }, 20);
    return null;
  },
  /** Stops measuring; the loop delay in ms and the peak RSS. */
  stop() {
    delay.disable();
    clearInterval(sampler);
    const ms = (ns: number) => ns / 1e6;
    return {
      p50: ms(delay.percentile(50)),
      p99: ms(delay.percentile(99)),
      max: ms(delay.max),
      peak,
      peakMemory,
      connections: hub.stats().connections,
    };
  },
  /** Waits `ms`, then the RSS after a gc. */
  async settle(params) {
    await sleep(params.ms);
    return { rss: await settledRss(), memory: memory(), connections: hub.stats().connections };
  },
});
