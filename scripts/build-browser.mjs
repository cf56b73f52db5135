// Builds the browser bundles of varspace with esbuild (run by `npm run build`, after tsc):
//
//   dist/browser/varspace.js         ESM, minified: the library's own code; `rxjs` and `zod` stay
//                                    bare imports (peer imports, resolved by the app's bundler or
//                                    an import map), so an app that uses rxjs has one copy of it.
//   dist/browser/varspace.bundle.js  ESM, minified, self-contained (rxjs and zod included): what
//                                    the hub serves as /varspace.js to the inspector page, and
//                                    what the conformance page loads.
//   dist/browser/inspector.js        the inspector page's code (src/inspector/main.ts); imports
//                                    ./varspace.js.
//   dist/browser/inspector.html      the inspector's page (src/inspector/page.ts).
//   dist/browser/react.js            ESM, minified: the React entry (src/react/, `varspace/react`);
//                                    `react` and the library (`varspace`) stay bare imports, so the
//                                    app's bundler gives it the app's React and varspace. Outside the
//                                    library's size budget.
//   dist/browser/examples/offline-todo/
//                                    the offline todo page `varspace demo` serves (index.html, app.js,
//                                    sw.js: examples/offline-todo/); app.js imports /varspace.js.
//   dist/browser/sizes.json          bytes, minified and minified + gzip, of each bundle.
//
// The hub serves the inspector's three files from dist/browser/ (src/hub/inspector/serve.ts): they
// exist only once this script ran, and nothing builds them at run time.
//
// Every bundle is built for `platform: 'browser'`: a Node built-in (`node:fs`, …) that sneaks
// into the import graph fails the build, and so does a package other than rxjs, zod and
// tslib (`ws` has a browser stub that would otherwise bundle silently), or any bare import
// other than rxjs and zod left in varspace.js.

import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { privateMemberNames } from './private-member-names.mjs';
import { namePublicClasses } from './public-class-names.mjs';
import { markZodCallsPure } from './pure-zod-calls.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PEERS = ['rxjs', 'zod'];
/**
 * The only packages allowed into a browser bundle. Anything else fails the build: `ws`, for one,
 * has a `browser` stub that would bundle silently and throw at run time.
 */
const BROWSER_PACKAGES = ['rxjs', 'zod', 'tslib'];
/** Size goal of the library's own code, minified + gzip (rxjs and zod excluded). */
export const OWN_CODE_GZIP_BUDGET = 25 * 1024;

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Fails the build on any import of a Node built-in, whatever `platform` would do with it. */
const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, (args) => {
      if (nodeBuiltins.has(args.path) || args.path.startsWith('node:')) {
        return {
          errors: [
            {
              text: `Node built-in "${args.path}" imported by ${relative(root, args.importer)}: the browser bundle must not use Node APIs`,
            },
          ],
        };
      }
      return undefined;
    });
  },
};

/** The inspector page imports the library from the bundle the hub serves beside it. */
const libraryFromServedBundle = {
  name: 'library-from-served-bundle',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/browser\.js$/ }, () => ({ path: './varspace.js', external: true }));
  },
};

/**
 * The React entry's imports of the library (anything outside src/react/) become the bare import
 * `varspace`, so that an app has one copy of the library (its public names are the same).
 */
const libraryAsPeer = {
  name: 'library-as-peer',
  setup(pluginBuild) {
    const reactDir = join(root, 'src', 'react');
    pluginBuild.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = join(args.resolveDir, args.path);
      return target.startsWith(`${reactDir}/`) ? undefined : { path: 'varspace', external: true };
    });
  },
};

/** The example pages import the library from the self-contained bundle every hub serves at /varspace.js. */
const libraryFromHubRoot = {
  name: 'library-from-hub-root',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/browser\.js$/ }, () => ({ path: '/varspace.js', external: true }));
  },
};

/** Files copied as they are into the build (name in dist/browser/ → source). */
const copied = [['examples/offline-todo/index.html', 'examples/offline-todo/index.html']];

/**
 * Rewrites the TypeScript of src/ before esbuild compiles it: the public classes name themselves
 * (see public-class-names.mjs) and zod schema builders are marked pure (see pure-zod-calls.mjs).
 */
function sourceTransforms() {
  const namePublic = namePublicClasses(root);
  return {
    name: 'source-transforms',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        return { contents: markZodCallsPure(namePublic(text), args.path), loader: 'ts' };
      });
    },
  };
}

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  // No `__name` wrapper around every function and class (1.6 kB gzip): the public classes, error
  // classes among them, name themselves instead (`ClosedError`, not a minified `ie`).
  keepNames: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'silent',
  absWorkingDir: root,
};

