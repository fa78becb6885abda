/**
 * `vigil rules test`: replays every test case folder found under the rules
 * directories through the engine, on event time, against the whole ruleset
 * those directories make, and compares the hits with each case's
 * `expected.yaml`.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import type { Diagnostic, Ruleset } from './types.ts';
import type { Hit } from '../hit.ts';
import type { VigilEvent } from '../event.generated.ts';
import type { KnownActions } from './actions.ts';
import { EventClock } from '../clock.ts';
import { Engine } from '../engine/engine.ts';
import { readCaptureFile } from '../decode/capture-file.ts';
import { PacketDecoder } from '../decode/decoder.ts';
import { parseJsonEvent } from '../decode/json-event.ts';
import { listRuleFiles } from './files.ts';
import { loadRuleset, loadRulesetFromText } from './load.ts';
import { hasErrors, formatDiagnostic } from './diagnostics.ts';
import { findTestCases, readTestCase, TestCaseError, type TestCase } from './test-case.ts';
import { diffHits } from './hit-diff.ts';
import { suggestion } from '../text/nearest.ts';
import { printable } from '../text/printable.ts';

/**
 * Most bytes the inputs of one case may hold. A case is a spec of a few
 * events; read whole, a bulk capture or log would exhaust memory (past
 * 512 MiB a JSON-lines file cannot even be one string) and end the run.
 */
export const MAX_CASE_INPUT_BYTES = 64 * 1024 * 1024;

export interface RuleTestOptions {
  /** Known action plugins (as for loading); `context.set`/`context.delete` are always known. */
  readonly actions?: KnownActions;
  /** Var values applied under each case's own `vars`. */
  readonly varOverrides?: Readonly<Record<string, unknown>>;
  /** Run only cases whose name contains this text. */
  readonly only?: string;
}

export interface CaseResult {
  /** Case name relative to its rules directory, e.g. `portscan/tests/null-scan`. */
  readonly name: string;
  readonly path: string;
  readonly description?: string;
  /** `error` means the case could not run (bad case files, rule errors under its vars). */
  readonly status: 'pass' | 'fail' | 'error';
  /** The diff (for `fail`) or the reasons (for `error`), one line each. */
  readonly problems: readonly string[];
  readonly expected: number;
  /** The hits of the case's own pack (see packScope), in order. */
  readonly hits: readonly Hit[];
}

export interface RuleTestReport {
  /** Problems loading the ruleset itself; when any is an error no case runs. */
  readonly diagnostics: readonly Diagnostic[];
  readonly cases: readonly CaseResult[];
  /** Names of every case found, `--only` or not (empty when the ruleset did not load): what an `--only` could have selected. */
  readonly found: readonly string[];
  /** Directories given that hold no case folder (empty when the ruleset did not load). */
  readonly dirsWithoutCases: readonly string[];
}

/** Exit code for `vigil rules test`: 0 when the ruleset loads and every case passes, else 1. */
export function ruleTestExitCode(r: RuleTestReport): 0 | 1 {
  return hasErrors(r.diagnostics) || r.cases.some((c) => c.status !== 'pass') ? 1 : 0;
}

export async function runRuleTests(dirs: readonly string[], opts: RuleTestOptions = {}): Promise<RuleTestReport> {
  const check = loadRuleset(dirs, { actions: opts.actions, varOverrides: opts.varOverrides });
  if (!check.ruleset) return { diagnostics: check.diagnostics, cases: [], found: [], dirsWithoutCases: [] };
  const texts = listRuleFiles(dirs).files.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const knownVars = new Set(Object.keys(check.ruleset.vars));
  const cases: CaseResult[] = [];
  const found: string[] = [];
  const dirsWithoutCases: string[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const inDir = findTestCases(dir, seen);
    if (!inDir.length) dirsWithoutCases.push(dir);
    for (const { name, path } of inDir) {
      // Matched against the name as printed, so any part of what the user sees selects the case.
      const shown = `${basename(resolve(dir))}/${name}`;
      found.push(shown);
      if (opts.only !== undefined && !shown.includes(opts.only)) continue;
      cases.push(await runCase(shown, path, texts, knownVars, opts));
    }
  }
  return { diagnostics: check.diagnostics, cases, found, dirsWithoutCases };
}

