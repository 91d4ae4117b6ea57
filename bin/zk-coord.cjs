#!/usr/bin/env node
'use strict';
// The built CLI is one bundled file in dist/ (`npm run build` makes it; `npm pack` builds it into the tarball,
// so installing the tarball runs no script). CommonJS on purpose: one file through Node's CommonJS loader
// starts fastest (docs/BENCHMARKS.md).
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'cli', 'zk-coord.cjs');
if (require('node:fs').existsSync(bundle)) {
  const cache = openCompileCache(bundle);
  const cli = cache ? cache.load() : require(bundle);
  cli.run().then((command) => cache && cache.ran(command));
} else {
  process.stderr.write(`error: zk-coord is not built yet: run \`npm run build\` in ${path.join(__dirname, '..')} (after npm ci)\n`);
  process.exitCode = 1;
}

/**
 * V8's code cache for the bundle. Compiling the bundle's functions on every start cost ~40 ms of a one-shot
 * command on Node 20, which has no compile cache of its own (module.enableCompileCache is Node 22.1+, used
 * when present). The cache is captured at exit, so it holds the functions that actually ran; a run of a
 * command the cache has not seen yet (listed beside it) captures it again, so the cache grows to cover the
 * commands this user runs instead of only the first. It lives in a private per-user folder. Anything unusual
 * (no home, a read-only disk, a rejected cache) falls back to compiling; ZK_COORD_NO_COMPILE_CACHE=1 turns
 * it off.
 */
function openCompileCache(file) {
  const Module = require('node:module');
  const dir = cacheDir();
  if (process.env.ZK_COORD_NO_COMPILE_CACHE || !dir) return undefined;
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache(dir);
    return undefined;
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
    cacheFile = path.join(dir, `${installKey(file)}-${process.versions.v8}-${process.arch}-${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`);
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  } catch {
    return undefined;
  }
  const fresh = !cachedData || script.cachedDataRejected;
  let command;
  process.once('exit', () => {
    const covered = fresh ? [] : readCovered(fs, cacheFile);
    if (fresh || (command !== undefined && !covered.includes(command))) {
      saveCache(fs, dir, cacheFile, script, command === undefined ? covered : [...covered, command]);
    }
  });
  return {
    load() {
      const module = { exports: {} };
      script.runInThisContext()(module.exports, Module.createRequire(file), module, file, path.dirname(file));
      return module.exports;
    },
    ran(name) {
      command = name;
    },
  };
}

/** Names the install (the bundle's folder), so caches of different installs do not replace each other. */
function installKey(file) {
  return require('node:crypto').createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 12);
}

function cacheDir() {
  const home = require('node:os').homedir();
  const base = process.env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : '');
  return base ? path.join(base, 'zk-coord') : undefined;
}

/** The commands whose functions the cache holds: one per line in a file beside it. */
function readCovered(fs, cacheFile) {
  try {
    return fs.readFileSync(`${cacheFile}.commands`, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function saveCache(fs, dir, cacheFile, script, covered) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Written aside and renamed, so a concurrent start never reads half a file; older builds' caches go.
    // Two first runs of different commands at once may each write: the last rename wins, and the command
    // it lacks is captured again on its next run.
    const partial = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(partial, cacheFile);
    fs.writeFileSync(partial, covered.map((name) => `${name}\n`).join(''), { mode: 0o600 });
    fs.renameSync(partial, `${cacheFile}.commands`);
    // Only this install's older builds: two installs (a global one and a project's, or two checkouts) each
    // keep theirs, instead of each run of one deleting the other's and compiling afresh.
    const keep = [path.basename(cacheFile), `${path.basename(cacheFile)}.commands`];
    const own = `${path.basename(cacheFile).split('-')[0]}-`;
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith(own) && /\.v8cache(\.commands)?$/.test(name) && !keep.includes(name)) fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    // A cache we cannot write only costs the next start its compile time.
  }
}
