import type { TrafficCounters } from './traffic-series.js';

/**
 * Reads the hub's `GET /stats` every `intervalMs` (the page's own origin) and hands each answer to
 * `onStats` with the time it came. A failed read is skipped (the hub may be restarting). One read
 * at a time.
 *
 * @returns a function that stops polling.
 * @example const stop = pollStats('/stats', 1000, (stats, time) => series.add(stats, time));
 */
export function pollStats(url: string, intervalMs: number, onStats: (stats: TrafficCounters, time: number) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const read = async (): Promise<void> => {
    try {
      const response = await fetch(url, { cache: 'no-store' });
      if (response.ok) onStats((await response.json()) as TrafficCounters, Date.now());
    } catch {
      // skipped: the next read tries again
    }
    if (!stopped) timer = setTimeout(read, intervalMs);
  };
  void read();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
