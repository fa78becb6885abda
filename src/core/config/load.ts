/**
 * Loads and validates a config file. All problems are reported at once, each
 * located at file:line:column; a config with any error yields no config.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument, LineCounter } from 'yaml';
import type { Diagnostic } from '../rules/types.ts';
import { ConfigSchema, type VigilConfig } from './schema.ts';
import { issuesToDiagnostics } from './issues.ts';
import { deepFreeze } from './freeze.ts';
import type { ConfigSource } from './locate.ts';
import { DEFAULT_CONFIG_FILE } from './paths.ts';

export interface LoadedConfig {
  readonly config: VigilConfig;
  readonly source: ConfigSource;
  /** Directory that relative paths in the config are resolved against. */
  readonly baseDir: string;
}

export interface ConfigResult {
  readonly loaded: LoadedConfig | null;
  readonly diagnostics: Diagnostic[];
}

/** Parse and validate config text. `baseDir` resolves relative paths (the file's directory). */
export function loadConfigText(text: string, file: string, baseDir: string): ConfigResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source: ConfigSource = { file, text, doc, lines };
  const diagnostics: Diagnostic[] = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return {
      code: 'VGL_CONFIG_YAML', severity: 'error' as const, loc: { file, line: pos.line, col: pos.col },
      message: `config is not valid YAML: ${e.message.split('\n')[0]}; fix the syntax at this spot`,
    };
  });
  if (diagnostics.length) return { loaded: null, diagnostics };
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { loaded: null, diagnostics: [{ code: 'VGL_CONFIG_INVALID', severity: 'error', loc: { file, line: 1, col: 1 }, message: 'config must be a map of keys (like `data_dir: ./data`), got a ' + (Array.isArray(raw) ? 'list' : typeof raw) }] };
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) return { loaded: null, diagnostics: issuesToDiagnostics(source, ConfigSchema, raw, parsed.error.issues) };
  return { loaded: { config: deepFreeze(parsed.data), source, baseDir }, diagnostics: [] };
}

/** Load a config file; `null` loads the embedded default, whose relative paths resolve against the working directory. */
export function loadConfigFile(path: string | null): ConfigResult {
  if (path === null) return loadConfigText(readFileSync(DEFAULT_CONFIG_FILE, 'utf8'), '<embedded default>', process.cwd());
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    return { loaded: null, diagnostics: [{ code: 'VGL_CONFIG_UNREADABLE', severity: 'error', loc: { file: path, line: 0, col: 0 }, message: `config file cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the path given to --config` }] };
  }
  return loadConfigText(text, path, dirname(resolve(path)));
}

/** `file:line:col message` — the one-line human form of a diagnostic. */
export function formatLocated(d: Diagnostic): string {
  const where = d.loc.line > 0 ? `${d.loc.file}:${d.loc.line}:${d.loc.col}` : d.loc.file;
  return `${where} ${d.severity === 'warning' ? 'warning: ' : ''}${d.message} [${d.code}]`;
}
