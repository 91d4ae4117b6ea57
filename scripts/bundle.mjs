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
  // Loaded only when they show (colours, spinners, prompts): kept out so they stay lazy.
  external: ['chalk', 'ora', '@inquirer/prompts'],
  // Our sources locate package files from import.meta.url; in CommonJS that is this file's URL.
  define: { 'import.meta.url': '__zkCoordModuleUrl' },
  banner: { js: "const __zkCoordModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});
