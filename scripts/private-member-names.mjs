// The property names the browser bundles may shorten (esbuild `mangleProps`): the names of
// TypeScript `private` members of the classes in src/ that are used nowhere else. A name is kept
// as written when it is also a public member, a key of an object literal or of a type (the wire's
// messages, options, error details, stored records: anything that leaves the bundle), a
// destructured key, a word inside any string of src/ (`obj['x']`, `'x' in obj`), or any word of the
// platform's, rxjs's, zod's or ws's declarations. So renaming one changes nothing outside the
// object that holds it. The rule for code in src/: a private member is reached as `this.x` or
// `other.x`, never by a computed key; persisted or sent data is built from typed object literals,
// never a class instance stored or serialized whole (its private keys would differ per build).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * Code whose words are never renamed: the platform's declarations, and the peer packages' (their
 * code too: varspace.bundle.js bundles rxjs and zod, and the renaming applies to all of a bundle).
 */
const RESERVED_WORDS_FROM = [
  ['node_modules/typescript/lib', /^lib\..*\.d\.ts$/],
  ['node_modules/@types/node', /\.d\.ts$/],
  ['node_modules/@types/ws', /\.d\.ts$/],
  ['node_modules/rxjs/dist/types', /\.d\.ts$/],
  ['node_modules/rxjs/dist/esm5', /\.js$/],
  ['node_modules/zod/v4', /\.(?:d\.ts|js)$/],
];

function* filesUnder(dir, pattern) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path, pattern);
    else if (pattern.test(entry.name)) yield path;
  }
}

function addWords(text, words) {
  for (const [word] of text.matchAll(/[A-Za-z_$][\w$]*/g)) words.add(word);
}

const isPrivate = (node) => ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private;

/** Sorts the member and key names of one module into private ones and all others. */
function collectNames(source, privates, others) {
  const nameOf = (name) =>
    name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;
  const visit = (node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken?.(node))
      addWords(node.text, others);
    const member =
      ts.isPropertyDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node) ||
      (ts.isParameter(node) && ts.isConstructorDeclaration(node.parent));
    if (member && ts.isClassLike(ts.isParameter(node) ? node.parent.parent : node.parent)) {
      const name = nameOf(node.name);
      if (name !== undefined) {
        if (isPrivate(node)) privates.add(name);
        else if (!ts.isParameter(node) || ts.getCombinedModifierFlags(node) & ts.ModifierFlags.ParameterPropertyModifier) others.add(name);
      }
    } else if (
      ts.isPropertySignature(node) ||
      ts.isMethodSignature(node) ||
      ts.isPropertyAssignment(node) ||
      ts.isShorthandPropertyAssignment(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node) ||
      ts.isEnumMember(node)
    ) {
      const name = nameOf(node.name);
      if (name !== undefined) others.add(name);
    } else if (ts.isBindingElement(node)) {
      const name = nameOf(node.propertyName ?? node.name);
      if (name !== undefined) others.add(name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

/**
 * The names of private members esbuild may rename in the browser bundles (see the module's comment).
 *
 * @param root the package root.
 * @returns the names, sorted.
 * @example new RegExp(`^(?:${privateMemberNames(root).join('|')})$`) // esbuild's mangleProps
 */
export function privateMemberNames(root) {
  const privates = new Set();
  const others = new Set();
  for (const file of filesUnder(join(root, 'src'), /\.ts$/)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    collectNames(source, privates, others);
  }
  for (const [dir, pattern] of RESERVED_WORDS_FROM) {
    for (const file of filesUnder(join(root, dir), pattern)) addWords(readFileSync(file, 'utf8'), others);
  }
  return [...privates].filter((name) => !others.has(name) && !name.startsWith('#')).sort();
}
