#!/usr/bin/env node
// Entry point. Runs the compiled JavaScript in dist/ (built by `npm ci`
// through the `prepare` script, or by `npm run build`) when it is at least as
// new as every source file; otherwise runs the TypeScript sources through
// tsx, so an edited checkout never runs stale code. The compiled form starts
// faster and runs the hot path about a third faster than tsx's transform.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function builtIsFresh() {
  if (!existsSync(built)) return false;
  if (!existsSync(source)) return true;
  const stamp = join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp)) return false;
  return statSync(stamp).mtimeMs >= newestMtime(join(root, 'src'));
}

if (process.env.VIGIL_FROM_SOURCE !== '1' && builtIsFresh()) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
