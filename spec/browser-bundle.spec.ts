/**
 * The browser bundles as `npm run build` writes them (dist/browser/): the library's own code stays
 * within its size budget, and the build's size levers (no `keepNames`, private members renamed,
 * zod schema builders marked pure; see scripts/build-browser.mjs) change nothing a user sees.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const browserDir = join(root, 'dist', 'browser');

/** The library's own code (varspace.js, rxjs and zod excluded), min + gzip, in bytes. */
async function ownCodeGzip(): Promise<number> {
  const sizes = JSON.parse(await readFile(join(browserDir, 'sizes.json'), 'utf8'));
  return sizes['varspace.js'].gzip;
}

// KNOWN UNMET (issue 17): with events, services and the persisters the own code is ~29.9 kB, over
// the 25 kB goal. `test.failing` keeps the goal's exact check and turns red the day the goal is
// met, so that this marker is replaced by a plain `test` then.
test.failing("the library's own code (varspace.js, rxjs and zod excluded) stays within OWN_CODE_GZIP_BUDGET, min + gzip", async () => {
  const script = await readFile(join(root, 'scripts', 'build-browser.mjs'), 'utf8');
  const budget = /OWN_CODE_GZIP_BUDGET = (\d+) \* 1024;/.exec(script);
  expect(budget).not.toBeNull();
  expect(await ownCodeGzip()).toBeLessThanOrEqual(Number(budget![1]) * 1024);
});

test('while the goal is unmet, the own code does not grow past what it is today (30 kB min + gzip)', async () => {
  expect(await ownCodeGzip()).toBeLessThanOrEqual(30 * 1024 + 512);
});

test('private members are renamed in the bundle, public names and wire keys are not', async () => {
  const code = await readFile(join(browserDir, 'varspace.js'), 'utf8');
  expect(code).not.toContain('namespacesByName');
  expect(code).not.toContain('listenerTrie');
  for (const kept of ['compareAndSet', 'instanceId', 'stamp', 'intern']) expect(code).toContain(kept);
});

// Runs in a child Node process: the self-contained bundle is an ES module for browsers, loaded as is.
const probe = (bundleUrl: string) => `
const lib = await import(${JSON.stringify(bundleUrl)});
const errorNames = Object.entries(lib)
  .filter(([key, value]) => typeof value === 'function' && /Error$/.test(key))
  .map(([key, value]) => [key, new value('m').name, value.name]);
const space = new lib.Space();
const v = space.intern('ui.buttons/b1', 1);
const seen = [];
v.subscribe((x) => seen.push(x));
v.reset(2);
space.transact(() => v.reset(3));
space.removeNs('ui.buttons');
const other = new lib.Space().intern('a/b', 0);
let refusal = '';
try { lib.checkJsonValue(other, 'a/b'); } catch (error) { refusal = error.message; }
const remote = await (async () => { try { space.intern('bad name/x'); } catch (error) { return [error.name, error.code, error instanceof lib.NameError]; } })();
console.log(JSON.stringify({
  errorNames,
  classes: [lib.Space.name, lib.Var.name, lib.Namespace.name, lib.Link.name, lib.HybridClock.name, lib.LocalNames.name],
  seen,
  value: space.resolve('ui.buttons/b1')?.getValue(),
  vars: space.match('ui.>').map((x) => x.fqn),
  refusal,
  remote,
}));`;

test('in the self-contained bundle, errors and public classes keep their names and a space works as in Node', async () => {
  const bundle = pathToFileURL(join(browserDir, 'varspace.bundle.js')).href;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe(bundle)], { timeout: 20_000 });
  const result = JSON.parse(stdout);
  expect(result.errorNames.length).toBeGreaterThanOrEqual(20);
  for (const [exported, name, className] of result.errorNames)
    expect({ exported, name, className }).toEqual({ exported, name: exported, className: exported });
  expect(result.classes).toEqual(['Space', 'Var', 'Namespace', 'Link', 'HybridClock', 'LocalNames']);
  expect(result.seen).toEqual([1, 2, 3]);
  expect(result.value).toBeUndefined();
  expect(result.vars).toEqual([]);
  expect(result.refusal).toMatch(/a Var, not a plain object/);
  expect(result.remote).toEqual(['NameError', 'VS_BAD_NAME', true]);
});
