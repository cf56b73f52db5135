import fc from 'fast-check';
import { parseFqn, parseNs, parsePattern } from '../../src/index.js';
// Internal: the trie is not exported from the package.
import { PatternTrie, patternMatches } from '../../src/core/pattern-trie.js';
import { NS_CASES, VAR_CASES } from './pattern-cases.js';

const fqnTokens = (fqn: string) => parseFqn(fqn, { system: true }).tokens;
const patternTokens = (pattern: string) => parsePattern(pattern).tokens;

function matchesOf<T>(trie: PatternTrie<T>, fqn: string): T[] {
  const found: T[] = [];
  trie.forEachMatch(fqnTokens(fqn), (entry) => found.push(entry));
  return found;
}

function nsMatchesOf<T>(trie: PatternTrie<T>, ns: string): T[] {
  const found: T[] = [];
  trie.forEachNsMatch(parseNs(ns, { system: true }), (entry) => found.push(entry));
  return found;
}

describe('pattern matching (DESIGN §2)', () => {
  test.each(VAR_CASES)('%j against %j → %j (one pattern)', (pattern, fqn, expected) => {
    expect(patternMatches(patternTokens(pattern), fqnTokens(fqn))).toBe(expected);
  });

  test.each(VAR_CASES)('%j against %j → %j (trie)', (pattern, fqn, expected) => {
    const trie = new PatternTrie<string>();
    trie.add(patternTokens(pattern), pattern);
    expect(matchesOf(trie, fqn)).toEqual(expected ? [pattern] : []);
  });

  test.each(NS_CASES)('namespace event %j passes %j → %j', (pattern, ns, expected) => {
    const trie = new PatternTrie<string>();
    trie.add(patternTokens(pattern), pattern);
    expect(nsMatchesOf(trie, ns)).toEqual(expected ? [pattern] : []);
  });

  test('one trie holding every pattern of the table finds exactly the matching ones', () => {
    const trie = new PatternTrie<string>();
    const patterns = [...new Set(VAR_CASES.map(([pattern]) => pattern))];
    for (const pattern of patterns) trie.add(patternTokens(pattern), pattern);
    for (const fqn of new Set(VAR_CASES.map(([, f]) => f))) {
      const expected = patterns.filter((pattern) => patternMatches(patternTokens(pattern), fqnTokens(fqn)));
      expect(matchesOf(trie, fqn).sort()).toEqual(expected.sort());
    }
  });
});

