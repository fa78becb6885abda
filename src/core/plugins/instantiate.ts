/**
 * Turns config entries (`inputs: [{use: procnet, interval: 2s}]`) into
 * running plugin instances: look the plugin up, validate its config with
 * its schema (errors located in the config file), ask `canRun`, call
 * `create` and wrap the instance. Every failure is a located diagnostic;
 * instances that did succeed are returned alongside.
 */
import type { Diagnostic } from '../rules/types.ts';
import type { AnyPlugin, InputInstance, EnricherInstance, ActionInstance, RunEnv, InputPlugin, EnricherPlugin, ActionPlugin } from '../plugin-api.ts';
import type { PluginCatalog, PluginKind } from './catalog.ts';
import type { ConfigSource, ConfigPath } from '../config/locate.ts';
import { locate } from '../config/locate.ts';
import { issuesToDiagnostics } from '../config/issues.ts';
import { suggestion } from '../text/nearest.ts';
import { deepFreeze } from '../config/freeze.ts';
import { pluginContext, type PluginServices } from './context.ts';
import { guardInput, guardEnricher, guardAction, type PluginError } from './guard.ts';

type InstanceOf<K extends PluginKind> = K extends 'input' ? InputInstance : K extends 'enricher' ? EnricherInstance : ActionInstance;
type PluginOf<K extends PluginKind> = K extends 'input' ? InputPlugin<unknown> : K extends 'enricher' ? EnricherPlugin<unknown> : ActionPlugin<unknown>;

export interface Instance<K extends PluginKind> {
  readonly plugin: PluginOf<K>;
  /** Instance name (config `name`, else the plugin name). */
  readonly name: string;
  readonly config: unknown;
  readonly instance: InstanceOf<K>;
}

/** One requested instance: `use`, optional `name`, the plugin's own keys, and where it sits in the config. */
export interface InstanceRequest {
  readonly use: string;
  readonly name?: string;
  readonly config: Record<string, unknown>;
  /** YAML path of the entry (e.g. `["inputs", 0]`), for error locations; null when it came from the command line. */
  readonly at: ConfigPath | null;
}

export interface InstantiateEnv {
  readonly catalog: PluginCatalog;
  readonly services: PluginServices;
  readonly run: RunEnv;
  readonly source: ConfigSource | null;
  readonly onEnricherError?: (e: PluginError) => void;
  /** Validate only (plugin known, config valid, canRun): create nothing. `vigil config check` uses it. */
  readonly validateOnly?: boolean;
}

export function currentRunEnv(): RunEnv {
  return { isRoot: typeof process.getuid === 'function' && process.getuid() === 0, platform: process.platform };
}

export function instantiate<K extends PluginKind>(kind: K, requests: readonly InstanceRequest[], env: InstantiateEnv): { instances: Instance<K>[]; diagnostics: Diagnostic[] } {
  const instances: Instance<K>[] = [];
  const diagnostics: Diagnostic[] = [];
  const names = new Set<string>();
  for (const req of requests) {
    const where = (sub: PropertyKey[] = [], asKey = false) => req.at && env.source
      ? locate(env.source, [...req.at, ...sub], asKey)
      : { file: '<command line>', line: 0, col: 0 };
    const fail = (code: string, message: string, sub: PropertyKey[] = []) => diagnostics.push({ code, severity: 'error', loc: where(sub), message });
    const entry = env.catalog.get(kind, req.use);
    if (!entry) {
      const known = env.catalog.names(kind);
      const fix = suggestion(req.use, known, known.length === 0 ? { otherwise: `no ${kind} plugins are registered` } : {});
      fail('VGL_PLUGIN_UNKNOWN', `${kind} plugin \`${req.use}\` is not known${fix}`, ['use']);
      continue;
    }
    const plugin = entry.plugin as AnyPlugin;
    const name = req.name ?? plugin.name;
    if (names.has(name)) { fail('VGL_PLUGIN_DUPLICATE_NAME', `${kind} instance name "${name}" is used twice; give each instance its own \`name\``, req.name ? ['name'] : ['use']); continue; }
    names.add(name);
    const parsed = plugin.schema.safeParse(req.config);
    if (!parsed.success) {
      if (req.at && env.source) diagnostics.push(...issuesToDiagnostics(env.source, plugin.schema, req.config, parsed.error.issues, req.at, `${kind} "${name}" (plugin ${plugin.name})`));
      else fail('VGL_CONFIG_INVALID', `${kind} "${name}" (plugin ${plugin.name}) config is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'} ${i.message}`).join('; ')}`);
      continue;
    }
    const config = deepFreeze(parsed.data);
    const reason = plugin.canRun?.(env.run) ?? null;
    if (reason) { fail('VGL_PLUGIN_CANNOT_RUN', `${kind} "${name}" (plugin ${plugin.name}) cannot run here: ${reason}`); continue; }
    if (env.validateOnly) continue;
    let raw: unknown;
    try {
      raw = (plugin.create as (ctx: unknown, c: unknown) => unknown)(pluginContext(env.services, plugin.name, name), config);
    } catch (e) {
      fail('VGL_PLUGIN_CREATE_FAILED', `${kind} "${name}" (plugin ${plugin.name} from ${entry.origin}) threw in create: ${(e as Error)?.message ?? String(e)}`);
      continue;
    }
    const shapeError = instanceShapeError(kind, raw);
    if (shapeError) { fail('VGL_PLUGIN_CREATE_FAILED', `${kind} "${name}" (plugin ${plugin.name} from ${entry.origin}): create returned ${shapeError}`); continue; }
    const instance = (kind === 'input' ? guardInput(plugin.name, name, raw as InputInstance)
      : kind === 'enricher' ? guardEnricher(plugin.name, name, raw as EnricherInstance, env.onEnricherError ?? (() => {}))
      : guardAction(plugin.name, name, raw as ActionInstance)) as InstanceOf<K>;
    instances.push({ plugin: plugin as PluginOf<K>, name, config, instance });
  }
  return { instances, diagnostics };
}

function instanceShapeError(kind: PluginKind, x: unknown): string | null {
  if (!x || typeof x !== 'object') return `${x === null ? 'null' : typeof x} instead of an instance object`;
  const o = x as Record<string, unknown>;
  const need = kind === 'input' ? ['start', 'stop'] : kind === 'enricher' ? ['enrich'] : ['run'];
  const missing = need.filter((k) => typeof o[k] !== 'function');
  return missing.length ? `an instance without ${missing.map((m) => `\`${m}()\``).join(' and ')}` : null;
}

/** Split a config entry `{use, name, ...rest}` into a request. */
export function requestFromRef(ref: Readonly<Record<string, unknown>>, at: ConfigPath | null): InstanceRequest {
  const { use, name, ...config } = ref;
  return { use: String(use), name: name === undefined ? undefined : String(name), config, at };
}
