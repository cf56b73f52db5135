// Helper (not a suite): one session of each named peer (bench/processes/peers.ts), a few bursts each.
// `node --import tsx bench/processes/probe-peers.ts [peer,peer,...] [rounds] [reps]`
import { burst, burstLine } from './burst.js';
import { Child } from './ipc.js';
import { serverOf, type Peer } from './peers.js';

const [list = 'socketio,yjs,yjs-round,tinybase,tinybase-round', rounds = '50', reps = '3'] = process.argv.slice(2);
for (const peer of list.split(',') as Peer[]) {
  const server = new Child(serverOf(peer), {});
  const reader = new Child('peer-reader', {});
  const writer = new Child('peer-writer', {});
  try {
    const url: string = await server.call('url');
    await writer.call('connect', { peer, url, vars: 1000 });
    await reader.call('connect', { peer, url });
    for (let rep = 0; rep < Number(reps); rep++)
      console.log(burstLine(peer, await burst({ writer, server, reader }, 1000, Number(rounds))));
  } catch (error) {
    console.log(`${peer}: failed: ${(error as Error).message}`);
  } finally {
    await writer.call('close').catch(() => undefined);
    await reader.call('close').catch(() => undefined);
    await Promise.all([writer.stop(), reader.stop(), server.stop()]);
  }
}
