import { LimitError, ValidationError } from './errors.js';

/**
 * The deepest nesting {@link checkJsonValue} lets through: `JSON.stringify` recurses, and a few
 * thousand levels overflow its stack (a hub refuses far less: its `maxDepth`, default 32).
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Checks that `value` is a JSON value — what every write path carries over the wire: `null`,
 * booleans, finite numbers, strings, arrays, and plain objects (prototype `Object.prototype` or
 * `null`, from any realm) of such values. `undefined` is allowed at the top (a write of "no
 * value") and as an object property (left out, as `JSON.stringify` does); everything else that
 * `JSON.stringify` would drop or change is refused: functions, symbols, BigInt, NaN and ±Infinity,
 * `undefined` in an array (or a hole), Map, Set, Date and other class instances, circular structures.
 * Symbol-keyed properties are not looked at (JSON has no symbol keys). Plain values cost one
 * `typeof`; a flat object or array one pass, with no allocation.
 *
 * @param value - the value to check.
 * @param what - how the value is named in the error (e.g. the var's FQN).
 * @throws {ValidationError} (`VS_INVALID_VALUE`) naming the path of the first bad part, e.g.
 *   `ui/x: value.items[2] is a function, not a JSON value`; `details`: `{ path }`.
 * @throws {LimitError} (`VS_LIMIT`) when it nests deeper than {@link MAX_JSON_DEPTH}.
 * @example checkJsonValue({ a: [1, 'two', null] }) // passes
 * @example checkJsonValue({ at: new Date() }, 'ui/x') // throws ValidationError naming value.at
 */
export function checkJsonValue(value: unknown, what = 'value'): void {
  if (typeof value !== 'object' || value === null) {
    const fault = value === undefined ? undefined : leafFault(value);
    if (fault !== undefined) refuse(what, 'value', fault);
    return;
  }
  if (flatAndJson(value)) return;
  walk(value, what);
}

/** Why a non-object is not a JSON value, or undefined when it is one (`undefined` is not: callers decide). */
function leafFault(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${value}, not a JSON number`;
    case 'undefined':
      return 'undefined (in JSON only a property can be missing)';
    case 'object':
      return value === null ? undefined : 'an object';
    default:
      return `a ${typeof value}, not a JSON value`;
  }
}

/** Why an object is not a JSON array or plain object, or undefined. */
function objectFault(value: object): string | undefined {
  if (Array.isArray(value)) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || Object.getPrototypeOf(proto) === null) return undefined;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `a ${typeof name === 'string' && name ? name : 'class instance'}, not a plain object or array`;
}

/** The common case, with no allocation: an array or plain object whose members are all JSON primitives. */
function flatAndJson(value: object): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (child === undefined || (typeof child === 'object' && child !== null) || leafFault(child) !== undefined) return false;
    }
    return true;
  }
  if (objectFault(value) !== undefined) return false;
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key];
    if (child !== undefined && ((typeof child === 'object' && child !== null) || leafFault(child) !== undefined)) return false;
  }
  return true;
}

/**
 * The full check, depth first with an explicit stack (no recursion, so no stack overflow): the
 * objects on the current path, the keys of each and the position reached in each.
 */
function walk(root: object, what: string): void {
  const fault = objectFault(root);
  if (fault !== undefined) refuse(what, 'value', fault);
  const nodes: object[] = [root];
  const keys: (string[] | undefined)[] = [Array.isArray(root) ? undefined : Object.keys(root)];
  const positions: number[] = [0];
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const own = keys[top];
    const at = positions[top]++;
    if (at >= (own === undefined ? (node as unknown[]).length : own.length)) {
      nodes.pop();
      keys.pop();
      positions.pop();
      continue;
    }
    const child: unknown = own === undefined ? (node as unknown[])[at] : (node as Record<string, unknown>)[own[at]];
    if (typeof child !== 'object' || child === null) {
      if (child === undefined && own !== undefined) continue; // a property left out, as JSON.stringify does
      const leaf = leafFault(child);
      if (leaf !== undefined) refuse(what, pathOf(nodes, keys, positions), leaf);
      continue;
    }
    const bad = nodes.includes(child) ? 'a circular reference (to an object that contains it)' : objectFault(child);
    if (bad !== undefined) refuse(what, pathOf(nodes, keys, positions), bad);
    if (nodes.length >= MAX_JSON_DEPTH) {
      const path = pathOf(nodes, keys, positions);
      throw new LimitError(`${what}: ${path} nests deeper than ${MAX_JSON_DEPTH} levels`, { path });
    }
    nodes.push(child);
    keys.push(Array.isArray(child) ? undefined : Object.keys(child));
    positions.push(0);
  }
}

/** The path of the member last read on the current path, e.g. `value.items[2]["a b"]`. */
function pathOf(nodes: readonly object[], keys: readonly (string[] | undefined)[], positions: readonly number[]): string {
  let path = 'value';
  for (let i = 0; i < nodes.length; i++) {
    const own = keys[i];
    const at = positions[i] - 1;
    if (own === undefined) path += `[${at}]`;
    else path += /^[A-Za-z_$][\w$]*$/.test(own[at]) ? `.${own[at]}` : `[${JSON.stringify(own[at])}]`;
  }
  return path;
}

function refuse(what: string, path: string, why: string): never {
  throw new ValidationError(`${what}: ${path} is ${why}`, { path });
}
