/**
 * Replays captures or event lists through the real decoder, rule loader and
 * engine — the same pieces `vigil replay` wires together — and returns the
 * hits. Used by the pack tests, the rules-test cases and bench/replay.ts.
 */
import { readCaptureFile } from '../../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { EventClock } from '../../src/core/clock.ts';
import { emptyHostFacts, type HostFacts } from '../../src/core/host.ts';
import { loadRuleset, type LoadOptions } from '../../src/core/rules/load.ts';
import { formatDiagnostic } from '../../src/core/rules/diagnostics.ts';
import { STOCK_PLUGINS } from '../../src/plugins/registry.ts';
import type { Hit } from '../../src/core/hit.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';

export interface HostSpec {
  readonly addresses?: readonly string[];
  readonly tcp?: readonly number[];
  readonly udp?: readonly number[];
  /** The config's host.allow: addresses or CIDRs never accused. */
  readonly allow?: readonly string[];
}

export interface ReplaySetup {
  /** Rule directories, in load order (the pack, then site files). */
  readonly rules: readonly string[];
  readonly host?: HostSpec;
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Called for every hit as it is made (e.g. to count without keeping). */
  readonly onHit?: (hit: Hit) => void;
}

export function hostFacts(h: HostSpec = {}): HostFacts {
  return emptyHostFacts({
    addresses: new Set(h.addresses ?? []),
    listening: { tcp: new Set(h.tcp ?? []), udp: new Set(h.udp ?? []) },
    allow: h.allow ?? [],
  });
}

/** The stock action plugins with their params schemas, as `vigil replay` knows them. */
export const ACTIONS: LoadOptions['actions'] = new Map(
  STOCK_PLUGINS.flatMap((p) => (p.kind === 'action' ? [[p.name, { paramsSchema: p.paramsSchema }] as const] : [])),
);

/** An engine with the ruleset loaded; throws with every diagnostic when the rules do not load. */
export function makeEngine(setup: ReplaySetup): { engine: Engine; hits: Hit[] } {
  const hits: Hit[] = [];
  const keep = setup.onHit ?? ((h: Hit) => { hits.push(h); });
  const engine = new Engine({ clock: new EventClock(0), sink: keep, host: hostFacts(setup.host) });
  const r = loadRuleset(setup.rules, { runtime: engine.helpers, actions: ACTIONS, varOverrides: setup.vars });
  if (!r.ruleset) throw new Error(`rules did not load:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
  engine.load(r.ruleset);
  return { engine, hits };
}

/** Decode and feed every packet of the captures, in order. */
export async function replayCaptures(files: readonly string[], setup: ReplaySetup): Promise<Hit[]> {
  const { engine, hits } = makeEngine(setup);
  const decoder = new PacketDecoder({ input: 'pcapfile' });
  for (const file of files) {
    await readCaptureFile(file, (p) => {
      const ev = decoder.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
      if (ev) engine.feed(ev);
    });
  }
  engine.close();
  return hits;
}

/** Feed prepared events (already in time order). */
export function replayEvents(events: Iterable<VigilEvent>, setup: ReplaySetup): Hit[] {
  const { engine, hits } = makeEngine(setup);
  for (const ev of events) engine.feed(ev);
  engine.close();
  return hits;
}

/** The portscan tags each accused address collected over all its hits. */
export function tagsBySource(hits: readonly Hit[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const h of hits) {
    if (h.src === undefined) continue;
    let s = out.get(h.src);
    if (!s) { s = new Set(); out.set(h.src, s); }
    for (const t of h.tags) s.add(t);
  }
  return out;
}

/** A frame and its capture time, as the synthetic builders make them. */
export interface TimedFrame { readonly tsMs: number; readonly frame: Uint8Array }

/** Decode Ethernet frames (link type 1) with the real decoder and feed them. */
export function replayFrames(frames: Iterable<TimedFrame>, setup: ReplaySetup): Hit[] {
  const { engine, hits } = makeEngine(setup);
  const decoder = new PacketDecoder({ input: 'pcapfile' });
  for (const f of frames) {
    const ev = decoder.decode(1, f.frame, f.frame.length, f.frame.length, f.tsMs);
    if (ev) engine.feed(ev);
  }
  engine.close();
  return hits;
}
