/**
 * Codes of plugin loading and instantiation (inputs, enrichers, actions;
 * stock and site plugins). Codes are never reused: retire one by leaving it
 * here with a description saying so. The merged table lives in
 * src/core/rules/diagnostics.ts.
 */
import type { CodeInfo } from '../rules/codes.ts';

export const PLUGIN_CODES = {
  VGL_PLUGIN_INVALID: {
    title: 'Site plugin cannot be loaded',
    description: 'A file under `plugins.dirs` or a package under `plugins.packages` cannot be imported (syntax error, missing dependency, unreadable directory), or its export is not a plugin definition (no default export or `plugin` export, a factory that throws, a definition missing `kind`, `name`, `schema` or `create`). The message names the file and every problem; the other plugins still load.',
  },
  VGL_PLUGIN_UNKNOWN: {
    title: 'Unknown plugin',
    description: 'An `inputs` or `enrichers` entry\'s `use`, or a key under `actions`, names no stock or site plugin of that kind. Check the spelling (the message suggests the nearest name) or that the site plugin\'s directory or package is listed under `plugins`.',
  },
  VGL_PLUGIN_DUPLICATE_NAME: {
    title: 'Duplicate plugin or instance name',
    description: 'Two plugins of one kind share a name (a site plugin named like a stock one, or two site plugins), or two instances in the config would get the same name. Rename one plugin, or give each instance its own `name`.',
  },
  VGL_PLUGIN_CANNOT_RUN: {
    title: 'Plugin cannot run on this host',
    description: 'The plugin\'s own check says it cannot run here: a missing privilege, tool, kernel feature or file. The message carries the plugin\'s reason; fix that, or remove the instance from the config.',
  },
  VGL_PLUGIN_CREATE_FAILED: {
    title: 'Plugin instance could not be created',
    description: 'The plugin\'s `create` threw, or returned something that is not an instance of its kind (an input needs `start()` and `stop()`, an enricher `enrich()`, an action `run()`). The message names the plugin, the file it came from and the error; it is a fault of the plugin, not of the config.',
  },
} as const satisfies Record<string, CodeInfo>;

export type PluginCode = keyof typeof PLUGIN_CODES;
