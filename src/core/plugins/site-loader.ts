/**
 * Loads site plugins from directories (`*.ts`, `*.js`, `*.mjs`) and npm
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

const EXTENSIONS = new Set(['.ts', '.js', '.mjs']);

/** Plugin files of a directory, sorted, so load order (and duplicate reports) are stable. */
export function pluginFiles(dir: string): string[] {
  return readdirSync(dir).sort()
    .filter((n) => EXTENSIONS.has(extname(n)) && !n.endsWith('.d.ts') && !n.endsWith('.test.ts') && !n.startsWith('.'))
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

let typeScriptHook: Promise<void> | undefined;
// Running from this file's .ts source means a TypeScript loader is already active.
const LOADER_ACTIVE = import.meta.url.endsWith('.ts');

/**
 * The compiled build runs on plain Node, which cannot import a `.ts` plugin;
 * tsx's loader is registered before the first one, so a `.ts` file dropped
 * into a plugin directory works in both the built and the source form.
 */
async function importModule(specifier: string): Promise<Record<string, unknown>> {
  if (!LOADER_ACTIVE && specifier.endsWith('.ts')) {
    typeScriptHook ??= import('tsx/esm/api').then((m) => { m.register(); });
    await typeScriptHook;
  }
  return await import(specifier) as Record<string, unknown>;
}

async function loadOne(specifier: string, origin: string): Promise<LoadedPlugin | PluginLoadError> {
  let mod: Record<string, unknown>;
  try { mod = await importModule(specifier); } catch (e) {
    const err = e as Error;
    // esbuild puts the located syntax error on the second line: keep every line, joined.
    const text = (err?.message ?? String(e)).split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    return { origin, message: `cannot be loaded: ${text.length > 400 ? text.slice(0, 397) + '...' : text}` };
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
