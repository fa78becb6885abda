/**
 * Facts about the protected host that conditions test (is_local, is_gateway,
 * is_listening, is_ephemeral, is_allowed) and that the firewall action uses
 * to refuse self-blocking. Live: read from /proc and the routing table.
 * Replay: from config and `--host`/`--gateway`/`--listen` flags.
 */
export interface HostFacts {
  /** The host's own addresses (loopback is always treated as local). */
  readonly addresses: ReadonlySet<string>;
  readonly gateways: ReadonlySet<string>;
  readonly listening: { readonly tcp: ReadonlySet<number>; readonly udp: ReadonlySet<number> };
  /** Inclusive ephemeral port range. */
  readonly ephemeral: readonly [number, number];
  /** Allow-listed CIDRs, never accused or blocked. */
  readonly allow: readonly string[];
}

export function emptyHostFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    addresses: new Set(),
    gateways: new Set(),
    listening: { tcp: new Set(), udp: new Set() },
    ephemeral: [32768, 60999],
    allow: [],
    ...over,
  };
}
