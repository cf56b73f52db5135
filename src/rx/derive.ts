import { defaultSpace } from '../core/default-space.js';
import { CycleError, NameError } from '../core/errors.js';
import { parseFqn } from '../core/names.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import { Node, locate, setNode } from './graph.js';

/** The sources of a derived var: for each argument of `fn`, a var or the FQN of one. */
export type DeriveSources<A extends readonly unknown[]> = { readonly [K in keyof A]: string | Var<A[K]> };

interface Derivation {
  readonly target: Var<any>;
  readonly refs: readonly { space: Space; fqn: string }[];
  release(): void;
}

const derivationsBySpace = new WeakMap<Space, Map<string, Derivation>>();

function derivations(space: Space): Map<string, Derivation> {
  let found = derivationsBySpace.get(space);
  if (!found) derivationsBySpace.set(space, (found = new Map()));
  return found;
}

/** Throws when following the sources through existing derivations leads back to `fqn`. */
function checkCycle(space: Space, fqn: string, refs: readonly { space: Space; fqn: string }[]): void {
  const seen = new Set<Derivation>();
  const visit = (ref: { space: Space; fqn: string }, path: string[]): void => {
    if (ref.space === space && ref.fqn === fqn) {
      const cycle = [fqn, ...path, fqn];
      throw new CycleError(`derive ${fqn}: it would depend on itself (${cycle.join(' <- ')})`, { fqn, cycle });
    }
    const derivation = derivationsBySpace.get(ref.space)?.get(ref.fqn);
    if (!derivation || seen.has(derivation)) return;
    seen.add(derivation);
    for (const next of derivation.refs) visit(next, [...path, ref.fqn]);
  };
  for (const ref of refs) visit(ref, []);
}

/**
 * Interns a read-only var at `fqn` whose value is `fn(...values of sources)`, recomputed once
 * per change of its sources — once per transaction or batch, however many sources it wrote,
 * and only after the derived vars it reads are up to date (no glitches). The derived var
 * emits only when the computed value changes (`Object.is`).
 *
 * FQN sources are followed by path: the derived var waits until every source exists and is
 * bound, and keeps following a source that is unmapped and interned again. A var source
 * stands for its FQN in its own space. `unmap(fqn)` releases every source subscription.
 * Deriving an FQN that is already derived replaces the previous definition (hot reload).
 * An error thrown by `fn` (or by the derived var's validator) is reported on the space's
 * `errors$`, and the var keeps its value.
 *
 * @param fqn where to intern the derived var (in `space`).
 * @param sources vars or FQNs; their values are `fn`'s arguments, in order.
 * @param fn pure function of the source values.
 * @param space the space (default: `defaultSpace()`).
 * @returns the derived var; app writes to it (`reset`, `swap`, …) throw `ReadOnlyError` (`VS_READ_ONLY`).
 * @throws {NameError} for a bad FQN or source; {@link CycleError} (`VS_CYCLE`) when the var would depend on itself.
 * @example
 * const total = derive('cart/total', ['cart/price', 'cart/qty'], (p: number, q: number) => p * q, space);
 * total.deref(); // price × qty, kept up to date
 */
export function derive<A extends unknown[] | [], R>(fqn: string, sources: DeriveSources<A>, fn: (...values: A) => R, space?: Space): Var<R>;
export function derive<R>(fqn: string, sources: readonly (string | Var<any>)[], fn: () => R, space?: Space): Var<R>;
export function derive<R>(
  fqn: string,
  sources: readonly (string | Var<any>)[],
  fn: (...values: any[]) => R,
  space: Space = defaultSpace(),
): Var<R> {
  parseFqn(fqn);
  if (!Array.isArray(sources)) throw new NameError(`derive ${fqn}: sources must be an array of FQNs or vars`, { fqn });
  if (typeof fn !== 'function') throw new TypeError(`derive ${fqn}: fn must be a function`);
  const refs = (sources as readonly unknown[]).map((source, i) => locate(source, space, `derive ${fqn}: source ${i}`));
  checkCycle(space, fqn, refs);

  const target = space.intern<R>(fqn);
  const registry = derivations(space);
  const previous = registry.get(fqn);
  if (previous && previous.target === target) previous.release();
  target.readOnly = true;

  const args = new Array<unknown>(refs.length);
  const node = new Node(space.batch, refs, (self) => {
    const current = self.sources;
    for (let i = 0; i < current.length; i++) args[i] = current[i].value;
    const value = fn(...args);
    if (target.bound && Object.is(value, target.getValue())) return;
    target.write(value, undefined);
  });

  const unmapped = space.events$(fqn).subscribe((event) => {
    if (event.type === 'var-unmapped') derivation.release();
  });
  const derivation: Derivation = {
    target,
    refs,
    release() {
      node.stop();
      unmapped.unsubscribe();
      if (registry.get(fqn) === derivation) registry.delete(fqn);
      setNode(target, undefined);
    },
  };
  registry.set(fqn, derivation);
  setNode(target, node);
  node.start();
  return target;
}
