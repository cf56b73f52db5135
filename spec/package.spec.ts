import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// These run against the build (`npm test` builds first): the package as users get it.
const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const node = (cwd: string, ...args: string[]) => run(process.execPath, args, { cwd, timeout: 20_000 });

const esm = `import { Space, defaultSpace } from 'varspace'; import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('varspace');
const v = new Space().intern('ui.buttons/b1', 1);
console.log(JSON.stringify({ fqn: v.fqn, same: cjs.defaultSpace() === defaultSpace(), cls: cjs.Space === Space }));`;
const cjs = `const { Space, defaultSpace, startHub } = require('varspace');
console.log(JSON.stringify({ fqn: new Space().intern('a/b', 2).fqn, hub: typeof startHub, space: typeof defaultSpace() }));`;

test('import (ESM) and require (CommonJS) both work from the package itself, with one implementation', async () => {
  const fromEsm = JSON.parse((await node(root, '--input-type=module', '-e', esm)).stdout);
  expect(fromEsm).toEqual({ fqn: 'ui.buttons/b1', same: true, cls: true });
  const fromCjs = JSON.parse((await node(root, '-e', cjs)).stdout);
  expect(fromCjs).toEqual({ fqn: 'a/b', hub: 'function', space: 'object' });
});

test('a project that installs varspace can import and require it', async () => {
  const project = await mkdtemp(join(tmpdir(), 'varspace-consumer-'));
  try {
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await mkdir(join(project, 'node_modules'));
    await symlink(root, join(project, 'node_modules', 'varspace'), 'dir');
    await writeFile(join(project, 'app.mjs'), esm);
    await writeFile(join(project, 'app.cjs'), cjs);
    expect(JSON.parse((await node(project, 'app.mjs')).stdout)).toEqual({ fqn: 'ui.buttons/b1', same: true, cls: true });
    expect(JSON.parse((await node(project, 'app.cjs')).stdout)).toMatchObject({ fqn: 'a/b', hub: 'function' });
  } finally {
    await rm(project, { recursive: true, force: true });
  }
});

test('package.json: exports list types first, no side effects, a bin', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  expect(pkg.name).toBe('varspace');
  expect(pkg.sideEffects).toBe(false);
  expect(Object.keys(pkg.exports['.']).filter((k) => k !== 'browser')[0]).toBe('types');
  expect(Object.keys(pkg.exports['.'].browser)[0]).toBe('types');
  expect(pkg.bin.varspace).toBe('./dist/cli/main.js');
});

/** Entries of their own (folders of `dist/`) whose declarations may import an optional peer dependency. */
const OPTIONAL_ENTRIES: Readonly<Record<string, string>> = { react: 'react' };

/** The bare module names the published declarations (the `.d.ts` files under `dist/`, less the optional entries') import. */
async function declarationImports(
  dir = join(root, 'dist'),
  skip = Object.keys(OPTIONAL_ENTRIES).map((name) => join(root, 'dist', name)),
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory() && skip.includes(file)) continue;
    if (entry.isDirectory()) for (const name of await declarationImports(file, skip)) found.add(name);
    else if (entry.name.endsWith('.d.ts')) {
      for (const [, name] of (await readFile(file, 'utf8')).matchAll(/(?:from |import\()'([^.'][^']*)'/g)) found.add(name);
    }
  }
  return found;
}

test('package.json: every module the published types import is a dependency, with its @types package where it ships no types (ws → @types/ws)', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const dependencies = Object.keys(pkg.dependencies);
  const imports = [...(await declarationImports())];
  expect(imports).toContain('ws');
  for (const name of imports) {
    if (name.startsWith('node:')) {
      // Node's own modules: @types/node comes with @types/ws (a user of the Node entry has it anyway).
      const typesWs = JSON.parse(await readFile(join(root, 'node_modules/@types/ws/package.json'), 'utf8'));
      expect(
        dependencies.includes('@types/node') || (dependencies.includes('@types/ws') && typesWs.dependencies['@types/node'] !== undefined),
      ).toBe(true);
      continue;
    }
    const packageName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
    expect({ name: packageName, dependency: dependencies.includes(packageName) }).toEqual({ name: packageName, dependency: true });
    const own = JSON.parse(await readFile(join(root, 'node_modules', packageName, 'package.json'), 'utf8'));
    const shipsTypes = own.types !== undefined || own.typings !== undefined || JSON.stringify(own.exports ?? {}).includes('"types"');
    if (!shipsTypes)
      expect({ name: packageName, types: dependencies.includes(`@types/${packageName}`) }).toEqual({ name: packageName, types: true });
  }
});

test('package.json: an optional entry (varspace/react) imports in its declarations only dependencies and its own optional peer, whose types are there to build with', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  for (const [folder, peer] of Object.entries(OPTIONAL_ENTRIES)) {
    expect(pkg.peerDependencies[peer]).toBeDefined();
    expect(pkg.peerDependenciesMeta[peer]).toEqual({ optional: true });
    expect(pkg.exports[`./${folder}`].types).toBe(`./dist/${folder}/index.d.ts`);
    const imports = [...(await declarationImports(join(root, 'dist', folder), []))];
    expect(imports).toContain(peer);
    for (const name of imports) {
      const packageName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
      expect({ name: packageName, allowed: packageName === peer || Object.keys(pkg.dependencies).includes(packageName) }).toEqual({
        name: packageName,
        allowed: true,
      });
    }
    expect(Object.keys(pkg.devDependencies)).toContain(`@types/${peer}`);
  }
});

test('package.json: a prepare script builds, so that an install from git ships dist/', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  expect(pkg.scripts.prepare).toBe('npm run build');
  expect(pkg.files).toContain('dist');
  // The build needs only devDependencies, which npm installs before it runs prepare.
  expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['typescript', 'esbuild']));
});

test('varspace/react loads from the package, on the same library as varspace (one Space class)', async () => {
  const script = `import { Space, defaultSpace } from 'varspace'; import { useVar, VarspaceProvider, varStore } from 'varspace/react';
defaultSpace().intern('app/x', 7);
console.log(JSON.stringify({ hook: typeof useVar, provider: typeof VarspaceProvider, value: varStore(defaultSpace(), 'app/x').getSnapshot(), space: defaultSpace() instanceof Space }));`;
  expect(JSON.parse((await node(root, '--input-type=module', '-e', script)).stdout)).toEqual({
    hook: 'function',
    provider: 'function',
    value: 7,
    space: true,
  });
});
