// The pattern rules of DESIGN §2 as tables, shared by the trie spec and the space spec so that
// the trie, the one-pattern matcher and `space.match` are held to the same answers.

/** `[pattern, fqn, matches]`: does the pattern select the var at that FQN? */
export const VAR_CASES: ReadonlyArray<readonly [string, string, boolean]> = [
  // `>`: one or more tokens, any depth.
  ['ui.>', 'ui/x', true],
  ['ui.>', 'ui.buttons/b1', true],
  ['ui.>', 'ui.a.b/c', true],
  ['ui.>', 'uix/y', false],
  ['ui.>', 'app.ui/x', false],
  ['>', 'a/b', true],
  ['>', 'a.b.c/d', true],
  ['*.>', 'a/b', true],
  ['*.>', 'a.b/c', true],
  // `ns/*`: vars directly in the namespace.
  ['ui.buttons/*', 'ui.buttons/b1', true],
  ['ui.buttons/*', 'ui.buttons.x/y', false],
  ['ui.buttons/*', 'ui/buttons', false],
  // `*` in the namespace part: exactly one token.
  ['*.buttons/*', 'ui.buttons/b1', true],
  ['*.buttons/*', 'admin.buttons/b9', true],
  ['*.buttons/*', 'a.b.buttons/x', false],
  ['*.buttons/*', 'buttons/x', false],
  ['*/*', 'a/b', true],
  ['*/*', 'a.b/c', false],
  ['a.*/c', 'a.b/c', true],
  ['a/*', 'a.b/c', false],
  // A literal FQN matches itself only.
  ['ui.buttons/b1', 'ui.buttons/b1', true],
  ['ui.buttons/b2', 'ui.buttons/b1', false],
  ['ui.buttons/b1', 'ui.buttons.b1/x', false],
  ['ui.buttons/b1', 'ui/buttons', false],
  // Without `/`: matched against namespace tokens then the name.
  ['ui.*', 'ui/x', true],
  ['ui.*', 'ui.a/x', false],
  ['a.b.c', 'a.b/c', true],
  ['a.b.c', 'a/b', false],
  ['a.b.c', 'a.b.c/d', false],
  ['*.*', 'a/b', true],
  ['*.*', 'a.b/c', false],
  ['a.*.c', 'a.b/c', true],
  // Wildcards in the first position do not select system (`$…`) vars; naming them does.
  ['>', '$sys/x', false],
  ['*.>', '$sys.instances/i1', false],
  ['*/x', '$sys/x', false],
  ['*.*', '$sys/x', false],
  ['$sys.>', '$sys.instances/i1', true],
  ['$sys.instances/*', '$sys.instances/i1', true],
  ['$sys.instances/i1', '$sys.instances/i1', true],
  // Past the first position, wildcards apply to `$` tokens like to any other.
  ['ui.>', 'ui.$private/y', true],
  ['ui.*/y', 'ui.$private/y', true],
];

/** `[pattern, ns, passes]`: does a namespace event pass the pattern (could the namespace hold a matching var)? */
export const NS_CASES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['ui.>', 'ui', true],
  ['ui.>', 'ui.buttons', true],
  ['ui.>', 'ui.a.b', true],
  ['ui.>', 'app', false],
  ['ui.>', 'uix', false],
  ['ui.buttons/*', 'ui.buttons', true],
  ['ui.buttons/*', 'ui', false],
  ['ui.buttons/*', 'ui.buttons.x', false],
  ['*.buttons/*', 'admin.buttons', true],
  ['*.buttons/*', 'admin', false],
  ['ui.buttons/b1', 'ui.buttons', true],
  ['ui.buttons/b1', 'ui', false],
  ['ui.*', 'ui', true],
  ['ui.*', 'ui.a', false],
  ['a.b.c', 'a.b', true],
  ['a.b.c', 'a', false],
  ['>', 'ui', true],
  ['>', 'ui.a.b', true],
  ['>', '$sys', false],
  ['*.>', 'a', true],
  ['*.>', '$sys.x', false],
  ['$sys.>', '$sys', true],
  ['$sys.>', '$sys.instances', true],
];