async function runCase(name: string, path: string, texts: ReadonlyArray<{ path: string; text: string }>, knownVars: ReadonlySet<string>, opts: RuleTestOptions): Promise<CaseResult> {
  let tc: TestCase;
  try { tc = readTestCase(name, path); } catch (err) {
    if (err instanceof TestCaseError) return errorResult(name, path, [`${err.message} [VGL_TEST_CASE]`]);
    throw err;
  }
  // A case var that names no var of the ruleset would silently test nothing new.
  const unknownVars = Object.keys(tc.vars).filter((v) => !knownVars.has(v));
  if (unknownVars.length) {
    return errorResult(name, path, unknownVars.map((v) => `${path}/case.yaml: \`vars.${v}\` names no var of the ruleset${suggestion(v, [...knownVars])} [VGL_TEST_CASE]`), tc);
  }
  const hits: Hit[] = [];
  let scope: ReadonlySet<string> | null = null;
  const clock = new EventClock(0);
  const engine = new Engine({ clock, sink: (h) => hits.push(h), host: tc.host });
  try {
    const loaded = loadRulesetFromText(texts, {
      runtime: engine.helpers,
      actions: opts.actions,
      varOverrides: { ...opts.varOverrides, ...tc.vars },
      varOverridesSource: `${path}/case.yaml`,
      ...(tc.overlay ? { caseOverlay: tc.overlay } : {}),
    });
    if (!loaded.ruleset) return errorResult(name, path, loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic), tc);
    engine.load(loaded.ruleset);
    scope = packScope(path, loaded.ruleset);
    const misnamed = foreignExpectedRules(tc, loaded.ruleset, scope);
    if (misnamed.length) return errorResult(name, path, misnamed, tc);
    let events: VigilEvent[];
    try { events = await readInputs(tc.inputs); } catch (err) {
      if (err instanceof TestCaseError) return errorResult(name, path, [`${err.message} [VGL_TEST_CASE]`], tc);
      if ((err as Error).name === 'CaptureFileError') return errorResult(name, path, [(err as Error).message], tc);
      throw err;
    }
    for (const ev of events) engine.feed(ev);
    if (tc.until !== null) clock.advance(tc.until);
  } finally {
    engine.close();
  }
  const judged = scope === null ? hits : hits.filter((h) => scope!.has(h.rule));
  const problems = diffHits(tc.expected, judged);
  return {
    name, path, ...(tc.description !== undefined ? { description: tc.description } : {}),
    status: problems.length ? 'fail' : 'pass', problems, expected: tc.expected.length, hits: judged,
  };
}

/**
 * Expected hits this case can never see: a rule of no file (a typo), or one
 * of another pack, whose hits packScope leaves out. Either would read as
 * "no such hit" while the hit may well have come.
 */
function foreignExpectedRules(tc: TestCase, ruleset: Ruleset, scope: ReadonlySet<string> | null): string[] {
  const rules = new Map([...ruleset.rules, ...(ruleset.disabled ?? [])].map((r) => [r.id, r.loc.file]));
  const where = `${join(tc.path, 'expected.yaml')}: hit`;
  return tc.expected.flatMap((e, i) => {
    const file = rules.get(e.rule);
    if (file === undefined) return [`${where} ${i + 1}: \`${e.rule}\` names no rule of the ruleset${suggestion(e.rule, [...rules.keys()])} [VGL_TEST_CASE]`];
    if (scope !== null && !scope.has(e.rule)) {
      return [`${where} ${i + 1}: \`${e.rule}\` is a rule of ${file}, not of this case's pack ${join(tc.path, '..', '..')}, whose cases judge only its own rules' hits; move the hit to a case of that rule's pack [VGL_TEST_CASE]`];
    }
    return [];
  });
}

