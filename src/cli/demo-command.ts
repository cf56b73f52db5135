import { Space } from '../core/space.js';
import { serveExamples } from '../hub/inspector/serve-examples.js';
import { connect } from '../sync/connect-node.js';
import { hubCommand, type HubCommandOptions } from './hub-command.js';

/**
 * `varspace demo`: a hub with its live inspector, and a demo writer (another instance, linked
 * over a real WebSocket) updating a clock, a counter and five sensors; it also serves the example
 * pages (`/examples/offline-todo/`). Resolves with a stop function.
 */
export async function demoCommand(options: HubCommandOptions, log: (line: string) => void): Promise<() => Promise<void>> {
  const hub = await hubCommand({ serve: serveExamples, ...options }, log);
  const space = new Space();
  const link = await connect(hub.url, { space, attributes: { processType: 'node', appName: 'demo-writer', role: 'writer' } });
  const clock = space.intern('demo.clock/now', new Date().toISOString());
  const ticks = space.intern('demo.counters/ticks', 0);
  const sensors = Array.from({ length: 5 }, (_, i) => space.intern(`demo.sensors/temp-${i + 1}`, 20 + i));
  link.share('demo.>');
  const timers = [
    setInterval(() => clock.reset(new Date().toISOString()), 1000),
    setInterval(() => {
      ticks.swap((n) => n + 1);
      for (const sensor of sensors) sensor.swap((t) => Math.round((t + (Math.random() - 0.5)) * 10) / 10);
    }, 500),
  ];
  log(`inspector: ${hub.httpUrl}/   (demo writer ${link.instanceId} is updating demo.>; Ctrl-C stops)`);
  log(`offline todo example: ${hub.httpUrl}/examples/offline-todo/`);
  return async () => {
    for (const timer of timers) clearInterval(timer);
    await link.close();
    await hub.close();
  };
}
