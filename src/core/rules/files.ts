/**
 * Which files a ruleset is made of, and in what order: the directories in
 * the order given; inside each, every `*.yaml` / `*.yml` file at any depth,
 * sorted by path in byte order. Folders named `tests` hold rule test cases,
 * not rules, and hidden files and folders (editor swap files, `.git`) are
 * skipped.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface RuleFileListing {
  readonly files: string[];
  /** Directories that could not be read, with the reason. */
  readonly problems: Array<{ path: string; reason: string }>;
}

export function listRuleFiles(dirs: readonly string[]): RuleFileListing {
  const files: string[] = [];
  const problems: Array<{ path: string; reason: string }> = [];
  for (const dir of dirs) {
    let st;
    try { st = statSync(dir); } catch (err) {
      problems.push({ path: dir, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message });
      continue;
    }
    if (st.isFile()) { files.push(dir); continue; }
    const found: string[] = [];
    walk(dir, found, problems);
    found.sort((a, b) => Buffer.compare(Buffer.from(relative(dir, a)), Buffer.from(relative(dir, b))));
    files.push(...found);
  }
  return { files, problems };
}

function walk(dir: string, out: string[], problems: Array<{ path: string; reason: string }>): void {
  let names: string[];
  try { names = readdirSync(dir); } catch (err) { problems.push({ path: dir, reason: (err as Error).message }); return; }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    let st;
    try { st = statSync(p); } catch { continue; } // a dangling symlink is not a rule file
    if (st.isDirectory()) { if (name !== 'tests') walk(p, out, problems); }
    else if (st.isFile() && (name.endsWith('.yaml') || name.endsWith('.yml'))) out.push(p);
  }
}
