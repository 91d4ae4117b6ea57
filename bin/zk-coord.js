#!/usr/bin/env node
// The built CLI lives in dist/ (`npm ci` or `npm run build` makes it).
import { run } from '../dist/cli/run.js';

await run();
