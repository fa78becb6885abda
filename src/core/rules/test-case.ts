/**
 * One rule test case folder, read and checked: `<rules dir>/…/tests/<case>/`
 * with an input (`events.jsonl`, `*.pcap`, `*.pcapng`), `expected.yaml` (the
 * hits, in order) and optionally `case.yaml` (host facts, overrides of
 * vars, lists and macros, a description, and `until`, the event time to run
 * the clock to after the last event so that windows ending after it can
 * still act).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { HostFacts } from '../host.ts';
import { emptyHostFacts } from '../host.ts';
import { suggestion } from '../text/nearest.ts';

export interface ExpectedHit {
  readonly rule: string;
  /** Fields of the hit to compare; unlisted fields are not compared. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface TestCase {
  /** Case name relative to the rules directory, e.g. `portscan/tests/null-scan`. */
  readonly name: string;
  readonly path: string;
  readonly description?: string;
  readonly host: HostFacts;
  readonly vars: Readonly<Record<string, unknown>>;
  /**
   * The case.yaml text when it changes lists or macros: the loader reads its
   * `lists:` and `macros:` after the rule files (LoadOptions.caseOverlay), so
   * their errors point into case.yaml.
   */
  readonly overlay: { readonly path: string; readonly text: string } | null;
  readonly until: number | null;
  readonly inputs: readonly string[];
  readonly expected: readonly ExpectedHit[];
}

const CASE_KEYS = ['description', 'host', 'gateway', 'listen', 'allow', 'ephemeral', 'vars', 'lists', 'macros', 'until'] as const;
export const EXPECTED_KEYS = ['rule', 'ts', 'key', 'src', 'tags', 'severity', 'message', 'count', 'first_ts', 'data', 'actions'] as const;

/** A case folder that cannot be run; `message` names the file and the fix. */
export class TestCaseError extends Error {}

/**
 * Every case folder under `dir`: the subfolders of each `tests` folder, at any
 * depth, sorted by path. Links are followed, but a folder met again (a link
 * back to an ancestor, a rules dir given twice) is skipped, as listRuleFiles
 * does for rule files: a link cycle would otherwise run every case once per
 * level until ELOOP. Pass one `seen` set for all the directories of a run.
 */
export function findTestCases(dir: string, seen: Set<string> = new Set()): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  const walk = (d: string, rel: string): void => {
    for (const n of subfolders(d, seen)) {
      const r = rel ? `${rel}/${n}` : n;
      if (n !== 'tests') { walk(join(d, n), r); continue; }
      for (const c of subfolders(join(d, n), seen)) out.push({ name: `${r}/${c}`, path: join(d, n, c) });
    }
  };
  if (firstVisit(dir, seen)) walk(dir, '');
  return out;
}

/** The visible subfolders of `d` not visited yet, sorted; none when `d` cannot be read. */
function subfolders(d: string, seen: Set<string>): string[] {
  let names: string[];
  try { names = readdirSync(d).sort(); } catch { return []; }
  return names.filter((n) => !n.startsWith('.') && firstVisit(join(d, n), seen));
}

/** Whether `p` is a folder not met before; identity is device + inode (bigints, as 64-bit inodes can lose precision as Numbers). */
function firstVisit(p: string, seen: Set<string>): boolean {
  let st;
  try { st = statSync(p, { bigint: true }); } catch { return false; }
  if (!st.isDirectory()) return false;
  const id = `${st.dev}:${st.ino}`;
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}

