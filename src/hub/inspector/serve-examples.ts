import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { INSPECTOR_BUILD_DIR, sendBuiltFile } from './serve.js';

/** The example pages' files by URL path, as `npm run build` writes them under `dist/browser/examples/`. */
const FILES: ReadonlyMap<string, { readonly name: string; readonly type: string }> = new Map([
  ['/examples/offline-todo/', { name: 'examples/offline-todo/index.html', type: 'text/html; charset=utf-8' }],
  ['/examples/offline-todo/app.js', { name: 'examples/offline-todo/app.js', type: 'text/javascript; charset=utf-8' }],
  ['/examples/offline-todo/sw.js', { name: 'examples/offline-todo/sw.js', type: 'text/javascript; charset=utf-8' }],
]);

/**
 * Serves the example pages built from `examples/` (`/examples/offline-todo/`), for a hub's
 * `serve` option (`varspace demo` passes it); the pages load the library from the hub's
 * `/varspace.js`. Returns false for any other path. A missing file (the package was not built)
 * answers 503 saying to run `npm run build`.
 *
 * @example const hub = await startHub({ port: 7070, serve: serveExamples });
 */
export function serveExamples(path: string, response: ServerResponse): boolean {
  const file = FILES.get(path === '/examples/offline-todo' ? '/examples/offline-todo/' : path);
  if (file === undefined) return false;
  sendBuiltFile(join(INSPECTOR_BUILD_DIR, file.name), file.type, response, 'example');
  return true;
}
