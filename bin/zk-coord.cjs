#!/usr/bin/env node
// The built CLI is one bundled file in dist/ (`npm ci` or `npm run build` makes it). CommonJS on purpose:
// one file through Node's CommonJS loader starts fastest (docs/BENCHMARKS.md).
require('../dist/cli/zk-coord.cjs').run();
