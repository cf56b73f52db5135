import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Space, connect, fileStore, startHub } from '../../src/index.js';

test('a hub restarted on its data does not bring back instances that are gone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'varspace-presence-'));
  try {
    const first = await startHub({ port: 0, store: await fileStore(dir) });
    const link = await connect(first.url, { space: new Space(), reconnect: false });
    await link.set('app/x', 1);
    const id = link.instanceId;
    expect(first.space.resolve(`$sys.instances/${id}`)).toBeDefined();
    await first.close(); // the hub goes away without the goodbye the link would have sent
    await link.close();

    const second = await startHub({ port: 0, store: await fileStore(dir) });
    try {
      expect(second.space.resolve('app/x')!.deref()).toBe(1);
      expect(second.space.match('$sys.instances/*')).toEqual([]);
      const watcher = await connect(second.url, { space: new Space() });
      await watcher.follow('$sys.instances/*').synced;
      const seen = watcher.space.match('$sys.instances/*').map((v) => v.fqn);
      expect(seen).toEqual([`$sys.instances/${watcher.instanceId}`]);
      await watcher.close();
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
