import { Subject } from 'rxjs';
import { LocalNames } from '../../src/identity/local-names.js';
import { notFrom } from '../../src/rx/not-from.js';
import type { Tagged } from '../../src/rx/tagged.js';

const ME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const tag = (value: string, from: string): Tagged<string> => ({ value, fqn: 'chat/last', from, stamp: value });

describe('notFrom', () => {
  test('drops the echo of one instance', () => {
    const source = new Subject<Tagged<string>>();
    const out: string[] = [];
    const sub = source.pipe(notFrom(ME)).subscribe((t) => out.push(t.value));
    [tag('mine', ME), tag('theirs', OTHER)].forEach((t) => source.next(t));
    expect(out).toEqual(['theirs']);
    sub.unsubscribe();
    expect(source.observed).toBe(false);
  });

  test('resolves a local name through LocalNames, live', () => {
    const names = new LocalNames([['self', ME]]);
    const source = new Subject<Tagged<string>>();
    const out: string[] = [];
    source.pipe(notFrom('self', names)).subscribe((t) => out.push(t.value));
    source.next(tag('a', ME));
    names.delete('self'); // now 'self' is taken as an id: nothing matches it
    source.next(tag('b', ME));
    expect(out).toEqual(['b']);
  });

  test('an empty id throws', () => {
    expect(() => notFrom(undefined as any)).toThrow(TypeError);
  });
});
