// A source transform for the browser bundles, which are built without `keepNames` (it wraps every
// function and class in a `__name` call: 1.6 kB of the own code's 25 kB gzip budget). What users
// see by name keeps it: each class that src/public.ts exports (every error class, `Space`, `Var`,
// `Link`, …) names itself after its module, so `error.name` is `ClosedError` and a `Var` written as
// a value is refused as "a Var, not a plain object", as in Node. Internal classes and functions get
// minified names (stack traces of minified code are read through source maps anyway).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The names src/public.ts exports (values and types alike; only classes are affected). */
function publicNames(root) {
  const text = readFileSync(join(root, 'src', 'public.ts'), 'utf8');
  const names = new Set();
  for (const [, list] of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of list.split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name) names.add(name);
    }
  }
  return names;
}

/**
 * Returns the transform: it appends to a module of `src/` a loop that sets `name` on each class it
 * declares and exports that src/public.ts exports too.
 *
 * @param root the package root.
 * @returns `(text) => text`, the module's TypeScript with its public classes named.
 * @example const name = namePublicClasses(root); name('export class Var {}') // '…Object.entries({ Var })…'
 */
export function namePublicClasses(root) {
  const names = publicNames(root);
  return (text) => {
    const classes = [...text.matchAll(/^export (?:abstract )?class (\w+)/gm)].map((m) => m[1]).filter((name) => names.has(name));
    if (classes.length === 0) return text;
    // One shorthand object per module: its keys are the names, kept by the minifier.
    return `${text}\nfor (const [name, c] of Object.entries({ ${classes.join(', ')} })) Object.defineProperty(c, 'name', { value: name });\n`;
  };
}
