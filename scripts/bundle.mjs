// Bundles the CLI into one minified CommonJS file. Node 20 has no compile cache, and resolving ~40 small ES
// modules cost more start-up time than everything else a one-shot `config get` does; one CommonJS file is
// the fastest Node 20 loads (measured in docs/BENCHMARKS.md). The library (dist/index.js) stays as tsc emits
// it: ES modules with .d.ts files.
import { build } from 'esbuild';

/**
 * Two Node built-ins that libraries load at start but a one-shot command never needs: commander requires
 * child_process for executable subcommands (we have none), node-zookeeper-client requires assert for its
 * argument checks (which pass). Loading them costs ~2.5 ms of a ~40 ms start-up budget on the benchmark
 * machine, so inside those two libraries they are loaded on first real use: the first spawn, the first
 * failing assertion (which then throws the real AssertionError).
 */
const deferredBuiltins = {
  name: 'deferred-builtins',
  setup(builder) {
    const deferred = {
      commander: { module: 'child_process', source: "const load = () => require('node:child_process');\nmodule.exports = { get spawn() { return load().spawn; } };" },
      'node-zookeeper-client': {
        module: 'assert',
        source: "module.exports = function assert(value, ...rest) {\n  if (!value) require('node:assert')(value, ...rest);\n};",
      },
    };
    builder.onResolve({ filter: /^(node:)?(assert|child_process)$/ }, (args) => {
      if (args.namespace === 'deferred-builtin') return { path: args.path, external: true };
      const library = Object.keys(deferred).find((name) => args.importer.includes(`/node_modules/${name}/`));
      if (!library || deferred[library].module !== args.path.replace(/^node:/, '')) return undefined;
      return { path: library, namespace: 'deferred-builtin' };
    });
    builder.onLoad({ filter: /.*/, namespace: 'deferred-builtin' }, (args) => ({ contents: deferred[args.path].source, loader: 'js' }));
  },
};

await build({
  entryPoints: ['src/cli/run.ts'],
  outfile: 'dist/cli/zk-coord.cjs',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // chalk, ora and the prompts are bundled too: each lazy import() becomes a module initialised only when
  // it is first used, so they still cost nothing until they show, and the bundle needs no dynamic import of
  // files outside it (which code loaded through the compile cache in bin/ could not do on Node 20).
  // Our sources locate package files from import.meta.url; in CommonJS that is this file's URL.
  define: { 'import.meta.url': '__zkCoordModuleUrl' },
  banner: { js: "const __zkCoordModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  plugins: [deferredBuiltins],
  // Resolve packages as Node itself does, without the bundler-only "module" condition: with it, underscore
  // (node-zookeeper-client's) came as its ~150 ES modules, whose namespace objects took ~1 ms to build at
  // every start; Node loads its one CommonJS file. No other package resolves differently.
  conditions: [],
  logLevel: 'warning',
});
