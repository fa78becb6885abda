import { eventTimeText } from './event-time.ts';
/**
 * A rule hit: the contract between the engine, the replay output, the
 * action outbox (phase 2) and fleet publishing. Plain, JSON-serialisable data.
 */
export interface ActionRequest {
  /** Action plugin name, e.g. `block`, `log`, `email`, `context.set`. */
  readonly plugin: string;
  /** Parameters with templates already rendered. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface Hit {
  /** Event time of the hit, ms since epoch. */
  readonly ts: number;
  /** Rule id. */
  readonly rule: string;
  /** The rule's group-by values, by field name. */
  readonly key: Readonly<Record<string, unknown>>;
  /** Source address the hit accuses, when known. */
  readonly src?: string;
  readonly tags: readonly string[];
  readonly severity: Severity;
  /** Rendered message. */
  readonly message: string;
  /** Count, distinct count or weight sum that triggered the hit, when the type has one. */
  readonly count?: number;
  /** Event time of the first event that contributed to this hit. */
  readonly first_ts?: number;
  /** Actions the rule asks for, rendered. Replay prints them; live mode queues them. */
  readonly actions: readonly ActionRequest[];
  /** Extra values the correlation type reports (e.g. ports seen, anomaly score). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where the engine sends hits. Must not block: slow work is queued behind it. */
export type HitSink = (hit: Hit) => void;

/** JSON line form of a hit, as printed by `vigil replay --format json`. */
export function hitToJson(hit: Hit): Record<string, unknown> {
  const o: Record<string, unknown> = {
    ts: eventTimeText(hit.ts),
    rule: hit.rule,
    key: hit.key,
    src: hit.src ?? null,
    tags: hit.tags,
    severity: hit.severity,
    message: hit.message,
  };
  if (hit.count !== undefined) o.count = hit.count;
  if (hit.first_ts !== undefined) o.first_ts = eventTimeText(hit.first_ts);
  o.actions = hit.actions;
  if (hit.data) o.data = hit.data;
  return o;
}
