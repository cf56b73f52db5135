/**
 * The hub serves the inspector's built files (dist/browser/) and builds nothing at run time: a
 * missing file answers 503 saying to run `npm run build`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSPECTOR_BUILD_DIR, serveInspector } from '../../src/hub/inspector/serve.js';

let server: Server;
let base: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'varspace-inspector-serve-'));

beforeAll(async () => {
  server = createServer((request, response) => {
    if (!serveInspector(request.url ?? '/', response, { dir })) {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test("finds the build in the package root's dist/browser, running from src/ as from dist/", () => {
  expect(path.relative(fileURLToPath(new URL('../..', import.meta.url)), INSPECTOR_BUILD_DIR)).toBe(path.join('dist', 'browser'));
});

test('a missing file answers 503 saying to run npm run build', async () => {
  const response = await fetch(`${base}/inspector.js`);
  expect(response.status).toBe(503);
  expect(await response.text()).toMatch(/inspector\.js is missing: run `npm run build`/);
});

test('serves the page and the bundles from the build folder, by URL path; other paths are left to the caller', async () => {
  writeFileSync(path.join(dir, 'inspector.html'), '<!doctype html><title>varspace inspector</title>');
  writeFileSync(path.join(dir, 'varspace.bundle.js'), 'export const lib = 1;');
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(await page.text()).toContain('varspace inspector');
  const library = await fetch(`${base}/varspace.js`);
  expect(library.headers.get('content-type')).toMatch(/javascript/);
  expect(await library.text()).toBe('export const lib = 1;');
  expect((await fetch(`${base}/varspace.bundle.js`)).status).toBe(404);
});
