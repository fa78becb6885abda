/**
 * Loads site plugins from directories (`*.ts`, `*.mts`, `*.js`, `*.mjs`) and npm
 * packages. A module default-exports a definition, or a function that is
 * given the plugin kit (zod and the define helpers) and returns one — that
 * form needs no dependency of its own, so a single file dropped into a
 * directory works. A broken plugin is refused with its file and what is
 * wrong; the others load.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { defineInput, defineEnricher, defineAction, type AnyPlugin } from '../plugin-api.ts';
import { definitionProblems } from './check-definition.ts';

/** What a site plugin's factory function receives. */
export const PLUGIN_KIT = Object.freeze({ z, defineInput, defineEnricher, defineAction });
export type PluginKit = typeof PLUGIN_KIT;

export interface LoadedPlugin { readonly plugin: AnyPlugin; readonly origin: string }
export interface PluginLoadError { readonly origin: string; readonly message: string }

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);
const NOT_PLUGINS = /\.d\.m?ts$|\.test\.m?ts$/;

/** Plugin files of a directory, sorted, so load order (and duplicate reports) are stable. */
export function pluginFiles(dir: string): string[] {
  return readdirSync(dir).sort()
    .filter((n) => EXTENSIONS.has(extname(n)) && !NOT_PLUGINS.test(n) && !n.startsWith('.'))
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

/** Turn a module namespace into a definition, or say why it is not one. */
export async function definitionFromModule(mod: Record<string, unknown>): Promise<{ plugin: AnyPlugin } | { problems: string[] }> {
  let x: unknown = 'default' in mod ? mod.default : mod.plugin;
  if (x === undefined) return { problems: ['no plugin export: default-export a definition (or a function returning one), or export it as `plugin`'] };
  if (typeof x === 'function') {
    try { x = await (x as (kit: PluginKit) => unknown)(PLUGIN_KIT); } catch (e) {
      return { problems: [`the exported function threw: ${(e as Error)?.message ?? String(e)}`] };
    }
  }
  const problems = definitionProblems(x);
  return problems.length ? { problems } : { plugin: x as AnyPlugin };
}

type ScopedImport = (specifier: string, parentURL: string) => Promise<unknown>;
let scopedImport: Promise<ScopedImport> | undefined;

/**
 * Imports a site plugin through tsx's namespaced loader (`register({ namespace })`
 * from 'tsx/esm/api'), in the built and the source form alike. The namespace
 * confines tsx to the plugin and what it imports, and that loader compiles
 * TypeScript and handles both module formats itself. A global `register()`
 * does not: an ESM-syntax `.ts` or `.js` file with no `"type": "module"`
 * package.json above it (a site directory such as /etc/vigil/plugins) is
 * given format commonjs, handed to Node's CommonJS loader, and refused as
 * "Cannot require() ES Module … in a cycle".
 */
async function importModule(specifier: string): Promise<Record<string, unknown>> {
  scopedImport ??= import('tsx/esm/api').then((m) => {
    const api = m.register({ namespace: 'vigil-site-plugins' });
    return (s: string, parent: string): Promise<unknown> => api.import(s, parent) as Promise<unknown>;
  });
  const mod = await (await scopedImport)(specifier, import.meta.url) as Record<string, unknown>;
  return esModuleExports(mod);
}

/**
 * Outside a `"type": "module"` package, a `.ts` or `.js` file is compiled to
 * CommonJS, so its namespace is `{ default: exports }` with the ES exports
 * (`default`, `plugin`) one level down, marked `__esModule`: unwrap them.
 */
function esModuleExports(mod: Record<string, unknown>): Record<string, unknown> {
  const d = mod.default;
  if ((typeof d === 'object' || typeof d === 'function') && d !== null && (d as { __esModule?: unknown }).__esModule === true) return d as Record<string, unknown>;
  return mod;
}

/** What to do about a load error that has a known cause in how the file is written or named. */
function loadHint(text: string): string {
  if (/top-level await is currently not supported with the "cjs" output format/i.test(text)) {
    return '; a .ts or .js file outside a package with "type": "module" is compiled as CommonJS, which has no top-level await: rename it to .mts (or .mjs), or put a package.json containing {"type": "module"} in the plugin directory';
  }
  if (/\b(require|module|exports|__dirname|__filename) is not defined in ES module scope/.test(text)) {
    return '; site plugins are ES modules here: use import and `export default` instead of require() and module.exports (import.meta.dirname for __dirname)';
  }
  return '';
}

async function loadOne(specifier: string, origin: string): Promise<LoadedPlugin | PluginLoadError> {
  let mod: Record<string, unknown>;
  try { mod = await importModule(specifier); } catch (e) {
    const err = e as Error;
    // esbuild puts the located syntax error on the second line: keep every line, joined.
    const text = (err?.message ?? String(e)).split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    return { origin, message: `cannot be loaded: ${text.length > 400 ? text.slice(0, 397) + '...' : text}${loadHint(text)}` };
  }
  const r = await definitionFromModule(mod);
  if ('problems' in r) return { origin, message: `is not a valid plugin: ${r.problems.join('; ')}` };
  return { plugin: r.plugin, origin };
}

export interface SiteSources {
  readonly dirs: readonly string[];
  readonly packages: readonly string[];
  /** Resolves package names (the config file's directory). */
  readonly resolveFrom: string;
}

export async function loadSitePlugins(src: SiteSources): Promise<{ plugins: LoadedPlugin[]; errors: PluginLoadError[] }> {
  const plugins: LoadedPlugin[] = [];
  const errors: PluginLoadError[] = [];
  const take = (r: LoadedPlugin | PluginLoadError) => { if ('plugin' in r) plugins.push(r); else errors.push(r); };
  for (const dir of src.dirs) {
    let files: string[];
    try { files = pluginFiles(dir); } catch (e) {
      errors.push({ origin: dir, message: `plugin directory cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); fix plugins.dirs` });
      continue;
    }
    for (const f of files) take(await loadOne(pathToFileURL(f).href, f));
  }
  const require = createRequire(join(src.resolveFrom, 'noop.js'));
  for (const pkg of src.packages) {
    let resolved: string;
    try { resolved = require.resolve(pkg); } catch {
      errors.push({ origin: pkg, message: `npm package cannot be found from ${src.resolveFrom}; install it (npm install ${pkg}) or fix plugins.packages` });
      continue;
    }
    take(await loadOne(pathToFileURL(resolved).href, pkg));
  }
  return { plugins, errors };
}
