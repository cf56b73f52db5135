import { isSystemToken } from './names.js';

// A class with every field set in the constructor gives all nodes one hidden class, so the
// property reads of the match loop stay monomorphic however the trie was built.
class TrieNode<T> {
  literal: Map<string, TrieNode<T>> | undefined = undefined;
  star: TrieNode<T> | undefined = undefined;
  rest: TrieNode<T> | undefined = undefined;
  entries: Set<T> | undefined = undefined;
  // A 128-bit filter of the literal tokens ever added (one bit each, never cleared: a stale bit
  // only costs a lookup). A clear bit means no such child, which spares the Map lookup; with many
  // patterns that lookup is a few cache misses into a large trie, for each var event.
  filter0 = 0;
  filter1 = 0;
  filter2 = 0;
  filter3 = 0;
}

/** The filter bit (0–127) of a literal token. */
function filterBit(token: string): number {
  let hash = 0;
  for (let i = 0; i < token.length; i++) hash = (Math.imul(hash, 31) + token.charCodeAt(i)) | 0;
  return (hash ^ (hash >>> 7) ^ (hash >>> 14)) & 127;
}

function setFilterBit<T>(node: TrieNode<T>, bit: number): void {
  const mask = 1 << (bit & 31);
  switch (bit >>> 5) {
    case 0:
      node.filter0 |= mask;
      break;
    case 1:
      node.filter1 |= mask;
      break;
    case 2:
      node.filter2 |= mask;
      break;
    default:
      node.filter3 |= mask;
      break;
  }
}

function hasFilterBit<T>(node: TrieNode<T>, bit: number): boolean {
  const mask = 1 << (bit & 31);
  switch (bit >>> 5) {
    case 0:
      return (node.filter0 & mask) !== 0;
    case 1:
      return (node.filter1 & mask) !== 0;
    case 2:
      return (node.filter2 & mask) !== 0;
    default:
      return (node.filter3 & mask) !== 0;
  }
}

/**
 * Where a namespace's tokens lead in a trie: the nodes that go on with the var name, and the
 * `>` nodes passed on the way (they match whatever name follows). A namespace keeps its own,
 * so that a var event costs one step from there instead of a walk from the root through nodes
 * that, with many patterns, are mostly out of the CPU cache. Valid while the trie is unchanged.
 */
export class NsFrontier<T> {
  /** @internal */
  constructor(
    readonly version: number,
    readonly nodes: readonly TrieNode<T>[],
    readonly restNodes: readonly TrieNode<T>[],
  ) {}
}

/**
 * Token trie of patterns (like NATS's sublist): finding the entries whose pattern matches
 * an FQN costs time in the FQN's depth, not in the number of patterns.
 *
 * Wildcards in the first position do not match a `$…` token (as in NATS), so `>` does not
 * select system vars unless asked for by name (`$sys.>`).
 *
 * @example
 * const trie = new PatternTrie<string>();
 * trie.add(parsePattern('ui.>').tokens, 'a');
 * trie.forEachMatch(parseFqn('ui.buttons/b1').tokens, (e) => console.log(e)); // 'a'
 */
export class PatternTrie<T> {
  private readonly root = new TrieNode<T>();
  private count = 0;
  // Bumped by every add and remove: frontiers made before are stale.
  private version = 0;

  /** Number of (pattern, entry) pairs held. */
  get size(): number {
    return this.count;
  }

  /** Adds `entry` under the pattern's tokens. Adding the same pair twice keeps one. */
  add(tokens: readonly string[], entry: T): void {
    this.version++;
    let node = this.root;
    for (const token of tokens) node = child(node, token);
    node.entries ??= new Set();
    if (!node.entries.has(entry)) {
      node.entries.add(entry);
      this.count++;
    }
  }

  /** Removes `entry` from the pattern's tokens, pruning empty branches. Returns whether it was there. */
  remove(tokens: readonly string[], entry: T): boolean {
    this.version++;
    const removed = removeAt(this.root, tokens, 0, entry);
    if (removed) this.count--;
    return removed;
  }

  /** Calls `visit` for each entry whose pattern matches the FQN tokens. */
  forEachMatch(tokens: readonly string[], visit: (entry: T) => void): void {
    matchAt(this.root, tokens, 0, visit);
  }

  /** The frontier of the namespace `nsTokens`: `cached` itself while it is still valid, else a new one. */
  frontier(nsTokens: readonly string[], cached?: NsFrontier<T>): NsFrontier<T> {
    if (cached !== undefined && cached.version === this.version) return cached;
    const nodes: TrieNode<T>[] = [];
    const restNodes: TrieNode<T>[] = [];
    frontierAt(this.root, nsTokens, 0, nodes, restNodes);
    return new NsFrontier(this.version, nodes, restNodes);
  }

  /**
   * Calls `visit` for each entry whose pattern matches the var `name` in the namespace whose
   * (current) frontier is given: the same entries as `forEachMatch` on the var's tokens.
   */
  forEachMatchIn(frontier: NsFrontier<T>, name: string, visit: (entry: T) => void): void {
    for (const rest of frontier.restNodes) visitAll(rest, visit);
    let bit = -1;
    // The name is never the first token, so wildcards always apply to it.
    for (const node of frontier.nodes) {
      visitAll(node.rest, visit);
      if (node.literal !== undefined) {
        if (bit < 0) bit = filterBit(name);
        if (hasFilterBit(node, bit)) visitAll(node.literal.get(name), visit);
      }
      visitAll(node.star, visit);
    }
  }

