// Rewrites src/browser.ts from src/index.ts: the same exports, less the Node-only ones, with the
// browser `connect`. Run it after changing index.ts: `node scripts/sync-browser-entry.mjs`
// (spec/conformance checks that the two entries agree). `--check` only reports a difference.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const HEADER = `// Public API of varspace in the browser (and Web Workers, Deno, Bun: any runtime with a native
// \`WebSocket\`). The same named exports as \`index.ts\`, less the server parts: \`startHub\`, \`Hub\`,
// the stores and logger (hubs run on Node), \`connectWs\`, \`wsServerTransport\`, and the Node \`connect\` (here
// \`connect\` opens the runtime's own \`WebSocket\`, or takes any \`Transport\`, such as a
// \`MessagePort\`'s). Nothing here imports a Node built-in: \`npm run build\` bundles this file
// for the browser and fails if one sneaks in; spec/conformance checks that the two entries
// export the same names.
// Made from index.ts by scripts/sync-browser-entry.mjs.

`;

/**
 * Modules (relative to src/) whose exports stay out of the browser entry: they need Node, or they
 * are the hub's, which runs on a server (keeping the client bundle small).
 */
export const NODE_ONLY_MODULES = [
  './hub/start-hub.js',
  './hub/upgrade-guard.js',
  './hub/file-store/file-store.js',
  './transport/ws-node.js',
  './hub/hub.js',
  './hub/memory-store.js',
  './hub/logger.js',
  './hub/access.js',
  './hub/limits.js',
  './hub/store.js',
];

/** The browser entry's text for an index.ts text. */
export function browserEntryFrom(indexSource) {
  // Statements, not lines: an export may span several lines.
  const statements = indexSource.split(/(?<=;)\n/);
  const kept = [];
  for (const statement of statements) {
    const from = /from '([^']+)'/.exec(statement)?.[1];
    if (from && NODE_ONLY_MODULES.includes(from)) continue;
    kept.push(from === './sync/connect-node.js' ? statement.replace('./sync/connect-node.js', './sync/connect.js') : statement);
  }
  const body = kept.join('\n').replace(/^(\/\/[^\n]*\n)+\n?/, ''); // drop index.ts's own header comment
  return HEADER + body;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = join(root, 'src', 'browser.ts');
  const next = browserEntryFrom(readFileSync(join(root, 'src', 'index.ts'), 'utf8'));
  const current = readFileSync(target, 'utf8');
  if (process.argv.includes('--check')) {
    if (current !== next) {
      console.error('src/browser.ts is out of date: run node scripts/sync-browser-entry.mjs');
      process.exit(1);
    }
  } else if (current !== next) {
    writeFileSync(target, next);
    console.log('src/browser.ts updated from src/index.ts');
  } else {
    console.log('src/browser.ts is up to date');
  }
}
