// The namespace tree is the registry (the seed's walk-through): create a namespace, intern a
// var, resolve it by its FQN string (what travels on the wire), create one on demand with
// defonce, swap a value, and await a var that another part of the program creates later.
// Run: node --import tsx examples/registry.ts
import { Space } from '../src/index.js';

const space = new Space();
space.events$('ui.>').subscribe((event) => console.log(`event: ${event.type} ${'fqn' in event ? event.fqn : event.ns}`));

// create-ns + intern: a stable identity (the FQN) holding a value
const buttons = space.createNs('ui.buttons');
const button = buttons.intern('button-423', { pressed: false });
console.log(`interned ${button.fqn} = ${JSON.stringify(button.deref())}`);

// resolve: the whole "registry lookup" is a map from FQN string to var
const found = space.resolve<{ pressed: boolean }>('ui.buttons/button-423');
console.log(`resolve('ui.buttons/button-423') is the same var: ${found === button}`);
console.log(`resolve('ui.buttons/button-999') is ${space.resolve('ui.buttons/button-999')}`);

// ensure on demand (the seed's ensure-atom!): defonce creates only if absent or unbound
const server = space.defonce('remote.connections/server', () => ({ status: 'idle' }));
space.defonce('remote.connections/server', () => ({ status: 'ignored: already bound' }));
console.log(`defonce keeps the first value: ${server.deref().status}`);

// swap: a pure function of the old value
button.swap((old) => ({ ...old, pressed: true }));
console.log(`after swap: ${JSON.stringify(found?.deref())}, version ${button.version}`);

// await: resolves when another part of the program interns the var
const waiting = space.await<boolean>('workers/ready', { timeoutMs: 1000 });
setTimeout(() => space.intern('workers/ready', true), 10);
const ready = await waiting;
console.log(`awaited ${ready.fqn} = ${ready.deref()}`);
