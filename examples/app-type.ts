// App types (the seed's three layers): an app type is the contract of a kind of process
// (`dashboard-server` has `app-state` and `user-prefs`), an instance is one running process
// (a UUID), and instantiate interns the typed, validated vars of one of them. Local names are
// this process's own nicknames for other instances.
// Run: node --import tsx examples/app-type.ts
import { z } from 'zod';
import { LocalNames, Space, createInstance, defineAppType, instantiate } from '../src/index.js';

const DashboardServer = defineAppType('dashboard-server', {
  'app-state': z.object({ status: z.enum(['starting', 'up', 'down']), clients: z.number().int().nonnegative() }),
  'user-prefs': z.object({ theme: z.enum(['light', 'dark']), pageSize: z.number().int().min(10).max(100) }),
});
console.log(`app type ${DashboardServer.name}: ${Object.keys(DashboardServer.resources).join(', ')}`);

const me = createInstance({ processType: 'node', appName: 'Dashboard', appType: DashboardServer.name, identity: 'dashboard-prod' });
console.log(`instance id is a UUID: ${/^[0-9a-f-]{36}$/.test(me.instanceId)}; identity ${me.attributes.identity}`);

const space = new Space();
const app = instantiate(space, DashboardServer, `apps.${me.attributes.identity}`, {
  'app-state': { status: 'starting', clients: 0 },
  'user-prefs': { theme: 'dark', pageSize: 25 },
});
console.log(
  `interned ${space
    .match('apps.>')
    .map((v) => v.fqn)
    .join(', ')}`,
);

app['app-state'].swap((s) => ({ ...s, status: 'up', clients: s.clients + 1 }));
console.log(`app-state: ${JSON.stringify(app['app-state'].deref())}`);

try {
  app['user-prefs'].reset({ theme: 'dark', pageSize: 1000 });
} catch (error) {
  console.log(`refused: ${(error as Error).message}`);
}
console.log(`user-prefs unchanged: ${JSON.stringify(app['user-prefs'].deref())}`);

try {
  createInstance({ appName: 'x', colour: 'red' } as never);
} catch (error) {
  console.log(`refused: ${(error as Error).message}`);
}

const names = new LocalNames();
names.set('prod', me.instanceId);
console.log(`local name prod -> this instance: ${names.get('prod') === me.instanceId}`);
