import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the inspector needs: its name in the build folder and its content type. */
interface InspectorFile {
  readonly name: string;
  readonly type: string;
}

const HTML = 'text/html; charset=utf-8';
const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** The inspector's files by URL path, as `npm run build` (scripts/build-browser.mjs) writes them. */
const FILES: ReadonlyMap<string, InspectorFile> = new Map([
  ['/', { name: 'inspector.html', type: HTML }],
  ['/index.html', { name: 'inspector.html', type: HTML }],
  ['/varspace.js', { name: 'varspace.bundle.js', type: JAVASCRIPT }],
  ['/inspector.js', { name: 'inspector.js', type: JAVASCRIPT }],
]);

/**
 * The package's `dist/browser/`, where `npm run build` puts the inspector's files. This module is
 * three folders below the package root both as `dist/hub/inspector/serve.js` and as
 * `src/hub/inspector/serve.ts` (under jest or tsx), so one relative path finds the build from
 * either.
 */
export const INSPECTOR_BUILD_DIR = fileURLToPath(new URL('../../../dist/browser/', import.meta.url));

/** Options of {@link serveInspector}. */
export interface ServeInspectorOptions {
  /** Where the built files are; {@link INSPECTOR_BUILD_DIR} unless told. */
  readonly dir?: string;
}

/**
 * Serves the inspector: `GET /` (the page), `/varspace.js` (the self-contained library bundle)
 * and `/inspector.js` (the page's code), read from the build (`dist/browser/`) on each request;
 * nothing is built at run time. Returns false for any other path, leaving it to the caller. A file
 * that is missing (the package was not built) answers 503 with a message saying to run
 * `npm run build`.
 *
 * @example if (request.method === 'GET' && serveInspector(path, response)) return;
 */
export function serveInspector(path: string, response: ServerResponse, { dir = INSPECTOR_BUILD_DIR }: ServeInspectorOptions = {}): boolean {
  const file = FILES.get(path);
  if (file === undefined) return false;
  sendBuiltFile(join(dir, file.name), file.type, response, 'inspector');
  return true;
}

/**
 * Answers with a file of the build (200), or 503 saying to run `npm run build` when it is missing
 * (another read error: 503 with its message).
 *
 * @param location the file's path.
 * @param type its content type.
 * @param what what the file belongs to, for the 503 text (`inspector`, `example`).
 * @example sendBuiltFile(join(INSPECTOR_BUILD_DIR, 'inspector.html'), 'text/html; charset=utf-8', response, 'inspector');
 */
export function sendBuiltFile(location: string, type: string, response: ServerResponse, what: string): void {
  readFile(location).then(
    (body) => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
      response.end(body);
    },
    (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'ENOENT'
          ? `${location} is missing: run \`npm run build\`, which builds it`
          : `cannot read ${location}: ${error.message}`;
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`varspace ${what}: ${reason}\n`);
    },
  );
}