  /** Calls `visit` for each entry whose pattern could match a var directly in the namespace `nsTokens`. */
  forEachNsMatch(nsTokens: readonly string[], visit: (entry: T) => void): void {
    matchNsAt(this.root, nsTokens, 0, visit);
  }
}

function child<T>(node: TrieNode<T>, token: string): TrieNode<T> {
  if (token === '*') return (node.star ??= new TrieNode());
  if (token === '>') return (node.rest ??= new TrieNode());
  node.literal ??= new Map();
  let next = node.literal.get(token);
  if (!next) {
    next = new TrieNode();
    node.literal.set(token, next);
    setFilterBit(node, filterBit(token));
  }
  return next;
}

function isEmpty<T>(node: TrieNode<T>): boolean {
  return !node.entries?.size && !node.literal?.size && !node.star && !node.rest;
}

function removeAt<T>(node: TrieNode<T>, tokens: readonly string[], i: number, entry: T): boolean {
  if (i === tokens.length) return node.entries?.delete(entry) ?? false;
  const token = tokens[i];
  const next = token === '*' ? node.star : token === '>' ? node.rest : node.literal?.get(token);
  if (!next || !removeAt(next, tokens, i + 1, entry)) return false;
  if (isEmpty(next)) {
    if (token === '*') node.star = undefined;
    else if (token === '>') node.rest = undefined;
    else node.literal!.delete(token);
  }
  return true;
}

function visitAll<T>(node: TrieNode<T> | undefined, visit: (entry: T) => void): void {
  if (node?.entries) for (const entry of node.entries) visit(entry);
}

function matchAt<T>(node: TrieNode<T>, tokens: readonly string[], i: number, visit: (entry: T) => void): void {
  if (i === tokens.length) {
    visitAll(node, visit);
    return;
  }
  const token = tokens[i];
  const wildcardsApply = i > 0 || !isSystemToken(token);
  if (wildcardsApply) visitAll(node.rest, visit);
  const literal = node.literal?.get(token);
  if (literal) matchAt(literal, tokens, i + 1, visit);
  if (wildcardsApply && node.star) matchAt(node.star, tokens, i + 1, visit);
}

function frontierAt<T>(node: TrieNode<T>, tokens: readonly string[], i: number, nodes: TrieNode<T>[], restNodes: TrieNode<T>[]): void {
  if (i === tokens.length) {
    nodes.push(node);
    return;
  }
  const token = tokens[i];
  const wildcardsApply = i > 0 || !isSystemToken(token);
  if (wildcardsApply && node.rest) restNodes.push(node.rest);
  const literal = node.literal?.get(token);
  if (literal) frontierAt(literal, tokens, i + 1, nodes, restNodes);
  if (wildcardsApply && node.star) frontierAt(node.star, tokens, i + 1, nodes, restNodes);
}

function matchNsAt<T>(node: TrieNode<T>, tokens: readonly string[], i: number, visit: (entry: T) => void): void {
  if (i === tokens.length) {
    // One more token, the var name, which can be anything.
    visitAll(node.rest, visit);
    visitAll(node.star, visit);
    if (node.literal) for (const next of node.literal.values()) visitAll(next, visit);
    return;
  }
  const token = tokens[i];
  const wildcardsApply = i > 0 || !isSystemToken(token);
  if (wildcardsApply) visitAll(node.rest, visit);
  const literal = node.literal?.get(token);
  if (literal) matchNsAt(literal, tokens, i + 1, visit);
  if (wildcardsApply && node.star) matchNsAt(node.star, tokens, i + 1, visit);
}

/** True when a pattern's tokens match an FQN's tokens (the trie's rule, for one pattern). */
export function patternMatches(pattern: readonly string[], tokens: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (i >= tokens.length) return false;
    const wildcardsApply = i > 0 || !isSystemToken(tokens[i]);
    if (p === '>') return wildcardsApply;
    if (p === '*') {
      if (!wildcardsApply) return false;
      continue;
    }
    if (p !== tokens[i]) return false;
  }
  return pattern.length === tokens.length;
}

/**
 * True when some FQN could match both patterns (e.g. `>` and `public.>`, `a.*` and `*.b`).
 * @example patternsOverlap(['>'], ['public', '>']) // true
 */
export function patternsOverlap(a: readonly string[], b: readonly string[]): boolean {
  return overlapAt(a, 0, b, 0);
}

function overlapAt(a: readonly string[], i: number, b: readonly string[], j: number): boolean {
  if (i === a.length || j === b.length) return i === a.length && j === b.length;
  const x = a[i];
  const y = b[j];
  if (x === '>' && y === '>') return true;
  // `>` ends its pattern and takes one or more tokens: any non-empty rest of the other matches,
  // except a system token in first place.
  if (x === '>') return !(i === 0 && y.charCodeAt(0) === 36);
  if (y === '>') return overlapAt(b, j, a, i);
  const isSystem = (t: string, at: number) => at === 0 && t.charCodeAt(0) === 36;
  if (x === '*' || y === '*') {
    if ((x === '*' && isSystem(y, j)) || (y === '*' && isSystem(x, i))) return false;
    return overlapAt(a, i + 1, b, j + 1);
  }
  return x === y && overlapAt(a, i + 1, b, j + 1);
}
