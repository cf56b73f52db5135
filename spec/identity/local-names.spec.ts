import { NameError, ReservedNameError, ValidationError } from '../../src/core/errors.js';
import { LocalNames, type LocalNameChange } from '../../src/identity/local-names.js';

const A = '550e8400-e29b-41d4-a716-446655440000';
const B = 'a1b2c3d4-0000-4000-8000-000000000000';

describe('LocalNames', () => {
  test('set, get, has, resolve, delete, entries, size', () => {
    const names = new LocalNames([['prod', A]]);
    names.set('staging', 'dashboard-staging').set('main', B);
    expect(names.get('prod')).toBe(A);
    expect(names.get('nope')).toBeUndefined();
    expect(names.get('not a token')).toBeUndefined();
    expect(names.has('main')).toBe(true);
    expect(names.resolve('prod')).toBe(A);
    expect(names.resolve(B)).toBe(B);
    expect(names.entries()).toEqual([
      ['prod', A],
      ['staging', 'dashboard-staging'],
      ['main', B],
    ]);
    expect(names.size).toBe(3);
    expect(names.delete('staging')).toBe(true);
    expect(names.delete('staging')).toBe(false);
    expect(names.size).toBe(2);
  });

  test('entries is a snapshot', () => {
    const names = new LocalNames([['a', A]]);
    const snapshot = names.entries();
    names.set('b', B);
    expect(snapshot).toEqual([['a', A]]);
  });

  test('changes$ emits each change (not a set to the same target)', () => {
    const names = new LocalNames();
    const changes: LocalNameChange[] = [];
    const sub = names.changes$.subscribe((c) => changes.push(c));
    names.set('prod', A);
    names.set('prod', A);
    names.set('prod', B);
    names.delete('prod');
    names.delete('prod');
    expect(changes).toEqual([
      { name: 'prod', old: undefined, value: A },
      { name: 'prod', old: A, value: B },
      { name: 'prod', old: B, value: undefined },
    ]);
    sub.unsubscribe();
  });

  test('names are single tokens, validated by the names parser', () => {
    const names = new LocalNames();
    expect(() => names.set('two words', A)).toThrow(NameError);
    expect(() => names.set('a.b', A)).toThrow(/one token/);
    expect(() => names.set('', A)).toThrow(NameError);
    expect(() => names.set('__proto__', A)).toThrow(NameError);
    expect(() => names.set('$me', A)).toThrow(ReservedNameError);
    expect(() => names.set(3 as any, A)).toThrow(NameError);
    expect(names.size).toBe(0);
  });

  test('targets are instance ids (UUIDs) or identities (tokens)', () => {
    const names = new LocalNames();
    expect(() => names.set('x', 'has space')).toThrow(ValidationError);
    expect(() => names.set('x', '')).toThrow(ValidationError);
    expect(() => names.set('x', undefined as any)).toThrow(ValidationError);
    expect(
      () =>
        new LocalNames([
          ['ok', A],
          ['bad', 'a/b'],
        ]),
    ).toThrow(ValidationError);
  });
});
