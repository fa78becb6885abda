/** The registry of condition and template helpers: one list, from which the compiler, docs and tests read. */
import type { HelperSpec, HelperContext, HelperFn } from './types.ts';
import { cidr, ip_version, normalize_ip, subnet, port_class } from './address.ts';
import { is_local, is_gateway, is_listening, listening_known, is_ephemeral, is_allowed } from './host.ts';
import { in_list, context } from './lookup.ts';
import { TEXT_HELPERS } from './text.ts';
import { FORMAT_HELPERS } from './format.ts';

export type { HelperSpec, HelperContext, HelperFn } from './types.ts';

/** In documentation order: the condition helpers of the rule language first. */
export const HELPERS: readonly HelperSpec[] = [
  cidr, is_local, is_gateway, is_listening, listening_known, is_ephemeral, is_allowed, in_list, context,
  ip_version, normalize_ip, subnet, port_class,
  ...TEXT_HELPERS, ...FORMAT_HELPERS,
];

export const HELPER_BY_NAME: ReadonlyMap<string, HelperSpec> = new Map(HELPERS.map((h) => [h.name, h]));

/** Every helper name; usable as a function `name(x, …)` or a transform `x|name(…)`. */
export const HELPER_NAMES: readonly string[] = HELPERS.map((h) => h.name);

/**
 * The general implementations bound to one context, by name. The compiler
 * uses them; the differential test registers the same functions on jexl.
 */
export function bindHelpers(ctx: HelperContext): Record<string, HelperFn> {
  const out: Record<string, HelperFn> = Object.create(null);
  for (const h of HELPERS) out[h.name] = h.make(ctx);
  return out;
}
