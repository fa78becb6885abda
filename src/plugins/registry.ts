/**
 * The stock plugins, one line each. Adding a plugin touches its file, its
 * test and one line here; the core looks plugins up by name and never
 * branches on one. (`context.set` / `context.delete` are run by the engine
 * itself and are not plugins.)
 */
import type { AnyPlugin } from '../core/plugin-api.ts';
import pcapfile from './inputs/pcapfile.ts';
import jsonl from './inputs/jsonl.ts';
import procnet from './inputs/procnet.ts';
import log from './actions/log.ts';
import block from './actions/block.ts';

export const STOCK_PLUGINS: readonly AnyPlugin[] = [
  pcapfile,
  jsonl,
  procnet,
  log,
  block,
];
