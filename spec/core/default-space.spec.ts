import { jest } from '@jest/globals';
import { Space, defaultSpace } from '../../src/index.js';

const KEY = Symbol.for('varspace.defaultSpace');
const holder = globalThis as unknown as Record<symbol, unknown>;

afterEach(() => {
  delete holder[KEY];
});

describe('defaultSpace', () => {
  test('is one Space for the process, made on first use', () => {
    expect(holder[KEY]).toBeUndefined();
    const space = defaultSpace();
    expect(space).toBeInstanceOf(Space);
    expect(defaultSpace()).toBe(space);
  });

  test('is kept on globalThis under Symbol.for("varspace.defaultSpace")', () => {
    const space = defaultSpace();
    expect(holder[KEY]).toBe(space);
    expect(Object.keys(globalThis)).not.toContain('varspace.defaultSpace');
  });

  test('a space already there (from another copy of the package) is the one returned', () => {
    const theirs = new Space();
    holder[KEY] = theirs;
    expect(defaultSpace()).toBe(theirs);
  });

  test('a second copy of the module, loaded on its own, shares it', async () => {
    const ours = defaultSpace();
    ours.intern('app/shared', 1);
    let fromCopy: unknown;
    await jest.isolateModulesAsync(async () => {
      const copy = await import('../../src/core/default-space.js');
      fromCopy = copy.defaultSpace();
    });
    expect(fromCopy).toBe(ours);
  });
});