function errorResult(name: string, path: string, problems: string[], tc?: TestCase): CaseResult {
  return { name, path, ...(tc?.description !== undefined ? { description: tc.description } : {}), status: 'error', problems, expected: tc?.expected.length ?? 0, hits: [] };
}

/** Every input's events, merged in event-time order (stable, so equal times keep file order). */
async function readInputs(inputs: readonly string[]): Promise<VigilEvent[]> {
  const events: VigilEvent[] = [];
  let total = 0;
  for (const file of inputs) {
    try {
      total += statSync(file).size;
      if (total > MAX_CASE_INPUT_BYTES) {
        throw new TestCaseError(`${file}: brings the case's inputs to ${total} bytes, over the ${MAX_CASE_INPUT_BYTES} they may hold together; keep only the events the case is about (\`vigil replay\` runs bulk inputs)`);
      }
      await readInput(file, events);
    } catch (err) {
      // A dangling symlink, a directory or a file without read permission is this case's problem, not the whole run's.
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new TestCaseError(`${file}: cannot be read (${code}); replace it with a readable file`);
      throw err;
    }
  }
  return events.map((ev, i) => ({ ev, i })).sort((a, b) => a.ev.ts - b.ev.ts || a.i - b.i).map((x) => x.ev);
}

/** One input file's events, appended to `events`. */
async function readInput(file: string, events: VigilEvent[]): Promise<void> {
  if (file.endsWith('.jsonl')) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('//')) return;
      const r = parseJsonEvent(line, { input: 'jsonl' });
      if (!r.ok) throw new TestCaseError(`${file}:${i + 1}: ${r.problem}`);
      events.push(r.event);
    });
  } else {
    const decoder = new PacketDecoder({ input: 'pcapfile' });
    await readCaptureFile(file, (p) => {
      const ev = decoder.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
      // The decoder reuses one event object; keep a copy.
      if (ev) events.push(structuredClone(ev));
    });
  }
}

/** Human report of one case: a PASS/FAIL/ERROR line, then its problems indented. */
export function formatCaseResult(c: CaseResult): string {
  // A folded YAML description ends in a newline; the case's line must stay one line.
  const description = c.description?.replace(/\s+/g, ' ').trim();
  const head = printable(`${c.status.toUpperCase().padEnd(5)} ${c.name}${description ? ` — ${description}` : ''} (${c.hits.length}/${c.expected} hits)`);
  return c.problems.length ? `${head}\n${c.problems.map(indentedProblem).join('\n')}` : head;
}

/**
 * One problem, indented, its lines kept (a diagnostic shows its source line
 * under it). Hit values come from the traffic: JSON.stringify in the diff
 * escapes C0 controls but not C1, DEL, bidi controls or line separators,
 * so each line is made printable as `vigil replay --format text` does.
 */
function indentedProblem(p: string): string {
  return p.split('\n').map((line) => `    ${printable(line)}`).join('\n');
}

/**
 * The rules a case judges: those defined in its own pack, the folder that
 * holds its `tests/` folder. The whole ruleset runs (so site overrides and
 * contexts set by other rules apply), but another pack's hits on the same
 * traffic are not this case's business: the portscan cases do not have to
 * list scanlogd's lines. A folder that defines no rule of its own (a site
 * folder of overrides) judges every hit. Null means every hit.
 */
function packScope(casePath: string, ruleset: Ruleset): ReadonlySet<string> | null {
  const root = resolve(casePath, '..', '..') + sep;
  const own = [...ruleset.rules, ...(ruleset.disabled ?? [])].filter((r) => resolve(r.loc.file).startsWith(root));
  return own.length ? new Set(own.map((r) => r.id)) : null;
}
