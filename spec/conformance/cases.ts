/**
 * The conformance suite: cases over varspace's public API, written once and run unchanged in
 * Node (conformance.spec.ts), in a `worker_threads` Worker linked to the main thread over a
 * `MessagePort` (worker.ts), and in headless Chromium (the page loads the browser bundle and
 * connects over the native `WebSocket`).
 *
 * This module imports nothing of varspace: the library comes in as `env.api` (the Node entry,
 * or the browser bundle's module). It imports only `zod` and `rxjs`, the library's peers, which
 * an app brings along; esbuild bundles them into the page's copy of this file.
 */
import { of } from 'rxjs';
import { z } from 'zod';
import type * as BrowserApi from '../../src/browser.js';
import type { Transport } from '../../src/browser.js';

/** The public API the cases use: the browser entry's exports (the Node entry has all of them but the browser's own persister). */
export type ConformanceApi = Omit<typeof BrowserApi, 'indexedDbPersister'>;

/** Where a run happens and how it reaches a hub. */
export interface ConformanceEnv {
  /** The library, as this runtime imports it. */
  readonly api: ConformanceApi;
  /** Name of the runtime, for reports (`node`, `worker`, `chromium`). */
  readonly runtime: string;
  /** A hub's WebSocket URL; used by link cases unless `transport` is given. */
  readonly hubUrl?: string;
  /** Opens a new transport to a hub (e.g. a `MessagePort` the main thread's hub accepted). */
  readonly transport?: () => Promise<Transport>;
}

/** One case: a name, a group (what part of the API it covers), and a check that throws when it fails. */
export interface ConformanceCase {
  readonly group: string;
  readonly name: string;
  run(env: ConformanceEnv): Promise<void>;
}

/** How one case went. */
export interface CaseResult {
  readonly group: string;
  readonly name: string;
  readonly passed: boolean;
  readonly ms: number;
  readonly error?: string;
}

// ---- a tiny assert of our own (no test framework runs in a worker or a page) ----

/** Thrown by the assertions below. */
export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => (v === undefined ? '<undefined>' : typeof v === 'function' ? `<function ${v.name}>` : v));
  } catch {
    return String(value);
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && isDeepEqual((a as never)[key], (b as never)[key]));
}

function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

function equal(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepEqual(actual, expected)) throw new AssertionFailed(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? ((error as { code?: string }).code ?? undefined) : undefined;
}

function throwsCode(fn: () => unknown, code: string, what: string): unknown {
  try {
    fn();
  } catch (error) {
    equal(errorCode(error), code, `${what}: error code (${(error as Error)?.message})`);
    return error;
  }
  throw new AssertionFailed(`${what}: expected a throw with code ${code}`);
}

