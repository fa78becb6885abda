/**
 * The plugins vigil knows, stock and site, by kind and name. The core looks
 * plugins up here and never branches on a plugin's name.
 */
import type { AnyPlugin } from '../plugin-api.ts';

export type PluginKind = AnyPlugin['kind'];

export interface CatalogEntry {
  readonly plugin: AnyPlugin;
  /** `stock`, a file path or an npm package name. */
  readonly origin: string;
}

export class PluginCatalog {
  private readonly byKey = new Map<string, CatalogEntry>();

  /** Returns an error sentence when the name is taken, else null. */
  add(plugin: AnyPlugin, origin: string): string | null {
    const k = `${plugin.kind}:${plugin.name}`;
    const prev = this.byKey.get(k);
    if (prev) return `${plugin.kind} plugin "${plugin.name}" from ${origin} has the same name as the one from ${prev.origin}; rename one of them`;
    this.byKey.set(k, { plugin, origin });
    return null;
  }

  get(kind: PluginKind, name: string): CatalogEntry | undefined { return this.byKey.get(`${kind}:${name}`); }

  names(kind: PluginKind): string[] {
    return [...this.byKey.values()].filter((e) => e.plugin.kind === kind).map((e) => e.plugin.name).sort();
  }

  entries(): CatalogEntry[] { return [...this.byKey.values()]; }
}
