import { Space } from './space.js';

const KEY = Symbol.for('varspace.defaultSpace');

/**
 * The process-wide space, kept on `globalThis` under `Symbol.for('varspace.defaultSpace')` so
 * that two copies of the package in one process share it. Tests should make their own `new Space()`.
 *
 * @example defaultSpace().intern('app/ready', true)
 */
export function defaultSpace(): Space {
  const holder = globalThis as unknown as Record<symbol, Space | undefined>;
  return (holder[KEY] ??= new Space());
}
