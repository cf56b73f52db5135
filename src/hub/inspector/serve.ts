import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSPECTOR_HTML } from './page.js';

/** The files the inspector page needs besides its HTML, by URL path. */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['/varspace.js', 'varspace.bundle.js'],
  ['/inspector.js', 'inspector.js'],
]);

/** The browser bundles, by file name (`varspace.bundle.js`, `inspector.js`). */
type Bundles = ReadonlyMap<string, string>;

let bundles: Promise<Bundles> | undefined;

/**
 * The bundles the page loads. Running from the build (`dist/hub/inspector/serve.js`), they are
 * `dist/browser/*.js`, made by `npm run build`. Running from source (`src/…`, e.g. under tsx or
 * jest), they are built now with esbuild (a dev dependency), from the same sources, once per
 * process.
 *
 * @throws rejects with an error saying what to do when neither is possible.
 */
export function inspectorBundles(): Promise<Bundles> {
  return (bundles ??= loadBundles().catch((error: unknown) => {
    bundles = undefined; // try again on the next request
    throw error;
  }));
}

async function loadBundles(): Promise<Bundles> {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const packageRoot = join(here, '..', '..', '..');
  if (!fromSource) {
    const built = join(here, '..', '..', 'browser');
    const names = [...ASSETS.values()];
    if (names.every((name) => existsSync(join(built, name)))) {
      return new Map(names.map((name) => [name, readFileSync(join(built, name), 'utf8')]));
    }
    throw new Error(`the inspector's browser bundles are missing from ${built}: run \`npm run build\``);
  }
  const script = join(packageRoot, 'scripts', 'build-browser.mjs');
  if (!existsSync(script)) throw new Error(`running from source, but ${script} is missing: run \`npm run build\` and start the hub from dist/`);
  let build: (options: { write: boolean }) => Promise<{ files: Map<string, string> }>;
  try {
    ({ buildBrowserBundles: build } = (await import(script)) as { buildBrowserBundles: typeof build });
  } catch (error) {
    throw new Error(`cannot build the inspector's bundles from source (is esbuild installed?): ${(error as Error).message}`);
  }
  return (await build({ write: false })).files;
}

/**
 * Serves the inspector: `GET /` (the page), `/varspace.js` (the self-contained library bundle)
 * and `/inspector.js` (the page's code). Returns false for any other path, leaving it to the
 * caller. A missing bundle answers 503 with the reason.
 *
 * @example if (request.method === 'GET' && serveInspector(path, response)) return;
 */
export function serveInspector(path: string, response: ServerResponse): boolean {
  if (path === '/' || path === '/index.html') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    response.end(INSPECTOR_HTML);
    return true;
  }
  const file = ASSETS.get(path);
  if (file === undefined) return false;
  inspectorBundles().then(
    (files) => {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
      response.end(files.get(file));
    },
    (error: unknown) => {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`varspace inspector: ${(error as Error).message}\n`);
    },
  );
  return true;
}
