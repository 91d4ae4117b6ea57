// Bundles the CLI into one minified CommonJS file. Node 20 has no compile cache, and resolving ~40 small ES
// modules cost more start-up time than everything else a one-shot `config get` does; one CommonJS file is
// the fastest Node 20 loads (measured in docs/BENCHMARKS.md). The library (dist/index.js) stays as tsc emits
// it: ES modules with .d.ts files.
import { build } from 'esbuild';

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
  logLevel: 'warning',
});
