/**
 * Which files a ruleset is made of, and in what order: the directories in
 * the order given; inside each, every `*.yaml` / `*.yml` file at any depth,
 * sorted by path in byte order. Folders named `tests` hold rule test cases,
 * not rules, and hidden files and folders (editor swap files, `.git`) are
 * skipped. Links are followed, but a directory or file met again (a link
 * back to an ancestor, two links to one place, a rule dir given twice) is
 * skipped: a link cycle would otherwise be walked until ELOOP, reading every
 * file at each level (and twice-read files are duplicate rule ids).
 */
import { readdirSync, statSync, type BigIntStats } from 'node:fs';
import { join, relative } from 'node:path';

export interface RuleFileListing {
  readonly files: string[];
  /** Directories that could not be read, with the reason. */
  readonly problems: Array<{ path: string; reason: string }>;
}

export function listRuleFiles(dirs: readonly string[]): RuleFileListing {
  const files: string[] = [];
  const problems: Array<{ path: string; reason: string }> = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    let st;
    try { st = statSync(dir, { bigint: true }); } catch (err) {
      problems.push({ path: dir, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message });
      continue;
    }
    if (!firstVisit(st, seen)) continue;
    if (st.isFile()) { files.push(dir); continue; }
    const found: string[] = [];
    walk(dir, found, problems, seen);
    found.sort((a, b) => Buffer.compare(Buffer.from(relative(dir, a)), Buffer.from(relative(dir, b))));
    files.push(...found);
  }
  return { files, problems };
}

function walk(dir: string, out: string[], problems: Array<{ path: string; reason: string }>, seen: Set<string>): void {
  let names: string[];
  try { names = readdirSync(dir); } catch (err) { problems.push({ path: dir, reason: (err as Error).message }); return; }
  // Byte order, so which of two paths to one place is kept does not depend on readdir order.
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    let st;
    try { st = statSync(p, { bigint: true }); } catch { continue; } // a dangling symlink (or a link loop: ELOOP) is not a rule file
    if (st.isDirectory()) { if (name !== 'tests' && firstVisit(st, seen)) walk(p, out, problems, seen); }
    else if (st.isFile() && (name.endsWith('.yaml') || name.endsWith('.yml')) && firstVisit(st, seen)) out.push(p);
  }
}

/**
 * Identity is device + inode, as bigints: a Number inode can lose precision
 * on 64-bit-inode filesystems and make two files look like one.
 */
function firstVisit(st: BigIntStats, seen: Set<string>): boolean {
  const id = `${st.dev}:${st.ino}`;
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}
