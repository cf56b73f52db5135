// Re-routing a log handler by re-pointing a var (the seed's log-routing use of follow$): each
// sink var holds a handler, `log/route` holds the FQN of the active sink, and the logger uses
// whatever handler the route points at. Re-pointing is a plain var write; so is replacing a
// sink's handler.
// Run: node --import tsx examples/pointer.ts
import { Space, follow$ } from '../src/index.js';

type Handler = (line: string) => void;
const space = new Space();

const memory: string[] = [];
space.intern<Handler>('log.sinks/console', (line) => console.log(`[console] ${line}`));
space.intern<Handler>('log.sinks/memory', (line) => memory.push(line));
const route = space.intern('log/route', 'log.sinks/console');

let handler: Handler = () => {};
const routing = follow$<Handler>('log/route', space).subscribe((next) => (handler = next));
const log = (line: string) => handler(line);

log('starting');
route.reset('log.sinks/memory');
log('quiet line 1');
log('quiet line 2');
route.reset('log.sinks/console');
log(`memory sink holds ${memory.length} lines: ${memory.join(' | ')}`);

// replacing the handler inside the routed sink takes effect at once
space.resolve<Handler>('log.sinks/console')!.reset((line) => console.log(`[console v2] ${line}`));
log('after replacing the console handler');

// a route to a sink that does not exist yet waits for it (the old handler stays meanwhile)
route.reset('log.sinks/remote');
log('still on the old handler');
space.intern<Handler>('log.sinks/remote', (line) => console.log(`[remote] ${line}`));
log('remote sink is up');

routing.unsubscribe();
console.log(`listeners left after unsubscribe: ${space.stats().listeners}`);