async function rejectsCode(promise: Promise<unknown>, code: string, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    equal(errorCode(error), code, `${what}: error code (${(error as Error)?.message})`);
    return error;
  }
  throw new AssertionFailed(`${what}: expected a rejection with code ${code}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; fails after `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new AssertionFailed(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Subscribes and records every value. */
function record<T>(source: { subscribe(observer: (value: T) => void): { unsubscribe(): void } }) {
  const values: T[] = [];
  const subscription = source.subscribe((value) => values.push(value));
  return { values, stop: () => subscription.unsubscribe() };
}

/** A namespace prefix unique to this run, so runtimes sharing one hub never meet. */
const runId = `r${Math.random().toString(36).slice(2, 10)}`;

type Link = Awaited<ReturnType<ConformanceApi['connect']>>;

async function openLink(env: ConformanceEnv, space: InstanceType<ConformanceApi['Space']>, role: string): Promise<Link> {
  const target = env.transport ?? env.hubUrl;
  if (target === undefined) throw new AssertionFailed('this environment gives neither hubUrl nor transport');
  return env.api.connect(target, { space, attributes: { processType: env.runtime, appName: 'conformance', role }, reconnect: false });
}

/** Two links to the hub, each with its own space; closed after `body`. */
async function withTwoLinks(env: ConformanceEnv, body: (a: Link, b: Link) => Promise<void>): Promise<void> {
  const { Space } = env.api;
  const a = await openLink(env, new Space(), 'writer');
  let b: Link | undefined;
  try {
    b = await openLink(env, new Space(), 'reader');
    await body(a, b);
  } finally {
    await a.close();
    await b?.close();
  }
}

// ---- the cases ----

const NAME = 'VS_BAD_NAME';

/** Every case, in order. */
export const cases: ConformanceCase[] = [
  // names
  {
    group: 'names',
    name: 'parseFqn splits namespace, name and tokens',
    async run({ api }) {
      const parsed = api.parseFqn('ui.buttons/button-423');
      equal([parsed.ns, parsed.name, parsed.tokens], ['ui.buttons', 'button-423', ['ui', 'buttons', 'button-423']], 'parsed');
      equal(api.parseNs('a.b_c.d'), ['a', 'b_c', 'd'], 'parseNs');
    },
  },
  {
    group: 'names',
    name: 'bad names throw NameError (VS_BAD_NAME) naming the problem',
    async run({ api }) {
      const space = new api.Space();
      for (const bad of ['noslash', 'a..b/c', 'a/b c', 'a/', '/x', 'a/b/c', 'ui.*/x', 'a.__proto__/x', 'a/constructor', 'é/x']) {
        const error = throwsCode(() => space.intern(bad), NAME, `intern(${JSON.stringify(bad)})`);
        ok(error instanceof api.NameError && error instanceof api.VarspaceError, `${bad}: a NameError`);
      }
      equal(space.stats().vars, 0, 'nothing was created');
    },
  },
  {
    group: 'names',
    name: '$-names are reserved for the system',
    async run({ api }) {
      const space = new api.Space();
      const error = throwsCode(() => space.intern('$sys.instances/x', 1), 'VS_RESERVED_NAME', 'intern $sys');
      ok(error instanceof api.ReservedNameError, 'a ReservedNameError');
      equal(space.findNs('$sys'), undefined, 'no $sys namespace');
    },
  },
  {
    group: 'patterns',
    name: 'parsePattern accepts wildcards as whole tokens and refuses misplaced ones',
    async run({ api }) {
      equal(api.parsePattern('ui.>').tokens, ['ui', '>'], 'ui.>');
      equal(api.parsePattern('*.buttons/*').tokens, ['*', 'buttons', '*'], '*.buttons/*');
      equal(api.parsePattern('ui.buttons/b1').literal, true, 'literal FQN');
      equal(api.parsePattern('ui.*').literal, false, 'wildcard');
      for (const bad of ['ui*', 'a/>', 'a.>/x', '>.a', 'a.b/c.d', ''])
        throwsCode(() => api.parsePattern(bad), NAME, `parsePattern(${JSON.stringify(bad)})`);
    },
  },
  // intern, resolve, defonce
  {
    group: 'intern',
    name: 'intern creates the var and its namespaces once, and returns the same var',
    async run({ api }) {
      const space = new api.Space();
      const created = space.intern('ui.buttons/b1', 1);
      ok(created instanceof api.Var, 'a Var');
      equal([created.fqn, created.ns, created.name], ['ui.buttons/b1', 'ui.buttons', 'b1'], 'identity');
      ok(space.intern('ui.buttons/b1') === created, 'same object for the same FQN');
      equal(created.deref(), 1, 'value kept');
      const ui = space.findNs('ui');
      ok(ui instanceof api.Namespace, 'ancestor namespace created');
      equal(
        ui.children().map((ns) => ns.name),
        ['ui.buttons'],
        'children',
      );
      equal(
        space
          .findNs('ui.buttons')
          ?.vars()
          .map((v) => v.fqn),
        ['ui.buttons/b1'],
        'vars of the namespace',
      );
    },
  },
  {
    group: 'intern',
    name: 'a var is a BehaviorSubject: reset, swap, version, subscribers',
    async run({ api }) {
      const space = new api.Space();
      const count = space.intern('app/count', 0);
      const seen = record(count);
      equal(count.reset(5), 5, 'reset returns the value');
      equal(
        count.swap((n: number, by: number) => n + by, 2),
        7,
        'swap with args',
      );
      equal(count.resetVals(10), [7, 10], 'resetVals');
      equal(
        count.swapVals((n: number) => n * 2),
        [10, 20],
        'swapVals',
      );
      equal(count.compareAndSet(19, 0), false, 'CAS with a stale value');
      equal(count.compareAndSet(20, 21), true, 'CAS with the current value');
      count.reset(21); // emits even when unchanged
      equal(seen.values, [0, 5, 7, 10, 20, 21, 21], 'every write emitted, current value first');
      equal(count.version, 7, 'version counts accepted writes');
      equal(count.getValue(), 21, 'getValue = deref');
      seen.stop();
    },
  },
  {
    group: 'intern',
    name: 'intern without a value makes an unbound var',
    async run({ api }) {
      const space = new api.Space();
      const later = space.intern<number>('app/later');
      equal([later.bound, later.deref()], [false, undefined], 'unbound, undefined');
      later.reset(3);
      equal([later.bound, later.deref()], [true, 3], 'bound after the first write');
      space.intern('app/later', 4);
      equal(later.deref(), 4, 'intern with a value sets it');
    },
  },
  {
    group: 'resolve',
    name: 'resolve finds a var or gives undefined; unmap makes a new incarnation',
    async run({ api }) {
      const space = new api.Space();
      equal(space.resolve('app/x'), undefined, 'absent');
      const first = space.intern('app/x', 1);
      ok(space.resolve('app/x') === first, 'resolved');
      let completed = false;
      first.subscribe({ complete: () => (completed = true) });
      equal(space.unmap('app/x'), true, 'unmap reports removal');
      equal(space.resolve('app/x'), undefined, 'gone after unmap');
      ok(completed, 'the unmapped var completed');
      throwsCode(() => first.reset(2), 'VS_UNMAPPED', 'write to an unmapped var');
      const second = space.intern('app/x', 2);
      ok(second !== first, 'a new var after unmap');
      throwsCode(() => space.resolve('bad name/x'), NAME, 'resolve a bad FQN');
    },
  },
  {
    group: 'defonce',
    name: 'defonce runs init only when the var is absent or unbound',
    async run({ api }) {
      const space = new api.Space();
      let calls = 0;
      const init = () => ({ status: 'idle', n: ++calls });
      const conn = space.defonce('remote.connections/server', init);
      equal(conn.deref(), { status: 'idle', n: 1 }, 'initialized');
      ok(space.defonce('remote.connections/server', init) === conn, 'same var');
      equal(calls, 1, 'init ran once');
      space.intern('remote.connections/unbound');
      equal(space.defonce('remote.connections/unbound', () => 'set').deref(), 'set', 'an unbound var is initialized');
    },
  },
  // await
  {
    group: 'await',
    name: 'await resolves at once for an existing var, later for a var interned afterwards',
    async run({ api }) {
      const space = new api.Space();
      const existing = space.intern('jobs/a', 1);
      ok((await space.await('jobs/a')) === existing, 'existing var');
      const pending = space.await('jobs/b', { timeoutMs: 2000 });
      setTimeout(() => space.intern('jobs/b', 'here'), 10);
      const arrived = await pending;
      equal([arrived.fqn, arrived.deref()], ['jobs/b', 'here'], 'the var interned later');
    },
  },
  {
    group: 'await',
    name: 'await rejects with TimeoutError (VS_TIMEOUT) or on abort',
    async run({ api }) {
      const space = new api.Space();
      const error = await rejectsCode(space.await('jobs/never', { timeoutMs: 20 }), 'VS_TIMEOUT', 'timeout');
      ok(error instanceof api.TimeoutError, 'a TimeoutError');
      const controller = new AbortController();
      const aborted = space.await('jobs/never', { signal: controller.signal });
      controller.abort();
      const abortError = await rejectsCode(aborted, 'VS_ABORTED', 'abort');
      ok(abortError instanceof api.AbortedError, 'an AbortedError');
    },
  },
  // patterns and vars$
  {
    group: 'patterns',
    name: 'match: * is one token, > is one or more, wildcards are whole tokens',
    async run({ api }) {
      const space = new api.Space();
      for (const fqn of ['ui/x', 'ui.buttons/b1', 'ui.buttons/b2', 'ui.buttons.extra/y', 'ui.a.b/c', 'admin.buttons/b9', 'other/z'])
        space.intern(fqn, 0);
      const fqns = (pattern: string) =>
        space
          .match(pattern)
          .map((v) => v.fqn)
          .sort();
      equal(fqns('ui.>'), ['ui.a.b/c', 'ui.buttons.extra/y', 'ui.buttons/b1', 'ui.buttons/b2', 'ui/x'], 'ui.>');
      equal(fqns('ui.buttons/*'), ['ui.buttons/b1', 'ui.buttons/b2'], 'ui.buttons/*');
      equal(fqns('*.buttons/*'), ['admin.buttons/b9', 'ui.buttons/b1', 'ui.buttons/b2'], '*.buttons/*');
      equal(fqns('ui.buttons/b1'), ['ui.buttons/b1'], 'a literal FQN matches itself');
      equal(fqns('>').length, 7, '> matches every var');
    },
  },
  {
    group: 'patterns',
    name: 'a pattern without "/" matches the whole token list',
    async run({ api }) {
      const space = new api.Space();
      for (const fqn of ['ui/x', 'ui.y/z', 'a.b/c']) space.intern(fqn, 0);
      equal(
        space.match('ui.*').map((v) => v.fqn),
        ['ui/x'],
        'ui.* matches ui/x only',
      );
      equal(
        space.match('a.b.c').map((v) => v.fqn),
        ['a.b/c'],
        'a.b.c matches a.b/c',
      );
      equal(
        space.match('ui.*.*').map((v) => v.fqn),
        ['ui.y/z'],
        'ui.*.*',
      );
    },
  },
  {
    group: 'vars$',
    name: 'vars$ emits the matching vars now, then each one interned later',
    async run({ api }) {
      const space = new api.Space();
      space.intern('ui/a', 1);
      space.intern('server/s', 1);
      const seen = record<{ fqn: string }>(space.vars$('ui.>'));
      space.intern('ui.deep/b', 2);
      space.intern('server/t', 2);
      space.intern('ui/a', 3); // already there: not announced again
      equal(
        seen.values.map((v) => v.fqn),
        ['ui/a', 'ui.deep/b'],
        'existing, then new',
      );
      seen.stop();
      space.intern('ui/c', 4);
      equal(seen.values.length, 2, 'nothing after unsubscribing');
    },
  },
  {
    group: 'vars$',
    name: 'events$ announces namespaces and vars, filtered by pattern',
    async run({ api }) {
      const space = new api.Space();
      const all = record<{ type: string; fqn?: string; ns?: string }>(space.events$());
      const onlyUi = record<{ type: string; fqn?: string; ns?: string }>(space.events$('ui.>'));
      space.intern('ui.b/x', 1);
      space.intern('server/y', 1);
      space.unmap('ui.b/x');
      equal(
        all.values.map((e) => `${e.type} ${e.fqn ?? e.ns}`),
        ['ns-created ui', 'ns-created ui.b', 'var-interned ui.b/x', 'ns-created server', 'var-interned server/y', 'var-unmapped ui.b/x'],
        'all events, in order',
      );
      equal(
        onlyUi.values.filter((e) => e.fqn !== undefined).map((e) => `${e.type} ${e.fqn}`),
        ['var-interned ui.b/x', 'var-unmapped ui.b/x'],
        'var events under ui',
      );
      all.stop();
      onlyUi.stop();
    },
  },
  {
    group: 'vars$',
    name: 'the namespace tree: children, vars, removeNs',
    async run({ api }) {
      const space = new api.Space();
      space.intern('app.a/x', 1);
      space.intern('app.a/y', 2);
      space.intern('app.b/z', 3);
      const app = space.findNs('app');
      ok(app !== undefined, 'app exists');
      equal(
        app
          .children()
          .map((n) => n.name)
          .sort(),
        ['app.a', 'app.b'],
        'children',
      );
      const seen = record<{ fqn: string }>(app.vars$());
      equal(seen.values.map((v) => v.fqn).sort(), ['app.a/x', 'app.a/y', 'app.b/z'], 'vars$ of a namespace covers its subtree');
      seen.stop();
      equal(space.removeNs('app.a'), true, 'removeNs');
      equal([space.resolve('app.a/x'), space.findNs('app.a')], [undefined, undefined], 'subtree gone');
      ok(space.resolve('app.b/z') !== undefined, 'sibling kept');
    },
  },
  // validators and watches
  {
    group: 'validators',
    name: 'a zod validator refuses a write: ValidationError, old value kept, nothing emitted',
    async run({ api }) {
      const space = new api.Space();
      const port = space.intern('cfg/port', 8080);
      port.setValidator(z.number().int().min(1).max(65535));
      const seen = record(port);
      const error = throwsCode(() => port.reset(70000), 'VS_INVALID_VALUE', 'out of range');
      ok(error instanceof api.ValidationError, 'a ValidationError');
      throwsCode(() => port.reset('80' as never), 'VS_INVALID_VALUE', 'a string');
      equal([port.deref(), port.version, seen.values], [8080, 1, [8080]], 'unchanged, no emission, no version bump');
      port.reset(443);
      equal(port.deref(), 443, 'a valid write passes');
      seen.stop();
    },
  },
  {
    group: 'validators',
    name: 'an app type of full zod schemas (the library itself uses zod/mini): instantiate and writes are checked',
    async run({ api }) {
      const space = new api.Space();
      const Dash = api.defineAppType('dash', {
        state: z.object({ status: z.enum(['starting', 'up']) }),
        count: z.number().int().nonnegative(),
      });
      throwsCode(
        () => api.instantiate(space, Dash, 'dash.a', { state: { status: 'down' as never }, count: 0 }),
        'VS_INVALID_VALUE',
        'a bad initial value',
      );
      const app = api.instantiate(space, Dash, 'dash.b', { state: { status: 'starting' }, count: 0 });
      app.state.reset({ status: 'up' });
      const error = throwsCode(() => app.count.reset(-1), 'VS_INVALID_VALUE', 'a bad write') as Error;
      ok(/dash\.b\/count: value refused: .*>=0/.test(error.message), `the schema's own message: ${error.message}`);
      equal([app.state.deref(), app.count.deref()], [{ status: 'up' }, 0], 'kept');
      equal(api.instanceAttributesSchema.safeParse({ colour: 'red' }).success, false, 'the attribute schema of the library still parses');
    },
  },
  {
    group: 'validators',
    name: 'a predicate validator; installing checks the current value; null removes it',
    async run({ api }) {
      const space = new api.Space();
      const name = space.intern('cfg/name', '');
      throwsCode(() => name.setValidator((v: string) => v.length > 0), 'VS_INVALID_VALUE', 'install over a failing value');
      name.reset('ok');
      name.setValidator((v: string) => v.length > 0);
      throwsCode(() => name.reset(''), 'VS_INVALID_VALUE', 'predicate refuses');
      throwsCode(() => space.intern('cfg/name', ''), 'VS_INVALID_VALUE', 'intern with a value runs the validator');
      name.setValidator(null);
      name.reset('');
      equal(name.deref(), '', 'validator removed');
    },
  },
  {
    group: 'validators',
    name: 'watches see old and new; a throwing watch is reported and undoes nothing',
    async run({ api }) {
      const space = new api.Space();
      const errors = record<unknown>(space.errors$);
      const v = space.intern('app/w', 1);
      const calls: unknown[] = [];
      v.addWatch('bad', () => {
        throw new Error('watch failed');
      });
      v.addWatch('log', (key, target, old, value) => calls.push([key, target === v, old, value]));
      v.reset(2);
      v.addWatch('log', (key, _target, old, value) => calls.push(['replaced', old, value]));
      v.reset(3);
      equal(v.removeWatch('log'), true, 'removeWatch');
      v.reset(4);
      equal(
        calls,
        [
          ['log', true, 1, 2],
          ['replaced', 2, 3],
        ],
        'watch calls',
      );
      equal(v.deref(), 4, 'writes kept');
      equal(errors.values.length, 3, 'each throw reported on errors$');
      errors.stop();
    },
  },
  {
    group: 'intern',
    name: 'a completing source does not complete the var',
    async run({ api }) {
      const space = new api.Space();
      const v = space.intern('app/piped', 0);
      of(1, 2, 3).subscribe(v);
      equal([v.deref(), v.isStopped], [3, false], 'value 3, still open');
      v.reset(4);
      equal(v.deref(), 4, 'still writable');
    },
  },
  {
    group: 'intern',
    name: 'transact emits each written var once, and a throw rolls back',
    async run({ api }) {
      const space = new api.Space();
      const a = space.intern('tx/a', 0);
      const b = space.intern('tx/b', 0);
      const seenA = record(a);
      space.transact(() => {
        a.reset(1);
        a.reset(2);
        b.reset(1);
      });
      equal(seenA.values, [0, 2], 'a emitted its final value once');
      try {
        space.transact(() => {
          a.reset(100);
          throw new Error('abort');
        });
      } catch {
        // expected
      }
      equal([a.deref(), seenA.values], [2, [0, 2]], 'rolled back, nothing emitted');
      seenA.stop();
    },
  },
  // ref$ and follow$
  {
    group: 'ref$',
    name: 'ref$ waits for the var and emits only bound values',
    async run({ api }) {
      const space = new api.Space();
      const seen = record(api.ref$<number>('late/v', space));
      equal(seen.values, [], 'nothing before the var exists');
      const v = space.intern<number>('late/v');
      equal(seen.values, [], 'nothing while unbound');
      v.reset(1);
      v.reset(2);
      equal(seen.values, [1, 2], 'bound values');
      seen.stop();
    },
  },
  {
    group: 'ref$',
    name: 'ref$ follows the path across unmap and a new incarnation',
    async run({ api }) {
      const space = new api.Space();
      space.intern('late/p', 'first');
      const seen = record(space.ref$<string>('late/p'));
      space.unmap('late/p');
      space.intern('late/p', 'second');
      space.resolve<string>('late/p')!.reset('third');
      equal(seen.values, ['first', 'second', 'third'], 'values of both incarnations');
      seen.stop();
    },
  },
  {
    group: 'follow$',
    name: 'follow$ emits the values of the var the pointer names, and switches',
    async run({ api }) {
      const space = new api.Space();
      const console = space.intern('log.sinks/console', 'c0');
      const file = space.intern('log.sinks/file', 'f0');
      const target = space.intern('log/target', 'log.sinks/console');
      const seen = record(api.follow$<string>('log/target', space));
      console.reset('c1');
      target.reset('log.sinks/file');
      console.reset('c2'); // no longer followed
      file.reset('f1');
      target.reset('log.sinks/file'); // same pointer: nothing changes
      equal(seen.values, ['c0', 'c1', 'f0', 'f1'], 're-routed');
      seen.stop();
    },
  },
  {
    group: 'follow$',
    name: 'follow$ waits for the target, and reports a pointer holding a bad FQN',
    async run({ api }) {
      const space = new api.Space();
      const errors = record<unknown>(space.errors$);
      const pointer = space.intern('ptr/p', 'bad name');
      const seen = record(api.follow$<number>(pointer, space));
      equal(errors.values.map(errorCode), [NAME], 'bad FQN reported as NameError');
      pointer.reset('later/t');
      equal(seen.values, [], 'the target does not exist yet');
      space.intern('later/t', 42);
      equal(seen.values, [42], 'emits once the target exists');
      seen.stop();
      errors.stop();
    },
  },
  // links through a hub
  {
    group: 'link',
    name: 'share → hub → follow: a var is created on receipt, tagged with the writer',
    async run(env) {
      const ns = `conf.${runId}.share`;
      await withTwoLinks(env, async (writer, reader) => {
        ok(writer.instanceId !== '' && writer.instanceId !== reader.instanceId, 'distinct instance ids from the hub');
        const sensor = writer.space.intern(`${ns}/temp`, 20.5);
        await writer.share(`${ns}.>`).synced;
        const interned = record<{ type: string; fqn?: string; origin?: string }>(reader.space.events$(`${ns}.>`));
        const tagged = record<{ fqn: string; from: string; value: unknown }>(reader.updates$);
        await reader.follow(`${ns}.>`).synced;
        equal(reader.space.resolve(`${ns}/temp`)?.deref(), 20.5, 'snapshot value');
        const event = interned.values.find((e) => e.type === 'var-interned');
        equal(event?.origin, writer.instanceId, 'var-interned carries the writer as origin');
        sensor.reset(21);
        writer.space.intern(`${ns}.later/new`, 'late');
        await eventually(
          () => reader.space.resolve(`${ns}.later/new`)?.deref() === 'late' && reader.space.resolve(`${ns}/temp`)?.deref() === 21,
          'live updates',
        );
        ok(
          tagged.values.length >= 2 && tagged.values.every((t) => t.from === writer.instanceId),
          `every update from the writer: ${show(tagged.values)}`,
        );
        interned.stop();
        tagged.stop();
      });
    },
  },
  {
    group: 'link',
    name: 'link.set resolves with the hub stamp; remote$ and follow into a prefix',
    async run(env) {
      const ns = `conf.${runId}.set`;
      await withTwoLinks(env, async (writer, reader) => {
        const mounted = reader.follow(`${ns}.>`, { into: 'peers.w' });
        await mounted.synced;
        const remote = record<{ value: unknown; from: string; stamp: string }>(reader.remote$(`${ns}/mode`));
        const ack = await writer.set(`${ns}/mode`, { dark: true });
        ok(typeof ack.stamp === 'string' && ack.rev > 0, `ack ${show(ack)}`);
        equal(writer.space.resolve(`${ns}/mode`)?.deref(), { dark: true }, 'set writes locally too');
        await eventually(() => remote.values.length > 0, 'remote$ update');
        equal(
          [remote.values[0].value, remote.values[0].from, remote.values[0].stamp],
          [{ dark: true }, writer.instanceId, ack.stamp],
          'tagged value',
        );
        await eventually(() => reader.space.resolve(`peers.w.${ns}/mode`) !== undefined, 'mounted under peers.w');
        equal(reader.space.resolve(`peers.w.${ns}/mode`)?.deref(), { dark: true }, 'mounted value');
        remote.stop();
        mounted.unsubscribe();
      });
    },
  },
  {
    group: 'link',
    name: 'writes go both ways with sync, and never echo back to the writer',
    async run(env) {
      const ns = `conf.${runId}.sync`;
      await withTwoLinks(env, async (a, b) => {
        await a.sync(`${ns}.>`).synced;
        await b.sync(`${ns}.>`).synced;
        const fromHub = record<{ fqn: string }>(a.updates$);
        a.space.intern(`${ns}/x`, 'from a');
        await eventually(() => b.space.resolve(`${ns}/x`)?.deref() === 'from a', 'a → b');
        b.space.resolve<string>(`${ns}/x`)!.reset('from b');
        await eventually(() => a.space.resolve(`${ns}/x`)?.deref() === 'from b', 'b → a');
        await sleep(30);
        equal(
          fromHub.values.map((t) => t.fqn),
          [`${ns}/x`],
          "a received only b's write, not its own echoed",
        );
        fromHub.stop();
      });
    },
  },
  {
    group: 'link',
    name: 'unsubscribing a follow stops updates; unmap travels as a removal',
    async run(env) {
      const ns = `conf.${runId}.unsub`;
      await withTwoLinks(env, async (writer, reader) => {
        writer.share(`${ns}.>`);
        const v = writer.space.intern(`${ns}/v`, 1);
        writer.space.intern(`${ns}/doomed`, 1);
        const followed = reader.follow(`${ns}.>`);
        await followed.synced;
        await eventually(() => reader.space.resolve(`${ns}/doomed`) !== undefined, 'doomed arrived');
        writer.space.unmap(`${ns}/doomed`);
        await eventually(() => reader.space.resolve(`${ns}/doomed`) === undefined, 'unmap reached the reader');
        followed.unsubscribe();
        v.reset(2);
        await writer.set(`${ns}/other`, 1); // acked by the hub after v's update was routed
        await sleep(30);
        equal(reader.space.resolve(`${ns}/v`)?.deref(), 1, 'no update after unsubscribe');
      });
    },
  },
  {
    group: 'link',
    name: 'the hub publishes instances under $sys.instances, with attributes, and removes them on close',
    async run(env) {
      const { Space } = env.api;
      const watcher = await openLink(env, new Space(), 'watcher');
      try {
        await watcher.follow('$sys.instances/*').synced;
        const own = watcher.space.resolve<{ instanceId: string; attributes: Record<string, string> }>(
          `$sys.instances/${watcher.instanceId}`,
        );
        equal(own?.deref().attributes, { processType: env.runtime, appName: 'conformance', role: 'watcher' }, 'own entry with attributes');
        const visitor = await openLink(env, new Space(), 'visitor');
        const visitorId = visitor.instanceId;
        await eventually(() => watcher.space.resolve(`$sys.instances/${visitorId}`) !== undefined, 'visitor joined');
        equal(watcher.space.resolve<{ instanceId: string }>(`$sys.instances/${visitorId}`)?.deref().instanceId, visitorId, 'instance id');
        await visitor.close();
        await eventually(() => watcher.space.resolve(`$sys.instances/${visitorId}`) === undefined, 'visitor left');
      } finally {
        await watcher.close();
      }
    },
  },
  {
    group: 'link',
    name: 'status$ goes open → closed, and a closed link refuses writes',
    async run(env) {
      const link = await openLink(env, new env.api.Space(), 'short');
      const statuses = record<string>(link.status$);
      equal(statuses.values, ['open'], 'open after connect');
      await link.close();
      equal(statuses.values, ['open', 'closed'], 'closed');
      const error = await rejectsCode(link.set(`conf.${runId}.closed/x`, 1), 'VS_CLOSED', 'set after close');
      ok(error instanceof env.api.ClosedError, 'a ClosedError');
    },
  },
  {
    group: 'events',
    name: 'publish → hub → events$: every event once, in order, tagged with from, stamp and seq; own ones only with self',
    async run(env) {
      const ns = `conf.${runId}.events`;
      await withTwoLinks(env, async (publisher, subscriber) => {
        const seen = record<{ value: unknown; fqn: string; from: string; stamp: string; seq: number }>(subscriber.events$(`${ns}.>`));
        const own = record<{ value: unknown }>(publisher.events$(`${ns}.>`, { self: true }));
        const notOwn = record<{ value: unknown }>(publisher.events$(`${ns}.>`));
        await Promise.all([subscriber.ping(), publisher.ping()]);
        for (let i = 0; i < 99; i++) publisher.publish(`${ns}/tick`, i);
        const ack = await publisher.publish(`${ns}/tick`, 99);
        equal(ack, { seq: 100 }, 'the last event of the channel');
        await eventually(() => seen.values.length === 100 && own.values.length === 100, 'every event at both subscribers');
        equal(
          seen.values.map((e) => e.value),
          Array.from({ length: 100 }, (_, i) => i),
          'values in publish order, nothing coalesced',
        );
        equal(
          seen.values.map((e) => e.seq),
          Array.from({ length: 100 }, (_, i) => i + 1),
          'seqs',
        );
        ok(
          seen.values.every((e) => e.from === publisher.instanceId && e.fqn === `${ns}/tick` && /^[0-9a-f]{16}$/.test(e.stamp)),
          'tagged',
        );
        equal(notOwn.values.length, 0, 'no own events without self');
        equal(subscriber.space.resolve(`${ns}/tick`), undefined, 'a channel is not a var');
        throwsCode(() => publisher.publish('bad name', 1), NAME, 'a bad channel name');
        seen.stop();
        own.stop();
        notOwn.stop();
      });
    },
  },
  {
    group: 'services',
    name: 'request/reply: a reply, a remote error, no responders, a timeout that aborts the handler',
    async run(env) {
      const ns = `conf.${runId}.rpc`;
      await withTwoLinks(env, async (server, client) => {
        let aborted = false;
        await server.serve<number, number>(`${ns}/double`, ({ value, from }) => {
          equal(from, client.instanceId, 'tagged with the requester');
          return value * 2;
        }).ready;
        await server.serve(`${ns}/fail`, () => {
          throw Object.assign(new Error('nope'), { code: 'E_NOPE' });
        }).ready;
        await server.serve(
          `${ns}/slow`,
          (_request, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve((aborted = true)))),
        ).ready;
        equal(await client.request(`${ns}/double`, 21), 42, 'the reply');
        const remote = await rejectsCode(client.request(`${ns}/fail`), 'VS_REMOTE', 'a handler that throws');
        ok(remote instanceof env.api.RemoteError && remote.remoteCode === 'E_NOPE' && remote.message === 'nope', 'code and message cross');
        await rejectsCode(client.request(`${ns}/nobody`, 1), 'VS_NO_RESPONDERS', 'nobody serves it');
        await rejectsCode(client.request(`${ns}/slow`, 1, { timeoutMs: 30 }), 'VS_TIMEOUT', 'no reply in time');
        await eventually(() => aborted, "the handler's signal aborted");
      });
    },
  },
  {
    group: 'events',
    name: 'toChannel publishes each value and passes it on; fromEvents follows a pattern',
    async run(env) {
      const ns = `conf.${runId}.ops`;
      const { fromEvents, toChannel } = env.api;
      await withTwoLinks(env, async (publisher, subscriber) => {
        const seen = record<{ value: unknown }>(fromEvents(subscriber, `${ns}/*`));
        await subscriber.ping();
        const passed = record<number>(of(1, 2, 3).pipe(toChannel<number>(publisher, `${ns}/click`)));
        equal(passed.values, [1, 2, 3], 'values passed on');
        await eventually(() => seen.values.length === 3, 'the three events');
        equal(
          seen.values.map((e) => e.value),
          [1, 2, 3],
          'events',
        );
        seen.stop();
      });
    },
  },
  {
    group: 'services',
    name: 'request/reply: a queue group takes turns; withdrawing answers what is in flight; ClosedError when the server leaves',
    async run(env) {
      const ns = `conf.${runId}.group`;
      await withTwoLinks(env, async (a, client) => {
        const b = await openLink(env, new env.api.Space(), 'server-b');
        try {
          await a.serve(`${ns}/who`, () => 'a').ready;
          await b.serve(`${ns}/who`, () => 'b').ready;
          const replies = [await client.request(`${ns}/who`), await client.request(`${ns}/who`)];
          equal([...replies].sort(), ['a', 'b'], 'one request each');
          let release: (value: string) => void = () => {};
          const slow = a.serve(`${ns}/slow`, () => new Promise<string>((resolve) => (release = resolve)));
          await slow.ready;
          const pending = client.request(`${ns}/slow`);
          await client.ping();
          await a.ping();
          slow.unsubscribe();
          await a.ping();
          await rejectsCode(client.request(`${ns}/slow`), 'VS_NO_RESPONDERS', 'withdrawn');
          release('answered');
          equal(await pending, 'answered', 'in flight still answers');
          await b.serve(`${ns}/hang`, () => new Promise(() => {})).ready;
          const hanging = client.request(`${ns}/hang`, 1, { timeoutMs: 60_000 });
          await client.ping();
          await b.close();
          await rejectsCode(hanging, 'VS_CLOSED', 'the serving instance left');
        } finally {
          await b.close();
        }
      });
    },
  },
];

/**
 * Runs the cases one after the other (each with a 10 s limit) and reports each.
 * @param only - run only cases whose name includes this text.
 */
export async function runCases(env: ConformanceEnv, only?: string): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const conformanceCase of cases) {
    if (only !== undefined && !conformanceCase.name.includes(only)) continue;
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        conformanceCase.run(env),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new AssertionFailed('case timed out after 10 s')), 10_000))),
      ]);
      results.push({ group: conformanceCase.group, name: conformanceCase.name, passed: true, ms: Date.now() - started });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ group: conformanceCase.group, name: conformanceCase.name, passed: false, ms: Date.now() - started, error: message });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}