export function readTestCase(name: string, path: string): TestCase {
  const files = readdirSync(path).sort();
  const inputs = files.filter((f) => f === 'events.jsonl' || f.endsWith('.pcap') || f.endsWith('.pcapng')).map((f) => join(path, f));
  if (!inputs.length) throw new TestCaseError(`${path}: no input; add events.jsonl or a .pcap/.pcapng capture`);
  if (!files.includes('expected.yaml')) throw new TestCaseError(`${path}: no expected.yaml; add one listing the expected hits (\`[]\` for none)`);
  const caseText = files.includes('case.yaml') ? readText(join(path, 'case.yaml')) : null;
  const c = caseText === null ? {} : parseText(join(path, 'case.yaml'), caseText);
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new TestCaseError(`${join(path, 'case.yaml')}: must be a map of ${CASE_KEYS.join(', ')}`);
  const cm = c as Record<string, unknown>;
  for (const k of Object.keys(cm)) {
    if (!(CASE_KEYS as readonly string[]).includes(k)) throw new TestCaseError(`${join(path, 'case.yaml')}: \`${k}\` is not a case key${suggestion(k, CASE_KEYS)}`);
  }
  const where = join(path, 'case.yaml');
  const host = emptyHostFacts({
    addresses: new Set(strings(cm.host, 'host', where)),
    gateways: new Set(strings(cm.gateway, 'gateway', where)),
    listening: listening(cm.listen, where),
    allow: strings(cm.allow, 'allow', where),
    ...(cm.ephemeral !== undefined ? { ephemeral: range(cm.ephemeral, where) } : {}),
  });
  const vars = cm.vars ?? {};
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) throw new TestCaseError(`${where}: \`vars\` must be a map of var name to value`);
  for (const k of ['lists', 'macros'] as const) {
    const v = cm[k];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
      throw new TestCaseError(`${where}: \`${k}\` must be a map of ${k === 'lists' ? 'list name to its values' : 'macro name to its expression'}, as in a rule file`);
    }
  }
  const overlay = caseText !== null && (cm.lists !== undefined || cm.macros !== undefined) ? { path: where, text: caseText } : null;
  const until = cm.until === undefined ? null : time(cm.until, `${where}: \`until\``);
  const description = typeof cm.description === 'string' ? cm.description : undefined;
  const expected = readExpected(join(path, 'expected.yaml'));
  return { name, path, ...(description !== undefined ? { description } : {}), host, vars: vars as Record<string, unknown>, overlay, until, inputs, expected };
}

function readYaml(file: string): unknown {
  return parseText(file, readText(file));
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TestCaseError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function parseText(file: string, text: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new TestCaseError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function strings(v: unknown, key: string, where: string): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw new TestCaseError(`${where}: \`${key}\` must be an address (or CIDR) or a list of them, got ${JSON.stringify(v)}`);
  return list as string[];
}

function listening(v: unknown, where: string): HostFacts['listening'] {
  const tcp = new Set<number>();
  const udp = new Set<number>();
  if (v === undefined || v === null) return { tcp, udp };
  for (const x of Array.isArray(v) ? v : [v]) {
    // "53/udp" as in the config and --listen; "udp/53" is accepted too, as older cases write it.
    const m = typeof x === 'number' ? ['', 'tcp', String(x)] : typeof x === 'string' ? /^(?:(tcp|udp)\/)?(\d+)$/.exec(x) : null;
    const c = !m && typeof x === 'string' ? /^(\d+)\/(tcp|udp)$/.exec(x) : null;
    const proto = m ? m[1] : c?.[2];
    const port = m ? m[2] : c?.[1];
    if (port === undefined) throw new TestCaseError(`${where}: \`listen\` items are ports like 22 or "53/udp", got ${JSON.stringify(x)}`);
    ((proto ?? 'tcp') === 'udp' ? udp : tcp).add(Number(port));
  }
  return { tcp, udp };
}

function range(v: unknown, where: string): readonly [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x))) return [v[0] as number, v[1] as number];
  throw new TestCaseError(`${where}: \`ephemeral\` must be a port range like [32768, 60999], got ${JSON.stringify(v)}`);
}

/** An ISO 8601 time with a zone, or ms since the epoch. */
export function time(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string' && /[zZ]|[+-]\d\d:?\d\d$/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new TestCaseError(`${what} must be an ISO time with a zone like "2026-01-15T12:00:00Z" or ms since the epoch, got ${JSON.stringify(v)}`);
}

function readExpected(file: string): ExpectedHit[] {
  const v = readYaml(file);
  // An empty file is more often a placeholder never filled in than a claim that nothing fires; `[]` says that.
  if (v === null || v === undefined) throw new TestCaseError(`${file}: lists no hit; list the hits the case expects, or write \`[]\` when it expects none`);
  if (!Array.isArray(v)) throw new TestCaseError(`${file}: must be a list of expected hits (\`[]\` for none)`);
  return v.map((h, i) => {
    const where = `${file}: hit ${i + 1}`;
    if (h === null || typeof h !== 'object' || Array.isArray(h)) throw new TestCaseError(`${where} must be a map with at least \`rule\` and \`ts\``);
    const m = h as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (!(EXPECTED_KEYS as readonly string[]).includes(k)) throw new TestCaseError(`${where}: \`${k}\` is not a hit field${suggestion(k, EXPECTED_KEYS)}`);
    }
    if (typeof m.rule !== 'string') throw new TestCaseError(`${where}: \`rule\` (the rule id) is required`);
    const fields: Record<string, unknown> = { ...m };
    if (m.ts !== undefined) fields.ts = time(m.ts, `${where}: \`ts\``);
    if (m.first_ts !== undefined) fields.first_ts = time(m.first_ts, `${where}: \`first_ts\``);
    return { rule: m.rule, fields };
  });
}
