import { z } from 'zod';
import { Space } from '../../src/core/space.js';
import { NameError, ValidationError } from '../../src/core/errors.js';
import { defineAppType, instantiate } from '../../src/identity/app-type.js';

const Dashboard = defineAppType('dashboard-server', {
  'app-state': z.object({ status: z.enum(['starting', 'up', 'down']), clients: z.number().int().nonnegative() }),
  'user-prefs': z.object({ theme: z.enum(['light', 'dark']) }),
});

const initial = { 'app-state': { status: 'starting' as const, clients: 0 }, 'user-prefs': { theme: 'dark' as const } };

describe('defineAppType', () => {
  test('a frozen contract with its name and resources', () => {
    expect(Dashboard.name).toBe('dashboard-server');
    expect(Object.keys(Dashboard.resources)).toEqual(['app-state', 'user-prefs']);
    expect(Object.isFrozen(Dashboard)).toBe(true);
    expect(Object.isFrozen(Dashboard.resources)).toBe(true);
  });

  test('names are tokens and resources are zod schemas', () => {
    expect(() => defineAppType('two words', { a: z.number() })).toThrow(NameError);
    expect(() => defineAppType('a.b', { a: z.number() })).toThrow(/one token/);
    expect(() => defineAppType('x', { 'bad name': z.number() })).toThrow(NameError);
    expect(() => defineAppType('x', JSON.parse('{"__proto__": 1}'))).toThrow(NameError);
    expect(() => defineAppType('x', { a: ((_v: unknown) => true) as any })).toThrow(ValidationError);
    expect(() => defineAppType('x', null as any)).toThrow(ValidationError);
  });
});

describe('instantiate', () => {
  test('interns one validated var per resource under the namespace', () => {
    const space = new Space();
    const app = instantiate(space, Dashboard, 'dashboard.prod', initial);
    expect(app['app-state'].fqn).toBe('dashboard.prod/app-state');
    expect(space.resolve('dashboard.prod/user-prefs')).toBe(app['user-prefs']);
    expect(app['user-prefs'].deref()).toEqual({ theme: 'dark' });
    app['app-state'].swap((s) => ({ ...s, status: 'up' }));
    expect(app['app-state'].deref().status).toBe('up');
    expect(() => app['app-state'].reset({ status: 'sleeping', clients: 0 } as any)).toThrow(ValidationError);
    expect(app['app-state'].deref().status).toBe('up');
    expect(Object.isFrozen(app)).toBe(true);
  });

  test('a refused initial value creates nothing', () => {
    const space = new Space();
    expect(() => instantiate(space, Dashboard, 'd', { ...initial, 'user-prefs': { theme: 'pink' } } as any)).toThrow(
      expect.objectContaining({ code: 'VS_INVALID_VALUE', message: expect.stringContaining('d/user-prefs') }),
    );
    expect(space.stats()).toEqual({ namespaces: 0, vars: 0, listeners: 0 });
  });

  test('missing and unknown keys are refused', () => {
    const space = new Space();
    expect(() => instantiate(space, Dashboard, 'd', { 'app-state': initial['app-state'] } as any)).toThrow(
      /missing initial value for resource "user-prefs"/,
    );
    expect(() => instantiate(space, Dashboard, 'd', { ...initial, extra: 1 } as any)).toThrow(/unknown resource "extra"/);
    expect(space.stats().vars).toBe(0);
  });

  test('like defonce: a bound var keeps its value (which must pass the schema)', () => {
    const space = new Space();
    space.intern('d/user-prefs', { theme: 'light' });
    const app = instantiate(space, Dashboard, 'd', initial);
    expect(app['user-prefs'].deref()).toEqual({ theme: 'light' });
    expect(app['app-state'].deref()).toEqual(initial['app-state']);
    const again = instantiate(space, Dashboard, 'd', { ...initial, 'app-state': { status: 'down', clients: 9 } });
    expect(again['app-state']).toBe(app['app-state']);
    expect(again['app-state'].deref().status).toBe('starting');

    const other = new Space();
    other.intern('d/user-prefs', { theme: 'neon' });
    expect(() => instantiate(other, Dashboard, 'd', initial)).toThrow(ValidationError);
    expect(other.resolve('d/app-state')).toBeUndefined();
  });

  test('the values are set in one transaction', () => {
    const space = new Space();
    const seen: string[] = [];
    space.events$().subscribe((e) => {
      if (e.type === 'var-interned') space.resolve(e.fqn)!.subscribe((v) => seen.push(`${e.fqn}=${JSON.stringify(v)}`));
    });
    instantiate(space, Dashboard, 'd', initial);
    // subscribed at intern time (unbound), then one emission each at commit
    expect(seen).toEqual([
      'd/app-state=undefined',
      'd/user-prefs=undefined',
      `d/app-state=${JSON.stringify(initial['app-state'])}`,
      `d/user-prefs=${JSON.stringify(initial['user-prefs'])}`,
    ]);
  });

  test('bad namespace names and foreign app types are refused', () => {
    const space = new Space();
    expect(() => instantiate(space, Dashboard, 'bad ns', initial)).toThrow(NameError);
    expect(() => instantiate(space, Dashboard, '$sys', initial)).toThrow(expect.objectContaining({ code: 'VS_RESERVED_NAME' }));
    expect(() => instantiate(space, { name: 'x', resources: {} } as any, 'd', {})).toThrow(ValidationError);
  });
});
