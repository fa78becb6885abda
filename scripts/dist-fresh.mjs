// Whether dist/ may run: the one judgement bin/vigil.js and the benches share.
// dist/ is fresh when its entry point exists and its build stamp (written by
// scripts/build.mjs as the build starts) is no older than any file in src/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** @param {string} dir @returns {number} */
function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * @param {string} root the checkout (holds dist/ and src/)
 * @returns {boolean}
 */
export function distIsFresh(root) {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) return false;
  // An install without sources (dist/ only) has nothing newer to run.
  if (!existsSync(join(root, 'src'))) return true;
  const stamp = join(root, 'dist', '.build-stamp');
  return existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(join(root, 'src'));
}
