import { jest } from '@jest/globals';
import { config, firstValueFrom, take, toArray } from 'rxjs';
import {
  AbortedError,
  NameError,
  ReservedNameError,
  Space,
  TimeoutError,
  ValidationError,
  type SpaceEvent,
  type Var,
} from '../../src/index.js';
// Internal: the one-pattern matcher, as the oracle for a whole tree.
import { patternMatches } from '../../src/core/pattern-trie.js';
import { parseFqn, parsePattern } from '../../src/index.js';
import { NS_CASES, VAR_CASES } from './pattern-cases.js';

let space: Space;

beforeEach(() => {
  space = new Space();
});

/** A compact, readable form of an event: `type:fqn` or `type:ns`. */
function describeEvent(event: SpaceEvent): string {
  return `${event.type}:${'fqn' in event ? event.fqn : event.ns}`;
}

function record(events$ = space.events$()): string[] {
  const seen: string[] = [];
  events$.subscribe((event) => seen.push(describeEvent(event)));
  return seen;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** Creates a var the way links do, so that system (`$…`) names can be set up. */
function ensureSystem(fqn: string, value?: unknown): Var<unknown> {
  return value === undefined ? space.ensure<unknown>(fqn, { system: true }) : space.ensure<unknown>(fqn, { system: true }, value);
}

describe('createNs, findNs, namespaces', () => {
  test('createNs creates missing ancestors, top first, announcing each new one', () => {
    const events = record();
    const ns = space.createNs('a.b.c');
    expect(ns.name).toBe('a.b.c');
    expect(ns.parent?.name).toBe('a.b');
    expect(ns.parent?.parent?.name).toBe('a');
    expect(ns.parent?.parent?.parent).toBeUndefined();
    expect(events).toEqual(['ns-created:a', 'ns-created:a.b', 'ns-created:a.b.c']);
  });

  test('createNs is idempotent: the same object, no new events', () => {
    const first = space.createNs('a.b');
    const events = record();
    expect(space.createNs('a.b')).toBe(first);
    expect(space.createNs('a')).toBe(first.parent);
    expect(events).toEqual([]);
    space.createNs('a.c');
    expect(events).toEqual(['ns-created:a.c']);
  });

  test('findNs finds or returns undefined, and refuses bad names', () => {
    const ns = space.createNs('ui.buttons');
    expect(space.findNs('ui.buttons')).toBe(ns);
    expect(space.findNs('ui')).toBe(ns.parent);
    expect(space.findNs('ui.other')).toBeUndefined();
    expect(space.findNs('$sys')).toBeUndefined();
    expect(() => space.findNs('ui..x')).toThrow(NameError);
  });

  test('namespaces() lists the top level; children() the next', () => {
    space.createNs('a.x');
    space.createNs('a.y');
    space.createNs('b');
    expect(space.namespaces().map((ns) => ns.name)).toEqual(['a', 'b']);
    expect(
      space
        .findNs('a')!
        .children()
        .map((ns) => ns.name),
    ).toEqual(['a.x', 'a.y']);
  });

  test('createNs refuses bad and reserved names', () => {
    expect(() => space.createNs('a..b')).toThrow(NameError);
    expect(() => space.createNs('$sys')).toThrow(ReservedNameError);
    expect(space.stats().namespaces).toBe(0);
  });
});

describe('intern', () => {
  test('a name built by concatenation finds the same var as the literal', () => {
    const k = 3;
    const v = space.intern('ns3.sub/v30', 1);
    expect(space.intern(`ns${k}.sub/v${k * 10}`)).toBe(v);
    const w = space.intern(`ns${k}.sub/w${k}`, 2);
    expect(space.resolve('ns3.sub/w3')).toBe(w);
    expect(w.fqn).toBe('ns3.sub/w3');
  });

  test('a name that Unicode normalization would change is not taken for its normal form', () => {
    space.intern('a/K', 1);
    // U+212A KELVIN SIGN normalizes (NFC) to the letter K.
    expect(() => space.intern('a/\u212A')).toThrow(NameError);
    expect(() => space.intern('a/\u212A', 2)).toThrow(NameError);
    expect(space.resolve('a/K')!.deref()).toBe(1);
  });

  test('a non-string name is a NameError', () => {
    expect(() => space.intern(42 as unknown as string)).toThrow(NameError);
    expect(() => space.intern(undefined as unknown as string, 1)).toThrow(NameError);
  });

  test('interning an existing var with a reserved-looking name still refuses it for app code', () => {
    space.ensure('$sys/x', { system: true }, 1);
    expect(() => space.intern('$sys/x')).toThrow(ReservedNameError);
    expect(() => space.intern(`$sys/${'x'}`, 2)).toThrow(ReservedNameError);
    expect(space.resolve('$sys/x')!.deref()).toBe(1);
  });

  test('returns the identical object for the same FQN', () => {
    const v = space.intern('ui.buttons/b1', 1);
    expect(space.intern('ui.buttons/b1')).toBe(v);
    expect(space.intern('ui.buttons/b1', 2)).toBe(v);
    expect(space.resolve('ui.buttons/b1')).toBe(v);
  });

  test('announces ns-created for each new ancestor, then var-interned', () => {
    const events = record();
    space.intern('ui.buttons/b1', 1);
    space.intern('ui.buttons/b2');
    space.intern('ui.menus.top/m1');
    expect(events).toEqual([
      'ns-created:ui',
      'ns-created:ui.buttons',
      'var-interned:ui.buttons/b1',
      'var-interned:ui.buttons/b2',
      'ns-created:ui.menus',
      'ns-created:ui.menus.top',
      'var-interned:ui.menus.top/m1',
    ]);
  });

  test('the var-interned event carries fqn, ns and name, and no origin for local creation', () => {
    const events: SpaceEvent[] = [];
    space.events$().subscribe((event) => events.push(event));
    space.intern('a.b/c');
    expect(events[events.length - 1]).toEqual({ type: 'var-interned', fqn: 'a.b/c', ns: 'a.b', name: 'c' });
  });

  test('the var already holds its value when var-interned is announced', () => {
    const seen: unknown[] = [];
    space.events$('app/n').subscribe((event) => {
      if (event.type === 'var-interned') seen.push(space.resolve('app/n')!.deref());
    });
    space.intern('app/n', 42);
    expect(seen).toEqual([42]);
  });

  test('with a value on an existing var, sets it (and emits); without one, leaves it alone', () => {
    const v = space.intern('app/n', 1);
    const values: unknown[] = [];
    v.subscribe((value) => values.push(value));
    const events = record();
    space.intern('app/n');
    expect(v.deref()).toBe(1);
    expect(v.version).toBe(1);
    space.intern('app/n', 2);
    expect(v.deref()).toBe(2);
    expect(v.version).toBe(2);
    expect(values).toEqual([1, 2]);
    expect(events).toEqual([]); // nothing new was created
  });

  test('refuses bad names without creating anything', () => {
    const events = record();
    for (const bad of ['', 'a..b/c', 'ui*/x', 'a/b/c', 'x', '__proto__/x']) {
      expect(() => space.intern(bad)).toThrow(NameError);
    }
    expect(events).toEqual([]);
    expect(space.stats()).toEqual({ namespaces: 0, vars: 0, listeners: 1 });
  });

  test('refuses system names with ReservedNameError (VS_RESERVED_NAME), even when the var exists', () => {
    for (const fqn of ['$sys/x', '$sys.instances/i1', 'ui.$private/y', 'ui/$x']) {
      const fresh = caught(() => space.intern(fqn)) as ReservedNameError;
      expect(fresh).toBeInstanceOf(ReservedNameError);
      expect(fresh.code).toBe('VS_RESERVED_NAME');
      ensureSystem(fqn, 1);
      expect(() => space.intern(fqn)).toThrow(ReservedNameError);
      expect(() => space.intern(fqn, 2)).toThrow(ReservedNameError);
      expect(space.resolve(fqn)!.deref()).toBe(1);
    }
  });

  test('system vars can be read: resolve, match by name, events', () => {
    const v = ensureSystem('$sys.instances/i1', 'up');
    expect(space.resolve('$sys.instances/i1')).toBe(v);
    expect(space.match('$sys.>')).toEqual([v]);
  });

  test('the object is the same until unmapped; after, intern makes a new incarnation', () => {
    const old = space.intern('app/n', 1);
    space.unmap('app/n');
    const fresh = space.intern('app/n');
    expect(fresh).not.toBe(old);
    expect(fresh.bound).toBe(false);
    expect(fresh.version).toBe(0);
    expect(old.deref()).toBe(1);
  });
});

describe('defonce', () => {
  test('calls the thunk when the var is absent', () => {
    const init = jest.fn(() => ({ status: 'idle' }));
    const v = space.defonce('remote.connections/server', init);
    expect(init).toHaveBeenCalledTimes(1);
    expect(v.deref()).toEqual({ status: 'idle' });
    expect(v.bound).toBe(true);
  });

  test('does not call the thunk when the var is bound', () => {
    const v = space.intern('app/n', 1);
    const init = jest.fn(() => 2);
    expect(space.defonce('app/n', init)).toBe(v);
    expect(init).not.toHaveBeenCalled();
    expect(v.deref()).toBe(1);
    expect(v.version).toBe(1);
  });

  test('calls the thunk when the var exists but is unbound, and emits the value', () => {
    const v = space.intern<number>('app/n');
    const values: unknown[] = [];
    v.subscribe((value) => values.push(value));
    expect(space.defonce('app/n', () => 7)).toBe(v);
    expect(v.deref()).toBe(7);
    expect(values).toEqual([undefined, 7]);
  });

  test('a throwing thunk creates nothing', () => {
    const events = record();
    expect(() =>
      space.defonce('app/n', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(space.resolve('app/n')).toBeUndefined();
    expect(events).toEqual([]);
  });

  test('a bad or reserved name throws before the thunk runs', () => {
    const init = jest.fn(() => 1);
    expect(() => space.defonce('a..b/c', init)).toThrow(NameError);
    expect(() => space.defonce('$sys/x', init)).toThrow(ReservedNameError);
    ensureSystem('$sys/y', 1);
    expect(() => space.defonce('$sys/y', init)).toThrow(ReservedNameError);
    expect(init).not.toHaveBeenCalled();
  });

  test('runs the validator of an unbound var on the thunk value', () => {
    const v = space.intern<unknown>('app/n');
    v.setValidator((value) => typeof value === 'number');
    expect(() => space.defonce('app/n', () => 'x')).toThrow(ValidationError);
    expect(v.bound).toBe(false);
  });
});

describe('resolve', () => {
  test('returns the var or undefined, and refuses bad FQNs', () => {
    const v = space.intern('a.b/c');
    expect(space.resolve('a.b/c')).toBe(v);
    expect(space.resolve('a.b/d')).toBeUndefined();
    expect(space.resolve('a/c')).toBeUndefined();
    expect(() => space.resolve('a b/c')).toThrow(NameError);
  });

  test('does not create anything', () => {
    const events = record();
    space.resolve('a.b/c');
    expect(events).toEqual([]);
    expect(space.findNs('a')).toBeUndefined();
  });
});

describe('unmap', () => {
  test('announces var-unmapped, completes the var and forgets it', () => {
    const v = space.intern('app/n', 1);
    const events = record();
    let completed = false;
    v.subscribe({ complete: () => (completed = true) });
    expect(space.unmap('app/n')).toBe(true);
    expect(events).toEqual(['var-unmapped:app/n']);
    expect(completed).toBe(true);
    expect(space.resolve('app/n')).toBeUndefined();
    expect(space.findNs('app')!.vars()).toEqual([]);
    expect(space.match('app/*')).toEqual([]);
    expect(space.stats().vars).toBe(0);
  });

  test('returns false for an absent var and refuses bad FQNs', () => {
    expect(space.unmap('app/none')).toBe(false);
    expect(() => space.unmap('app//none')).toThrow(NameError);
  });

  test('keeps the namespace and the other vars', () => {
    const a = space.intern('app/a', 1);
    space.intern('app/b', 2);
    const c = space.intern('app/c', 3);
    space.unmap('app/b');
    expect(space.findNs('app')!.vars()).toEqual([a, c]);
    const d = space.intern('app/d', 4);
    expect(space.findNs('app')!.vars()).toEqual([a, c, d]);
  });

  test('var-unmapped is announced before the var completes', () => {
    const v = space.intern('app/n', 1);
    const order: string[] = [];
    space.events$('app/n').subscribe((event) => order.push(`${event.type} (unmapped: ${v.isUnmapped})`));
    v.subscribe({ complete: () => order.push('complete') });
    space.unmap('app/n');
    expect(order).toEqual(['var-unmapped (unmapped: false)', 'complete']);
  });
});

describe('removeNs', () => {
  test('removes the namespace, its descendants and their vars, deepest first', () => {
    const x = space.intern('a/x', 1);
    const y = space.intern('a.b/y', 2);
    space.intern('a.b.c/z', 3);
    const keep = space.intern('other/k', 4);
    const events = record();
    expect(space.removeNs('a')).toBe(true);
    expect(events).toEqual([
      'var-unmapped:a.b.c/z',
      'ns-removed:a.b.c',
      'var-unmapped:a.b/y',
      'ns-removed:a.b',
      'var-unmapped:a/x',
      'ns-removed:a',
    ]);
    expect(x.isUnmapped && y.isUnmapped).toBe(true);
    for (const name of ['a', 'a.b', 'a.b.c']) expect(space.findNs(name)).toBeUndefined();
    expect(space.resolve('a.b/y')).toBeUndefined();
    expect(space.namespaces().map((ns) => ns.name)).toEqual(['other']);
    expect(space.resolve('other/k')).toBe(keep);
    expect(space.stats()).toMatchObject({ namespaces: 1, vars: 1 });
  });

  test('removing a child leaves the parent and its siblings', () => {
    space.intern('a.b/y', 1);
    const sibling = space.intern('a.c/z', 2);
    space.removeNs('a.b');
    expect(
      space
        .findNs('a')!
        .children()
        .map((ns) => ns.name),
    ).toEqual(['a.c']);
    expect(space.resolve('a.c/z')).toBe(sibling);
  });

  test('returns false for an absent namespace and refuses bad names', () => {
    expect(space.removeNs('none')).toBe(false);
    expect(() => space.removeNs('a..b')).toThrow(NameError);
  });

  test('the namespace can be created again afterwards, as new', () => {
    const old = space.createNs('a.b');
    space.removeNs('a');
    const events = record();
    const fresh = space.intern('a.b/x', 1);
    expect(events).toEqual(['ns-created:a', 'ns-created:a.b', 'var-interned:a.b/x']);
    expect(space.findNs('a.b')).not.toBe(old);
    expect(fresh.namespace).toBe(space.findNs('a.b'));
  });
});

describe('match', () => {
  test.each(VAR_CASES)('%j selects %j → %j', (pattern, fqn, expected) => {
    const target = ensureSystem(fqn, 1);
    expect(space.match(pattern)).toEqual(expected ? [target] : []);
  });

  test('with every FQN of the table in one tree, each pattern selects exactly the vars it matches', () => {
    const fqns = [...new Set(VAR_CASES.map(([, fqn]) => fqn))];
    for (const fqn of fqns) ensureSystem(fqn, 1);
    for (const pattern of new Set(VAR_CASES.map(([p]) => p))) {
      const expected = fqns.filter((fqn) => patternMatches(parsePattern(pattern).tokens, parseFqn(fqn, { system: true }).tokens));
      expect([
        pattern,
        space
          .match(pattern)
          .map((v) => v.fqn)
          .sort(),
      ]).toEqual([pattern, expected.sort()]);
    }
  });

  test('returns every match, namespace by namespace, in interning order', () => {
    const b1 = space.intern('ui.buttons/b1', 1);
    const b2 = space.intern('ui.buttons/b2', 2);
    const x = space.intern('ui/x', 3);
    const m = space.intern('ui.menus/m', 4);
    const a = space.intern('admin.buttons/a', 5);
    expect(space.match('ui.>').sort(byFqn)).toEqual([b1, b2, x, m].sort(byFqn));
    expect(space.match('*.buttons/*').sort(byFqn)).toEqual([a, b1, b2].sort(byFqn));
    expect(space.match('ui.buttons/*')).toEqual([b1, b2]);
    expect(space.match('ui.buttons/b2')).toEqual([b2]);
    expect(space.match('nothing.>')).toEqual([]);
  });

  test('refuses a bad pattern', () => {
    expect(() => space.match('a/>')).toThrow(NameError);
    expect(() => space.match('a.>/x')).toThrow(NameError);
  });
});

function byFqn(a: Var<any>, b: Var<any>): number {
  return a.fqn < b.fqn ? -1 : a.fqn > b.fqn ? 1 : 0;
}

describe('events$', () => {
  test.each(VAR_CASES)('events$(%j) gets the var events of %j → %j', (pattern, fqn, expected) => {
    ensureSystem(fqn, 1); // namespaces exist first, so only var events follow
    const events = record(space.events$(pattern));
    space.unmap(fqn);
    ensureSystem(fqn, 2);
    space.resolve(fqn)!.resetMeta({ a: 1 });
    expect(events).toEqual(expected ? [`var-unmapped:${fqn}`, `var-interned:${fqn}`, `meta-changed:${fqn}`] : []);
  });

  test.each(NS_CASES)('events$(%j) gets the namespace events of %j → %j', (pattern, ns, expected) => {
    const parent = ns.includes('.') ? ns.slice(0, ns.lastIndexOf('.')) : undefined;
    if (parent) space.ensure(`${parent}/placeholder`, { system: true });
    const events = record(space.events$(pattern));
    space.ensure(`${ns}/v`, { system: true }); // creates only the namespace under test
    space.removeNs(ns);
    const nsEvents = events.filter((event) => event.startsWith('ns-'));
    expect(nsEvents).toEqual(expected ? [`ns-created:${ns}`, `ns-removed:${ns}`] : []);
  });

  test('without a pattern, gets everything, system vars included', () => {
    const events = record();
    ensureSystem('$sys/x', 1);
    space.intern('a/b');
    expect(events).toEqual(['ns-created:$sys', 'var-interned:$sys/x', 'ns-created:a', 'var-interned:a/b']);
  });

  test('a remote origin is carried on the events it caused', () => {
    const events: SpaceEvent[] = [];
    space.events$().subscribe((event) => events.push(event));
    space.ensure('r/x', { origin: 'instance-1' }, 1);
    space.unmap('r/x', { origin: 'instance-1' });
    expect(events).toEqual([
      { type: 'ns-created', ns: 'r', origin: 'instance-1' },
      { type: 'var-interned', fqn: 'r/x', ns: 'r', name: 'x', origin: 'instance-1' },
      { type: 'var-unmapped', fqn: 'r/x', ns: 'r', name: 'x', origin: 'instance-1' },
    ]);
  });

  test('subscribing and unsubscribing between events in one namespace changes who gets them', () => {
    const first = record(space.events$('app.>'));
    space.intern('app/a'); // routes through the namespace once, with one listener
    const second = record(space.events$('app/*'));
    space.intern('app/b');
    const third = space.events$('app/c').subscribe(() => first.push('third'));
    third.unsubscribe();
    space.intern('app/c');
    expect(first).toEqual(['ns-created:app', 'var-interned:app/a', 'var-interned:app/b', 'var-interned:app/c']);
    expect(second).toEqual(['var-interned:app/b', 'var-interned:app/c']);
  });

  test('is cold: nothing is registered until subscribed, and unsubscribing unregisters', () => {
    const events$ = space.events$('ui.>');
    expect(space.stats().listeners).toBe(0);
    const a = events$.subscribe(() => {});
    const b = space.events$().subscribe(() => {});
    expect(space.stats().listeners).toBe(2);
    a.unsubscribe();
    b.unsubscribe();
    expect(space.stats().listeners).toBe(0);
  });

  test('refuses a bad pattern at call time', () => {
    expect(() => space.events$('ui*')).toThrow(NameError);
  });

  test('a listener that throws is reported and the others still get the event', () => {
    const errors: unknown[] = [];
    space.errors$.subscribe((error) => errors.push(error));
    const failure = new Error('listener failed');
    const seen: string[] = [];
    space.events$('a.>').subscribe(() => {
      throw failure;
    });
    space.events$('a.>').subscribe((event) => seen.push(describeEvent(event)));
    const v = space.intern('a/x', 1);
    expect(seen).toEqual(['ns-created:a', 'var-interned:a/x']);
    expect(errors).toEqual([failure, failure]);
    expect(space.resolve('a/x')).toBe(v);
  });

  test('a listener may unsubscribe another during a dispatch: that one gets nothing more, the rest go on', () => {
    const seenBySecond: string[] = [];
    const seenByThird: string[] = [];
    let second: { unsubscribe(): void } | undefined = undefined;
    space.events$('a.>').subscribe(() => second?.unsubscribe());
    second = space.events$('a.>').subscribe((event) => seenBySecond.push(describeEvent(event)));
    space.events$('a.>').subscribe((event) => seenByThird.push(describeEvent(event)));
    space.intern('a/x');
    expect(seenBySecond).toEqual([]);
    expect(seenByThird).toEqual(['ns-created:a', 'var-interned:a/x']);
    expect(space.stats().listeners).toBe(2);
  });
});

describe('vars$', () => {
  test('emits the matching vars that exist, then each one interned later, no duplicates', () => {
    const b1 = space.intern('ui.buttons/b1', 1);
    const b2 = space.intern('ui.buttons/b2', 2);
    space.intern('ui.menus/m1', 3);
    const seen: Var<any>[] = [];
    const subscription = space.vars$('ui.buttons/*').subscribe((v) => seen.push(v));
    expect(seen).toEqual([b1, b2]);
    const b3 = space.intern('ui.buttons/b3');
    space.intern('ui.buttons/b1', 10); // existing: not again
    space.intern('ui.buttons.deep/x'); // does not match
    b3.reset(1);
    b3.resetMeta({ a: 1 });
    expect(seen).toEqual([b1, b2, b3]);
    subscription.unsubscribe();
    expect(space.stats().listeners).toBe(0);
  });

  test('a var unmapped and interned again is emitted again, as its new incarnation', () => {
    const old = space.intern('a/x', 1);
    const seen: Var<any>[] = [];
    space.vars$('a.>').subscribe((v) => seen.push(v));
    space.unmap('a/x');
    const fresh = space.intern('a/x', 2);
    expect(seen).toEqual([old, fresh]);
  });

  test('works with take(): stops listening once satisfied', async () => {
    space.intern('a/x');
    const later = firstValueFrom(space.vars$('a.>').pipe(take(2), toArray()));
    space.intern('a/y');
    expect((await later).map((v) => v.fqn)).toEqual(['a/x', 'a/y']);
    expect(space.stats().listeners).toBe(0);
  });

  test('refuses a bad pattern at call time', () => {
    expect(() => space.vars$('a/>')).toThrow(NameError);
  });
});

describe('await', () => {
  test('resolves at once with an existing var', async () => {
    const v = space.intern('app/n', 1);
    await expect(space.await('app/n')).resolves.toBe(v);
  });

  test('resolves when the var is interned, and stops listening', async () => {
    const waiting = space.await('app/later', { timeoutMs: 5000 });
    expect(space.stats().listeners).toBe(1);
    space.intern('app/other');
    const v = space.intern('app/later', 1);
    await expect(waiting).resolves.toBe(v);
    expect(space.stats().listeners).toBe(0);
  });

  test('rejects with TimeoutError (VS_TIMEOUT) when the time runs out, and stops listening', async () => {
    const error = await space.await('app/never', { timeoutMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('VS_TIMEOUT');
    expect((error as TimeoutError).message).toContain('app/never');
    expect(space.stats().listeners).toBe(0);
  });

  test('rejects with AbortedError (VS_ABORTED) when aborted, and stops listening', async () => {
    const controller = new AbortController();
    const waiting = space.await('app/never', { signal: controller.signal, timeoutMs: 5000 });
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).code).toBe('VS_ABORTED');
    expect(space.stats().listeners).toBe(0);
  });

  test('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(space.await('app/never', { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(space.stats().listeners).toBe(0);
  });

  test('an abort after the var arrived changes nothing', async () => {
    const controller = new AbortController();
    const waiting = space.await('app/n', { signal: controller.signal });
    const v = space.intern('app/n');
    controller.abort();
    await expect(waiting).resolves.toBe(v);
  });

  test('refuses a bad FQN at once', () => {
    expect(() => space.await('a b/c')).toThrow(NameError);
  });
});

describe('ref$', () => {
  test('waits for the var, then emits its values', () => {
    const values: unknown[] = [];
    space.ref$('app/n').subscribe((value) => values.push(value));
    expect(values).toEqual([]);
    const v = space.intern('app/n', 1);
    v.reset(2);
    expect(values).toEqual([1, 2]);
  });

  test('skips an unbound var until it gets a value', () => {
    const values: unknown[] = [];
    const v = space.intern<number>('app/n');
    space.ref$('app/n').subscribe((value) => values.push(value));
    expect(values).toEqual([]);
    v.reset(1);
    expect(values).toEqual([1]);
  });

  test('follows the path across unmap and intern, without completing', () => {
    const values: unknown[] = [];
    let completed = false;
    space.ref$('app/n').subscribe({ next: (value) => values.push(value), complete: () => (completed = true) });
    const first = space.intern('app/n', 1);
    space.unmap('app/n');
    expect(completed).toBe(false);
    const second = space.intern<number>('app/n');
    expect(second).not.toBe(first);
    second.reset(2);
    expect(values).toEqual([1, 2]);
    expect(completed).toBe(false);
  });

  test('after unsubscribing, neither the space nor the var has a listener left', () => {
    const v = space.intern('app/n', 1);
    const subscription = space.ref$('app/n').subscribe(() => {});
    expect(v.observed).toBe(true);
    expect(space.stats().listeners).toBe(1);
    subscription.unsubscribe();
    expect(v.observed).toBe(false);
    expect(space.stats().listeners).toBe(0);
  });

  test('refuses a bad FQN at call time', () => {
    expect(() => space.ref$('a/b/c')).toThrow(NameError);
  });
});

describe('errors$', () => {
  test('collects what watches, subscribers and event listeners throw', () => {
    const errors: unknown[] = [];
    space.errors$.subscribe((error) => errors.push(error));
    const [watch, subscriber, listener, varsListener, refListener] = ['watch', 'subscriber', 'listener', 'vars', 'ref'].map(
      (what) => new Error(what),
    );
    space.events$('app/n').subscribe((event) => {
      if (event.type === 'var-interned') throw listener;
    });
    space.vars$('app/n').subscribe(() => {
      throw varsListener;
    });
    space.ref$('app/n').subscribe((value) => {
      if (value === 1) throw refListener;
    });
    const v = space.intern('app/n', 0);
    v.addWatch('w', () => {
      throw watch;
    });
    v.subscribe((value) => {
      if (value === 1) throw subscriber;
    });
    v.reset(1);
    // Events first (intern), then the write: subscribers in subscription order, then watches.
    expect(errors).toEqual([listener, varsListener, refListener, subscriber, watch]);
    expect(v.deref()).toBe(1);
  });

  test('an errors$ subscriber that throws is left to RxJS (onUnhandledError), never thrown at the writer', async () => {
    const unhandled: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => unhandled.push(error);
    try {
      const badReporter = new Error('bad reporter');
      space.errors$.subscribe(() => {
        throw badReporter;
      });
      const v = space.intern('app/n', 0);
      v.addWatch('w', () => {
        throw new Error('bad watch');
      });
      expect(() => v.reset(1)).not.toThrow();
      expect(v.deref()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 0)); // RxJS reports on a timer
      expect(unhandled).toEqual([badReporter]);
    } finally {
      config.onUnhandledError = previous;
    }
  });
});

describe('stats and teardown', () => {
  test('counts namespaces, vars and listeners; everything returns to zero when unsubscribed', () => {
    const subscriptions = [
      space.events$().subscribe(() => {}),
      space.events$('a.>').subscribe(() => {}),
      space.vars$('a.>').subscribe(() => {}),
      space.ref$('a/x').subscribe(() => {}),
      space.findNs('a') ? undefined : space.createNs('a').events$.subscribe(() => {}),
      space
        .createNs('a')
        .vars$()
        .subscribe(() => {}),
    ];
    const v = space.intern('a/x', 1);
    expect(space.stats()).toEqual({ namespaces: 1, vars: 1, listeners: 6 });
    expect(v.observed).toBe(true);
    for (const subscription of subscriptions) subscription?.unsubscribe();
    expect(space.stats()).toEqual({ namespaces: 1, vars: 1, listeners: 0 });
    expect(v.observed).toBe(false);
  });
});
