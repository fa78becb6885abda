/**
 * One JSON text to a vigil event, checked against the field registry.
 *
 * The object is nested like the event type (`{"src": {"ip": …}}`); dotted
 * keys (`{"src.ip": …}`) are accepted too and nested. `kind` and `ts` are
 * required; `ts` is ms since the epoch or an ISO 8601 date-time string with
 * a zone (`2026-01-15T12:00:00.250Z`). Addresses are rewritten to canonical
 * text so they compare equal to decoded ones. A JSON `null` means absent.
 * Unknown field names are an error naming the nearest known field, unless
 * the caller allows them (they are then kept as they are).
 */
import { EVENT_KINDS, FIELD_BY_NAME, FIELD_PREFIXES, FIELDS, type FieldSpec } from '../fields.ts';
import type { VigilEvent } from '../event.generated.ts';
import { suggestion } from '../text/nearest.ts';
import { canonicalIpText } from './ip-text.ts';
import { isEventTime, MAX_EVENT_TIME_MS } from '../event-time.ts';

export interface JsonEventOptions {
  /** Value for `input` when the line has none. */
  input: string;
  /** Keep fields the registry does not know instead of refusing the line. Default false. */
  allowUnknownFields?: boolean;
}

export type JsonEventResult =
  | { ok: true; event: VigilEvent }
  | { ok: false; problem: string; field?: string };

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const KINDS = Object.keys(EVENT_KINDS);
const FIELD_NAMES = FIELDS.map((f) => f.name);

class LineProblem extends Error {
  constructor(readonly problem: string, readonly field?: string) { super(problem); }
}

/** Parses and checks one line's text. Never throws. */
export function parseJsonEvent(text: string, opts: JsonEventOptions): JsonEventResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `not valid JSON (${(e as Error).message}); each line must be one complete JSON object` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problem: `expected a JSON object, got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}` };
  }
  try {
    const ev: Record<string, unknown> = {};
    copyFields(raw as Record<string, unknown>, '', ev, opts);
    if (ev.kind === undefined) throw new LineProblem(`\`kind\` is missing; add "kind": one of ${KINDS.join(', ')}`, 'kind');
    if (ev.ts === undefined) throw new LineProblem('`ts` is missing; add "ts": ms since the epoch or an ISO 8601 time like "2026-01-15T12:00:00Z"', 'ts');
    if (ev.input === undefined) ev.input = opts.input;
    return { ok: true, event: ev as VigilEvent };
  } catch (e) {
    if (e instanceof LineProblem) return { ok: false, problem: e.problem, field: e.field };
    throw e;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function copyFields(obj: Record<string, unknown>, prefix: string, out: Record<string, unknown>, opts: JsonEventOptions): void {
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const name = prefix + key;
    if (value === null) continue;
    const spec = FIELD_BY_NAME.get(name);
    if (spec) { setPath(out, name, checkValue(spec, value)); continue; }
    if (FIELD_PREFIXES.has(name)) {
      if (!isPlainObject(value)) throw new LineProblem(`\`${name}\` must be an object holding ${childList(name)}, got ${JSON.stringify(value)}`, name);
      copyFields(value, name + '.', out, opts);
      continue;
    }
    if (opts.allowUnknownFields) { setPath(out, name, value); continue; }
    throw new LineProblem(`\`${name}\` is not a known field${suggestion(name, FIELD_NAMES, { otherwise: 'see `vigil fields` for the list' })}`, name);
  }
}

function childList(prefix: string): string {
  const kids = FIELD_NAMES.filter((n) => n.startsWith(prefix + '.')).map((n) => n.slice(prefix.length + 1));
  return kids.length > 4 ? `${kids.slice(0, 4).join(', ')}…` : kids.join(', ');
}

function setPath(out: Record<string, unknown>, name: string, value: unknown): void {
  const parts = name.split('.');
  let o = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = o[parts[i]];
    if (isPlainObject(next)) o = next;
    else { const fresh: Record<string, unknown> = {}; o[parts[i]] = fresh; o = fresh; }
  }
  o[parts[parts.length - 1]] = value;
}

function checkValue(spec: FieldSpec, v: unknown): unknown {
  const name = spec.name;
  if (name === 'ts') {
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (isEventTime(v)) return v;
      throw new LineProblem(`\`ts\` ${v} is outside the time a date can hold (±${MAX_EVENT_TIME_MS} ms since the epoch); give ms since the epoch, like 1768478400000`, name);
    }
    if (typeof v === 'string' && ISO_RE.test(v)) {
      const t = Date.parse(v);
      if (Number.isFinite(t)) return t;
    }
    throw new LineProblem(`\`ts\` must be ms since the epoch or an ISO 8601 time with a zone like "2026-01-15T12:00:00.250Z", got ${JSON.stringify(v)}`, name);
  }
  if (name === 'kind') {
    if (typeof v === 'string' && KINDS.includes(v)) return v;
    throw new LineProblem(`\`kind\` must be one of ${KINDS.join(', ')}, got ${JSON.stringify(v)}`, name);
  }
  switch (spec.type) {
    case 'number':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      throw new LineProblem(`\`${name}\` must be a number, got ${JSON.stringify(v)}${typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? `; write ${v} without quotes` : ''}`, name);
    case 'boolean':
      if (typeof v === 'boolean') return v;
      throw new LineProblem(`\`${name}\` must be true or false, got ${JSON.stringify(v)}`, name);
    case 'string':
      if (typeof v === 'string') return v;
      throw new LineProblem(`\`${name}\` must be a string, got ${JSON.stringify(v)}`, name);
    case 'ip': {
      const t = typeof v === 'string' ? canonicalIpText(v) : null;
      if (t !== null) return t;
      throw new LineProblem(`\`${name}\` must be an IPv4 or IPv6 address as text, got ${JSON.stringify(v)}`, name);
    }
    case 'string[]':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
      throw new LineProblem(`\`${name}\` must be a list of strings, got ${JSON.stringify(v)}`, name);
  }
}
