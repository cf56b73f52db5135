// A source transform for the browser bundles: marks each call of a `zod/mini` schema builder
// (`z.object(…)`, `z.number().check(…)`) `/* @__PURE__ */`. zod stays outside varspace.js, so
// esbuild cannot know that building a schema has no side effects, and would keep every schema a
// module defines: with the marks, the schemas the browser never uses (the hub's, such as the
// union of client messages) are left out.

import ts from 'typescript';

/** The identifier a chain of member accesses and calls starts from (`z` for `z.number().check`). */
function chainRoot(node) {
  let current = node;
  while (ts.isCallExpression(current) || ts.isPropertyAccessExpression(current)) current = current.expression;
  return ts.isIdentifier(current) ? current.text : undefined;
}

/**
 * Marks the calls made on the `zod/mini` namespace import (`import * as z from 'zod/mini'`) pure.
 * Comments and strings are left alone (the module is parsed, not searched).
 *
 * @param text a TypeScript module.
 * @param fileName its path (for the parser's diagnostics).
 * @returns the module with `/* @__PURE__ *\/` before each such call; unchanged without that import.
 * @example markZodCallsPure("import * as z from 'zod/mini'; const s = z.string();") // '… const s = /* @__PURE__ *\/ z.string();'
 */
export function markZodCallsPure(text, fileName = 'module.ts') {
  const match = /import \* as (\w+) from 'zod\/mini'/.exec(text);
  if (match === null) return text;
  const namespace = match[1];
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const starts = new Set();
  const visit = (node) => {
    if (ts.isCallExpression(node) && chainRoot(node) === namespace) starts.add(node.getStart(source));
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = text;
  for (const start of [...starts].sort((a, b) => b - a)) out = `${out.slice(0, start)}/* @__PURE__ */ ${out.slice(start)}`;
  return out;
}
