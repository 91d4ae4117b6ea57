#!/usr/bin/env node
'use strict';
// The built CLI is one bundled file in dist/ (`npm ci` or `npm run build` makes it). CommonJS on purpose:
// one file through Node's CommonJS loader starts fastest (docs/BENCHMARKS.md).
const path = require('node:path');

loadWithCompileCache(path.join(__dirname, '..', 'dist', 'cli', 'zk-coord.cjs')).run();

/**
 * Loads the bundle with V8's code cache. Compiling the bundle's functions on every start cost ~40 ms of a
 * one-shot command on Node 20, which has no compile cache of its own (module.enableCompileCache is Node
 * 22.1+, used when present). The cache is captured after a run, so it covers the functions that ran, and
 * kept in a private per-user folder. Anything unusual (no home, a read-only disk, a rejected cache) falls
 * back to a plain require; ZK_COORD_NO_COMPILE_CACHE=1 turns it off.
 */
function loadWithCompileCache(file) {
  const Module = require('node:module');
  const dir = cacheDir();
  if (process.env.ZK_COORD_NO_COMPILE_CACHE || !dir) return require(file);
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache(dir);
    return require(file);
  }
  const fs = require('node:fs');
  const vm = require('node:vm');
  // The bundle imports no file outside itself at run time (scripts/bundle.mjs), so it needs no dynamic
  // import() loader, which vm.Script cannot keep across a cache on Node 20.
  let script;
  let cacheFile;
  let cachedData;
  try {
    const stat = fs.statSync(file);
    cacheFile = path.join(dir, `${process.versions.v8}-${process.arch}-${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`);
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  } catch {
    return require(file);
  }
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => saveCache(fs, dir, cacheFile, script));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

function cacheDir() {
  const home = require('node:os').homedir();
  const base = process.env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : '');
  return base ? path.join(base, 'zk-coord') : undefined;
}

function saveCache(fs, dir, cacheFile, script) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Written aside and renamed, so a concurrent start never reads half a file; older builds' caches go.
    const partial = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(partial, cacheFile);
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith('.v8cache') && path.join(dir, name) !== cacheFile) fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    // A cache we cannot write only costs the next start its compile time.
  }
}
