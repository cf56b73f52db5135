import { parseFqn } from './names.js';

/**
 * Memoizes the tokens of FQNs (system names allowed), for the hot paths that match the same
 * names against patterns again and again (the hub's routing, a link's follows). Internal.
 *
 * @example
 * const tokens = new FqnTokenCache();
 * tokens.of('ui.buttons/b1'); // ['ui', 'buttons', 'b1'], parsed once
 */
export class FqnTokenCache {
  private readonly cache = new Map<string, readonly string[]>();

  /**
   * The tokens of `fqn`, parsed on first use.
   * @throws NameError (`VS_BAD_NAME`) when `fqn` is not a valid FQN.
   */
  of(fqn: string): readonly string[] {
    let tokens = this.cache.get(fqn);
    if (tokens === undefined) {
      tokens = parseFqn(fqn, { system: true }).tokens;
      // System names (`$…`) are not kept: they are per connection (presence), written as it comes
      // and goes, and would pile up for every instance a hub has ever seen.
      if (fqn.charCodeAt(0) !== 36) this.cache.set(fqn, tokens);
    }
    return tokens;
  }
}
