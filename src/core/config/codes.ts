/**
 * Codes of the config file loader (`--config`, `vigil config check`). Codes
 * are never reused: retire one by leaving it here with a description saying
 * so. The merged table lives in src/core/rules/diagnostics.ts.
 */
import type { CodeInfo } from '../rules/codes.ts';

export const CONFIG_CODES = {
  VGL_CONFIG_UNREADABLE: {
    title: 'Config file cannot be read',
    description: 'The file given to `--config` does not exist or cannot be read; the message carries the system error (`ENOENT`, `EACCES`). Check the path and its permissions. Nothing is started.',
  },
  VGL_CONFIG_YAML: {
    title: 'Config YAML syntax error',
    description: 'The config file is not valid YAML. The location points at the spot the parser stopped (bad indentation, an unclosed quote or bracket, a tab used for indentation, a duplicate key); fix the YAML there.',
  },
  VGL_CONFIG_UNKNOWN_KEY: {
    title: 'Unknown config key',
    description: 'A key is not part of the config schema (docs/config.md), or not a parameter of the plugin instance it sits in. A typo would silently leave a setting at its default, so it is an error; the message suggests the nearest valid key or lists the valid ones.',
  },
  VGL_CONFIG_INVALID: {
    title: 'Invalid config value',
    description: 'A config value (or a plugin instance\'s parameter) has the wrong type or is out of range, or a required key is missing, or the file is not a map at all. The message names the key, what was found and what is expected.',
  },
} as const satisfies Record<string, CodeInfo>;

export type ConfigCode = keyof typeof CONFIG_CODES;
