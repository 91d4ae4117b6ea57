// Bundles the CLI into minified CommonJS: the CLI in one file, the terminal libraries in a second one. Node 20
// has no compile cache, and resolving ~40 small ES modules cost more start-up time than everything else a
// one-shot `config get` does; one CommonJS file is the fastest Node 20 loads (docs/BENCHMARKS.md). The
// library (dist/index.js) stays as tsc emits it: ES modules with .d.ts files.
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
      commander: {
        module: 'child_process',
        source: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      },
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

/**
 * The terminal libraries (src/output/terminal-libraries.ts: chalk, ora, the prompts) go to a file of their
 * own, required on first use: a one-shot command in a script never reads or compiles them (~5 ms of its
 * start-up). The bundle reaches that file with require(), not import(): code compiled through the compile
 * cache in bin/ cannot run a dynamic import() on Node 20.
 */
const terminalChunk = {
  name: 'terminal-chunk',
  setup(builder) {
    builder.onResolve({ filter: /\/terminal-libraries\.js$/ }, () => ({ path: './terminal.cjs', external: true }));
  },
};

const common = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Our sources locate package files from import.meta.url; in CommonJS that is this file's URL.
  define: { 'import.meta.url': '__zkCoordModuleUrl' },
  banner: { js: "const __zkCoordModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  // Resolve packages as Node itself does, without the bundler-only "module" condition: with it, underscore
  // (node-zookeeper-client's) came as its ~150 ES modules, whose namespace objects took ~1 ms to build at
  // every start; Node loads its one CommonJS file. No other package resolves differently.
  conditions: [],
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['src/cli/run.ts'],
  outfile: 'dist/cli/zk-coord.cjs',
  plugins: [deferredBuiltins, terminalChunk],
  // Our lazy import()s of our own modules become modules initialised on first use inside the bundle; the
  // one of the terminal chunk becomes a require().
  supported: { 'dynamic-import': false },
});

await build({
  ...common,
  entryPoints: ['src/output/terminal-libraries.ts'],
  outfile: 'dist/cli/terminal.cjs',
});
