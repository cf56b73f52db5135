import { NameError, Namespace, Space, ValidationError, type SpaceEvent, type Var } from '../../src/index.js';

let space: Space;

beforeEach(() => {
  space = new Space();
});

function describeEvent(event: SpaceEvent): string {
  return `${event.type}:${'fqn' in event ? event.fqn : event.ns}`;
}

describe('Namespace', () => {
  test('has a name, a parent and children', () => {
    const buttons = space.createNs('ui.buttons');
    space.createNs('ui.menus');
    const ui = space.findNs('ui')!;
    expect(buttons).toBeInstanceOf(Namespace);
    expect(buttons.name).toBe('ui.buttons');
    expect(buttons.parent).toBe(ui);
    expect(ui.parent).toBeUndefined();
    expect(ui.children().map((ns) => ns.name)).toEqual(['ui.buttons', 'ui.menus']);
    expect(buttons.children()).toEqual([]);
  });

  test('intern(name, value?) is space.intern of its FQN', () => {
    const buttons = space.createNs('ui.buttons');
    const b1 = buttons.intern('b1', { pressed: false });
    expect(b1.fqn).toBe('ui.buttons/b1');
    expect(space.resolve('ui.buttons/b1')).toBe(b1);
    expect(buttons.intern('b1')).toBe(b1);
    expect(buttons.intern('b1', { pressed: true })).toBe(b1);
    expect(b1.deref()).toEqual({ pressed: true });
    b1.setValidator((v) => typeof v === 'object');
    expect(() => buttons.intern('b1', 'no' as unknown as object)).toThrow(ValidationError);
  });

  test('intern refuses a name that is not one token', () => {
    const ns = space.createNs('a');
    for (const bad of ['', 'x.y', 'x/y', '*', 'x y']) expect(() => ns.intern(bad)).toThrow(NameError);
  });

  test('vars() lists its own vars in interning order; find(name) finds one', () => {
    const ns = space.createNs('app');
    const b = ns.intern('b', 1);
    const a = ns.intern('a', 2);
    space.intern('app.deeper/c', 3);
    expect(ns.vars()).toEqual([b, a]);
    expect(ns.find('a')).toBe(a);
    expect(ns.find('c')).toBeUndefined();
    expect(() => ns.find('x/y')).toThrow(NameError);
  });

  test('vars() keeps its order when vars are unmapped from the middle, the start and the end', () => {
    const ns = space.createNs('app');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => ns.intern(name, name));
    space.unmap('app/b');
    expect(ns.vars()).toEqual([a, c, d]);
    space.unmap('app/a');
    space.unmap('app/d');
    expect(ns.vars()).toEqual([c]);
    space.unmap('app/c');
    expect(ns.vars()).toEqual([]);
    const e = ns.intern('e');
    const b2 = ns.intern('b');
    expect(ns.vars()).toEqual([e, b2]);
    expect(b2).not.toBe(b);
  });

  test('events$ gets the events of this namespace and every descendant, not of its parent or siblings', () => {
    const ui = space.createNs('ui');
    const seen: string[] = [];
    const subscription = ui.events$.subscribe((event) => seen.push(describeEvent(event)));
    space.intern('ui/x', 1);
    space.intern('ui.buttons/b1', 1);
    space.intern('uix/y', 1); // a sibling whose name starts the same
    space.intern('app.ui/z', 1);
    space.resolve('ui.buttons/b1')!.resetMeta({ a: 1 });
    space.removeNs('ui.buttons');
    expect(seen).toEqual([
      'var-interned:ui/x',
      'ns-created:ui.buttons',
      'var-interned:ui.buttons/b1',
      'meta-changed:ui.buttons/b1',
      'var-unmapped:ui.buttons/b1',
      'ns-removed:ui.buttons',
    ]);
    subscription.unsubscribe();
    expect(space.stats().listeners).toBe(0);
  });

  test('events$ includes the removal of the namespace itself', () => {
    const ui = space.createNs('ui');
    const seen: string[] = [];
    ui.events$.subscribe((event) => seen.push(describeEvent(event)));
    space.removeNs('ui');
    expect(seen).toEqual(['ns-removed:ui']);
  });

  test('vars$() emits the vars of the whole subtree now, then each one interned later, no duplicates', () => {
    const ui = space.createNs('ui');
    const x = space.intern('ui/x', 1);
    const b1 = space.intern('ui.buttons/b1', 1);
    space.intern('app/other', 1);
    const seen: Var<any>[] = [];
    const subscription = ui.vars$().subscribe((v) => seen.push(v));
    expect(seen).toEqual([x, b1]);
    const deep = space.intern('ui.a.b/c');
    space.intern('ui/x', 2);
    space.intern('uix/no');
    expect(seen).toEqual([x, b1, deep]);
    subscription.unsubscribe();
    expect(space.stats().listeners).toBe(0);
  });

  test('works for a system namespace too', () => {
    const sys = space.ensure('$sys.instances/i1', { system: true }, 'up').namespace as Namespace;
    const seen: string[] = [];
    space
      .findNs('$sys')!
      .vars$()
      .subscribe((v) => seen.push(v.fqn));
    space.ensure('$sys/boot', { system: true }, 1);
    expect(seen).toEqual(['$sys.instances/i1', '$sys/boot']);
    expect(sys.name).toBe('$sys.instances');
  });
});
