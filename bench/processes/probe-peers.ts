// Helper (not a suite): one session of each named peer (bench/processes/peers.ts), a few bursts each.
// `node --import tsx bench/processes/probe-peers.ts [peer,peer,...] [rounds] [reps]`
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
    for (let rep = 0; rep < Number(reps); rep++) {
      const total = 1000 * Number(rounds);
      const cpu0 = await Promise.all([writer.call('cpu'), server.call('cpu'), reader.call('cpu')]);
      await reader.call('arm', { vars: 1000, total });
      const sent = await writer.call('burst', { rounds: Number(rounds) });
      const got = await reader.call('wait', { timeoutMs: 60_000 });
      const cpu1 = await Promise.all([writer.call('cpu'), server.call('cpu'), reader.call('cpu')]);
      const us = cpu1.map((c, k) => (((c - cpu0[k]) * 1000) / got.received).toFixed(2));
      console.log(`${peer}: ${Math.round((got.received / (got.tDone - sent.t0)) * 1000)} /s, ${got.received} received in ${(got.tDone - sent.t0).toFixed(0)} ms (writes took ${(sent.t1 - sent.t0).toFixed(0)} ms); CPU µs per delivery: writer ${us[0]}, server ${us[1]}, reader ${us[2]}`);
    }
  } catch (error) {
    console.log(`${peer}: failed: ${(error as Error).message}`);
  } finally {
    await writer.call('close').catch(() => undefined);
    await reader.call('close').catch(() => undefined);
    await Promise.all([writer.stop(), reader.stop(), server.stop()]);
  }
}
