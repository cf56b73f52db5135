import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layers of src/ and which may import which (docs/ARCHITECTURE.md): dependencies point one
// way, `core` does no I/O, and the client (`sync`) and the server (`hub`) stand side by side.
const src = fileURLToPath(new URL('../../src', import.meta.url));

/** What each layer may import, besides itself. The entry files (index.ts, browser.ts) may import anything. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  rx: ['core'],
  identity: ['core'],
  wire: ['core', 'rx', 'identity'],
  transport: ['core', 'rx', 'identity', 'wire'],
  // The crash-safe log both the hub's file store and a link's file persister keep (Node only).
  'store-log': ['core', 'identity'],
  sync: ['core', 'rx', 'identity', 'wire', 'transport', 'store-log'],
  hub: ['core', 'rx', 'identity', 'wire', 'transport', 'store-log'],
  // The NATS store (`varspace/nats`, its own entry point) beside the hub, for the hub.
  nats: ['core', 'rx', 'identity', 'wire', 'transport', 'store-log', 'hub'],
  cli: ['core', 'rx', 'identity', 'wire', 'transport', 'store-log', 'sync', 'hub', 'nats'],
  // The inspector is a browser app on the public browser entry.
  inspector: ['(entry)'],
  // varspace/react, an entry of its own on top of the client: nothing imports it (last test).
  react: ['core', 'rx', 'identity', 'sync'],
};

/**
 * Crossings that exist today, each to be removed by the restructure (issue 18): the list may only
 * shrink. A crossing that is gone must be taken off the list (the last test says which).
 */
const KNOWN_CROSSINGS: readonly string[] = [];

/** Modules Node code may not import from `core` (it does no I/O). */
const IO_MODULES = /^(node:)?(fs|net|http|https|child_process|dgram|tls|worker_threads)(\/|$)|^ws$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, statically or with `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)) specifiers.push(match[1]);
  for (const match of text.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)) specifiers.push(match[1]);
  for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) specifiers.push(match[1]);
  // A build script loaded at run time by a path it computes (the inspector's dev fallback).
  for (const match of text.matchAll(/'scripts',\s*'([^']+)'/g)) specifiers.push(`${relative(dirname(file), src)}/../scripts/${match[1]}`);
  return specifiers;
}

function layerOf(path: string): string | undefined {
  const inside = relative(src, path);
  if (inside.startsWith('..')) return '(outside src)';
  const parts = inside.split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

function edges(): Edge[] {
  const found: Edge[] = [];
  for (const file of sourceFiles(src)) {
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      const from = layerOf(file);
      const to = layerOf(target);
      if (from === undefined || from === to) continue;
      found.push({ from, to: to ?? '(entry)', label: `${relative(src, file)} -> ${relative(src, target)}`.split(sep).join('/') });
    }
  }
  return found;
}

test('every layer imports only the layers below it (besides the known crossings the restructure removes)', () => {
  const wrong = edges()
    .filter((edge) => !(ALLOWED[edge.from] ?? []).includes(edge.to))
    .map((edge) => edge.label)
    .filter((label) => !KNOWN_CROSSINGS.includes(label));
  expect(wrong).toEqual([]);
});

test('no source file imports anything outside src at run time (scripts are for the build)', () => {
  const outside = edges().filter((edge) => edge.to === '(outside src)' && !KNOWN_CROSSINGS.includes(edge.label));
  expect(outside.map((edge) => edge.label)).toEqual([]);
});

test('core imports no I/O module', () => {
  const io = sourceFiles(join(src, 'core')).flatMap((file) =>
    importsOf(file)
      .filter((specifier) => IO_MODULES.test(specifier))
      .map((specifier) => `${relative(src, file)} -> ${specifier}`),
  );
  expect(io).toEqual([]);
});

test('the list of known crossings holds only crossings that still exist', () => {
  const labels = new Set(edges().map((edge) => edge.label));
  expect(KNOWN_CROSSINGS.filter((crossing) => !labels.has(crossing))).toEqual([]);
});

test('nothing imports the React entry (src/react), not even the library entries: react stays an optional peer', () => {
  const intoReact = edges().filter((edge) => edge.to === 'react' && edge.from !== 'react');
  const entries = ['index.ts', 'browser.ts', 'public.ts'].flatMap((name) =>
    importsOf(join(src, name))
      .filter((specifier) => specifier.startsWith('./react/') || specifier === 'react')
      .map((specifier) => `${name} -> ${specifier}`),
  );
  expect([...intoReact.map((edge) => edge.label), ...entries]).toEqual([]);
});
