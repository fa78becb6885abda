/**
 * Test harness: an engine on an event clock, collecting hits, with
 * shorthand for packet events. Tests drive time only through event `ts`.
 */
import { EventClock } from '../../../src/core/clock.ts';
import { emptyHostFacts, type HostFacts } from '../../../src/core/host.ts';
import type { Hit } from '../../../src/core/hit.ts';
import type { VigilEvent } from '../../../src/core/event.generated.ts';
import { Engine, type EngineOptions } from '../../../src/core/engine/engine.ts';
import { loadRulesetFromText } from '../../../src/core/rules/load.ts';
import { formatDiagnostic } from '../../../src/core/rules/diagnostics.ts';
import type { Ruleset } from '../../../src/core/rules/types.ts';
import type { HelperRuntime } from '../../../src/core/expr/api.ts';

/** Action plugins the test rules may name (their params are not checked here). */
const TEST_ACTIONS: ReadonlyMap<string, { paramsSchema?: undefined }> = new Map([['block', {}], ['log', {}]]);

/** Load rule YAML with the project's loader; throws with every diagnostic when it has errors. */
export function rulesFromYaml(yaml: string, runtime: HelperRuntime): Ruleset {
  const r = loadRulesetFromText([{ path: 'test.yaml', text: yaml }], { runtime, actions: TEST_ACTIONS });
  if (!r.ruleset) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.ruleset;
}

export interface Harness {
  engine: Engine;
  clock: EventClock;
  hits: Hit[];
  /** Feed events in order (clock advanced to each event's ts first). */
  feed(...evs: VigilEvent[]): void;
  /** Move event time without an event (fires due timers). */
  advance(ts: number): void;
  load(yaml: string): ReturnType<Engine['load']>;
}

export function harness(yaml: string, opts: Partial<EngineOptions> & { host?: HostFacts } = {}): Harness {
  const clock = new EventClock(0);
  const hits: Hit[] = [];
  const engine = new Engine({ clock, sink: (h) => hits.push(h), host: opts.host ?? emptyHostFacts(), ...opts });
  const h: Harness = {
    engine, clock, hits,
    feed: (...evs) => { for (const e of evs) engine.feed(e); },
    advance: (ts) => clock.advance(ts),
    load: (y) => engine.load(rulesFromYaml(y, engine.helpers)),
  };
  h.load(yaml);
  return h;
}

export interface PacketShape {
  ts: number;
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  proto?: string;
  flags?: string;
  bytes?: number;
  ttl?: number;
}

/** A TCP (default) packet event. `flags` is letters like "S" or "SA". */
export function pkt(p: PacketShape): VigilEvent {
  const f = p.flags ?? 'S';
  return {
    ts: p.ts, kind: 'packet', input: 'test', proto: p.proto ?? 'tcp',
    src: { ip: p.src ?? '10.77.0.9', port: p.sport ?? 40000 },
    dst: { ip: p.dst ?? '10.77.0.1', port: p.dport ?? 22 },
    ip: { version: 4, ttl: p.ttl ?? 64 },
    tcp: { flags: { syn: f.includes('S'), ack: f.includes('A'), fin: f.includes('F'), rst: f.includes('R'), str: f } },
    bytes: p.bytes ?? 60, packets: 1,
  };
}