const bundles = [
  {
    name: 'varspace.js',
    options: {
      entryPoints: ['src/browser.ts'],
      external: PEERS.flatMap((p) => [p, `${p}/*`]),
      plugins: [noNodeBuiltins, sourceTransforms()],
    },
  },
  {
    name: 'varspace.bundle.js',
    options: { entryPoints: ['src/browser.ts'], plugins: [noNodeBuiltins, sourceTransforms()] },
  },
  {
    name: 'inspector.js',
    options: { entryPoints: ['src/inspector/main.ts'], plugins: [libraryFromServedBundle, noNodeBuiltins, sourceTransforms()] },
  },
  {
    name: 'react.js',
    allowed: ['react', 'varspace'],
    options: { entryPoints: ['src/react/index.ts'], external: ['react'], plugins: [libraryAsPeer, noNodeBuiltins] },
  },
  {
    name: 'examples/offline-todo/app.js',
    options: { entryPoints: ['examples/offline-todo/app.ts'], plugins: [libraryFromHubRoot, noNodeBuiltins] },
  },
  {
    name: 'examples/offline-todo/sw.js',
    options: { entryPoints: ['examples/offline-todo/sw.ts'], format: 'iife', plugins: [noNodeBuiltins] },
  },
];

/** Packages (from node_modules) bundled in although not in {@link BROWSER_PACKAGES}. */
function strayPackages(metafile) {
  const stray = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match && !BROWSER_PACKAGES.includes(match[1])) stray.add(match[1]);
  }
  return [...stray];
}

/** Bare imports left in the output that are neither relative nor allowed. */
function strayImports(metafile, allowed) {
  const stray = [];
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports ?? []) {
      if (!imported.external) continue;
      const bare = !imported.path.startsWith('.') && !imported.path.startsWith('/');
      if (bare && !allowed.some((p) => imported.path === p || imported.path.startsWith(`${p}/`))) stray.push(imported.path);
    }
  }
  return stray;
}

/**
 * The inspector's HTML, as src/inspector/page.ts writes it: bundled (it imports the row height
 * the page's code uses too) and evaluated here, so the page is a file the hub only reads.
 */
async function inspectorPage() {
  const result = await build({
    ...common,
    entryPoints: ['src/inspector/page.ts'],
    format: 'esm',
    platform: 'neutral',
    minify: false,
    metafile: false,
    write: false,
  });
  const { INSPECTOR_HTML } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
  return INSPECTOR_HTML;
}

/**
 * Builds the three browser bundles and the inspector's page. With `write: false` nothing is
 * written: the result has the text of each file by name.
 *
 * @returns `{ files: Map<name, string>, sizes: { [name]: { minified, gzip } } }` (sizes of the bundles)
 * @throws when esbuild fails, a Node built-in is imported, or varspace.js has a bare import
 *   other than rxjs and zod.
 */
export async function buildBrowserBundles({ write = true, outdir = join(root, 'dist', 'browser') } = {}) {
  const files = new Map();
  const sizes = {};
  // Private members get short names (see private-member-names.mjs); quoted keys are never renamed.
  const mangleProps = new RegExp(`^(?:${privateMemberNames(root).join('|')})$`);
  for (const { name, options, allowed: allowedImports } of bundles) {
    const result = await build({ ...common, ...options, mangleProps, write: false, outfile: join(outdir, name), sourcemap: false });
    const allowed = allowedImports ?? (name === 'varspace.js' ? PEERS : []);
    const stray = strayImports(result.metafile, allowed);
    if (stray.length > 0) throw new Error(`${name}: bare imports left unbundled: ${stray.join(', ')}`);
    const strayPackagesFound = strayPackages(result.metafile);
    if (strayPackagesFound.length > 0) throw new Error(`${name}: packages not meant for the browser: ${strayPackagesFound.join(', ')}`);
    const code = result.outputFiles.find((file) => file.path.endsWith('.js')).text;
    files.set(name, code);
    sizes[name] = { minified: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
  }
  files.set('inspector.html', await inspectorPage());
  for (const [name, source] of copied) files.set(name, readFileSync(join(root, source), 'utf8'));
  if (write) {
    mkdirSync(outdir, { recursive: true });
    for (const [name, code] of files) {
      mkdirSync(dirname(join(outdir, name)), { recursive: true });
      writeFileSync(join(outdir, name), code);
    }
    writeFileSync(join(outdir, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  }
  return { files, sizes };
}

const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { sizes } = await buildBrowserBundles();
    for (const [name, size] of Object.entries(sizes)) {
      console.log(`dist/browser/${name.padEnd(30)} ${kB(size.minified).padStart(9)} minified, ${kB(size.gzip).padStart(8)} gzip`);
    }
    const own = sizes['varspace.js'].gzip;
    const verdict = own <= OWN_CODE_GZIP_BUDGET ? 'within' : 'OVER';
    console.log(`library's own code (rxjs, zod excluded): ${kB(own)} minified + gzip, ${verdict} the ${kB(OWN_CODE_GZIP_BUDGET)} goal`);
    console.log(`React entry (varspace/react; react, varspace excluded; outside that goal): ${kB(sizes['react.js'].gzip)} minified + gzip`);
  } catch (error) {
    console.error(`build-browser: ${error.message}`);
    process.exit(1);
  }
}