describe('PatternTrie', () => {
  test('holds several entries under one pattern, and counts pairs', () => {
    const trie = new PatternTrie<string>();
    trie.add(patternTokens('ui.>'), 'a');
    trie.add(patternTokens('ui.>'), 'b');
    trie.add(patternTokens('ui.>'), 'a'); // the same pair again keeps one
    trie.add(patternTokens('*.buttons/*'), 'c');
    expect(trie.size).toBe(3);
    expect(matchesOf(trie, 'ui.buttons/b1').sort()).toEqual(['a', 'b', 'c']);
  });

  test('remove takes out one pair, reports whether it was there, and prunes', () => {
    const trie = new PatternTrie<string>();
    trie.add(patternTokens('ui.buttons/*'), 'a');
    trie.add(patternTokens('ui.buttons/*'), 'b');
    expect(trie.remove(patternTokens('ui.buttons/*'), 'a')).toBe(true);
    expect(trie.remove(patternTokens('ui.buttons/*'), 'a')).toBe(false);
    expect(trie.remove(patternTokens('ui.>'), 'b')).toBe(false);
    expect(trie.remove(patternTokens('no.such/path'), 'b')).toBe(false);
    expect(trie.size).toBe(1);
    expect(matchesOf(trie, 'ui.buttons/x')).toEqual(['b']);
    expect(trie.remove(patternTokens('ui.buttons/*'), 'b')).toBe(true);
    expect(trie.size).toBe(0);
    expect(matchesOf(trie, 'ui.buttons/x')).toEqual([]);
    // After pruning, the same pattern can be added again and works.
    trie.add(patternTokens('ui.buttons/*'), 'c');
    expect(matchesOf(trie, 'ui.buttons/x')).toEqual(['c']);
  });

  test('removing one pattern leaves patterns that share its prefix', () => {
    const trie = new PatternTrie<string>();
    trie.add(patternTokens('a.b/c'), 'literal');
    trie.add(patternTokens('a.b.>'), 'rest');
    trie.add(patternTokens('a.*/c'), 'star');
    trie.remove(patternTokens('a.b/c'), 'literal');
    expect(matchesOf(trie, 'a.b/c').sort()).toEqual(['rest', 'star']);
    trie.remove(patternTokens('a.*/c'), 'star');
    expect(matchesOf(trie, 'a.b/c')).toEqual(['rest']);
  });

  // Random patterns and FQNs over a small alphabet, so that they often match: the trie must
  // agree with testing each pattern one by one.
  const token = fc.constantFrom('a', 'b', 'c', '$s');
  const fqnArb = fc.array(token, { minLength: 2, maxLength: 5 }).filter((t) => t.slice(1).every((x) => x !== '$s'));
  const patternArb = fc
    .tuple(fc.array(fc.constantFrom('a', 'b', '$s', '*'), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([tokens, rest]) => (rest ? [...tokens, '>'] : tokens.length >= 2 ? tokens : [...tokens, '*']));

  test.each(VAR_CASES)('%j against %j → %j (from the namespace frontier)', (pattern, fqn, expected) => {
    const trie = new PatternTrie<string>();
    trie.add(patternTokens(pattern), pattern);
    const { tokens } = parseFqn(fqn, { system: true });
    const found: string[] = [];
    trie.forEachMatchIn(trie.frontier(tokens.slice(0, -1)), tokens[tokens.length - 1], (entry) => found.push(entry));
    expect(found).toEqual(expected ? [pattern] : []);
  });

  test('with many literal names under one namespace (filter bits shared), each name finds exactly its own entries', () => {
    const trie = new PatternTrie<string>();
    const names = Array.from({ length: 600 }, (_, i) => `w${i}`);
    for (const name of names) trie.add(patternTokens(`a.b/${name}`), name);
    trie.add(patternTokens('a.*/w7'), 'star-w7');
    // Removed entries leave their filter bits set: still no match.
    for (const name of names.slice(300)) trie.remove(patternTokens(`a.b/${name}`), name);
    const frontier = trie.frontier(['a', 'b']);
    const matchesIn = (name: string) => {
      const found: string[] = [];
      trie.forEachMatchIn(frontier, name, (entry) => found.push(entry));
      return found.sort();
    };
    for (const name of names.slice(0, 300)) expect(matchesIn(name)).toEqual(name === 'w7' ? ['star-w7', 'w7'] : [name]);
    for (const name of names.slice(300)) expect(matchesIn(name)).toEqual([]);
    for (let i = 0; i < 300; i++) expect(matchesIn(`x${i}`)).toEqual([]);
  });

  test('a frontier is reused while the trie is unchanged, and remade after add or remove', () => {
    const trie = new PatternTrie<string>();
    trie.add(patternTokens('a.>'), 'rest');
    const ns = parseNs('a.b');
    const first = trie.frontier(ns);
    expect(trie.frontier(ns, first)).toBe(first);
    trie.add(patternTokens('a.b/*'), 'star');
    const second = trie.frontier(ns, first);
    expect(second).not.toBe(first);
    const found: string[] = [];
    trie.forEachMatchIn(second, 'x', (entry) => found.push(entry));
    expect(found.sort()).toEqual(['rest', 'star']);
    trie.remove(patternTokens('a.>'), 'rest');
    const third = trie.frontier(ns, second);
    found.length = 0;
    trie.forEachMatchIn(third, 'x', (entry) => found.push(entry));
    expect(found).toEqual(['star']);
  });

  test('agrees with a linear scan on random patterns', () => {
    fc.assert(
      fc.property(
        fc.array(patternArb, { minLength: 1, maxLength: 20 }),
        fc.array(fqnArb, { minLength: 1, maxLength: 10 }),
        (patterns, fqns) => {
          const trie = new PatternTrie<number>();
          patterns.forEach((p, i) => trie.add(p, i));
          for (const tokens of fqns) {
            const found: number[] = [];
            trie.forEachMatch(tokens, (i) => found.push(i));
            const expected = patterns.flatMap((p, i) => (patternMatches(p, tokens) ? [i] : []));
            expect(found.sort((x, y) => x - y)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('frontiers kept across random adds and removes agree with a linear scan', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), patternArb), { minLength: 1, maxLength: 30 }),
        fc.array(fqnArb, { minLength: 1, maxLength: 6 }),
        (steps, fqns) => {
          const trie = new PatternTrie<number>();
          const live = new Map<number, readonly string[]>();
          // One cached frontier per namespace, reused from step to step as a space does.
          const cached = new Map<string, ReturnType<typeof trie.frontier>>();
          steps.forEach(([removeOne, pattern], step) => {
            const victim = [...live.keys()][step % Math.max(1, live.size)];
            if (removeOne && victim !== undefined) {
              trie.remove(live.get(victim)!, victim);
              live.delete(victim);
            } else {
              trie.add(pattern, step);
              live.set(step, pattern);
            }
            for (const tokens of fqns) {
              const nsKey = tokens.slice(0, -1).join('.');
              const frontier = trie.frontier(tokens.slice(0, -1), cached.get(nsKey));
              cached.set(nsKey, frontier);
              const found: number[] = [];
              trie.forEachMatchIn(frontier, tokens[tokens.length - 1], (entry) => found.push(entry));
              const expected = [...live].flatMap(([entry, p]) => (patternMatches(p, tokens) ? [entry] : []));
              expect(found.sort((x, y) => x - y)).toEqual(expected.sort((x, y) => x - y));
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
